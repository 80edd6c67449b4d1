"""``flask backup create [--to DIR]`` and ``flask backup restore ARCHIVE [--force]``.

A backup is one archive with the database (SQLite's online backup API, or ``pg_dump -Fc``), the
uploads folder and a manifest with the SHA-256 of every file, the Alembic revision, the time and
the dialect (``archive.py``). Restoring checks every checksum first and goes only into an empty
database and uploads folder, unless ``--force``. README "Operations" and docs/deployment.md say
how to run both.
"""

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from marketplace.backup import archive
from marketplace.backup.databases import BackupError
from marketplace.extensions import db

backup_cli = AppGroup("backup", help="Back up and restore the database and the uploaded files.")


def default_folder() -> Path:
    return Path(current_app.instance_path) / "backups"


@backup_cli.command("create")
@click.option("--to", "to", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the archive into (default: INSTANCE_PATH/backups).")
def create_command(to: Path | None) -> None:
    """Write an archive of the database, the uploads folder and their checksums."""
    try:
        path = archive.create(db.engine, Path(current_app.config["UPLOAD_DIR"]), to or default_folder())
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backup written to {path}")


@backup_cli.command("restore")
@click.argument("path", metavar="ARCHIVE", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True,
              help="Replace a database that has tables and an uploads folder that has files.")
def restore_command(path: Path, force: bool) -> None:
    """Check an archive's checksums, then restore it into an empty database and uploads folder."""
    try:
        manifest = archive.restore(db.engine, Path(current_app.config["UPLOAD_DIR"]), path, force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    uploads = sum(1 for name in manifest["files"] if name.startswith(archive.UPLOADS + "/"))
    revision = ", ".join(manifest["alembic_revision"]) or "none"
    click.echo(f"Restored {manifest['dialect']} database of {manifest['created_at']} "
               f"(migration {revision}) and {uploads} uploaded files.")
    click.echo("If the code is newer than the backup, run `flask db upgrade` next.")
