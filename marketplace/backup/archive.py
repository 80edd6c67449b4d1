"""A backup archive: one ``.tar.gz`` holding the database, the uploads folder and a manifest.

::

    manifest.json          format, created_at (UTC), dialect, alembic_revision, files
    database.sqlite3       SQLite's online backup            (or database.pgdump: pg_dump -Fc)
    uploads/<name>         every file of UPLOAD_DIR, sub-folders kept

``files`` maps every other member to its size and SHA-256. ``restore`` extracts into a temporary
folder beside the target, refuses anything not in the manifest, not a regular file, or whose
checksum or size differs, and only then touches the database and the uploads folder.
"""

import hashlib
import json
import shutil
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import sqlalchemy as sa

from marketplace.backup import databases
from marketplace.backup.databases import BackupError

FORMAT = "bxqx-backup/1"
MANIFEST = "manifest.json"
UPLOADS = "uploads"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _upload_files(upload_dir: Path) -> list[Path]:
    if not upload_dir.is_dir():
        return []
    return sorted(path for path in upload_dir.rglob("*") if path.is_file() and not path.is_symlink())


def create(engine: sa.Engine, upload_dir: Path, to: Path, *, now: datetime | None = None) -> Path:
    """Write a backup archive into the folder ``to``; return its path."""
    now = now or datetime.now(UTC)
    name = databases.dialect(engine)
    to.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=to, prefix=".backup-") as work:
        work = Path(work)
        database = work / databases.FILENAMES[name]
        databases.dump(engine, database)
        files = {database.name: database}
        for path in _upload_files(upload_dir):
            files[str(PurePosixPath(UPLOADS, *path.relative_to(upload_dir).parts))] = path
        manifest = {
            "format": FORMAT, "created_at": now.isoformat(timespec="seconds"), "dialect": name,
            "alembic_revision": databases.revisions(engine), "database": database.name,
            "files": {member: {"size": path.stat().st_size, "sha256": sha256_of(path)}
                      for member, path in files.items()},
        }
        (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        target = to / f"bxqx-backup-{now.strftime('%Y%m%dT%H%M%SZ')}-{name}.tar.gz"
        partial = target.with_name(target.name + ".part")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(work / MANIFEST, arcname=MANIFEST)
            for member, path in files.items():
                tar.add(path, arcname=member, recursive=False)
        partial.replace(target)  # never a half-written archive under the final name
    return target


def _extract(archive: Path, work: Path) -> dict:
    """Extract ``archive`` into ``work`` after checking every member; return the manifest."""
    try:
        tar = tarfile.open(archive, "r:*")
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"{archive} is not a readable backup archive ({error}).") from error
    with tar:
        try:
            members = tar.getmembers()
            names = [member.name for member in members]
            if MANIFEST not in names:
                raise BackupError(f"{archive} has no {MANIFEST}: it is not a backup of this platform.")
            manifest = json.loads(tar.extractfile(MANIFEST).read().decode("utf-8"))
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                raise BackupError(f"{archive}: unknown manifest format (expected {FORMAT}).")
            listed = manifest.get("files") or {}
            unexpected = sorted(set(names) - set(listed) - {MANIFEST})
            missing = sorted(set(listed) - set(names))
            if unexpected or missing:
                raise BackupError(f"The archive is corrupt: files not in its manifest {unexpected}, "
                                  f"files missing {missing}. Nothing was restored.")
            for member in members:
                if not member.isfile() or member.name != str(PurePosixPath(member.name)) \
                        or member.name.startswith("/") or ".." in PurePosixPath(member.name).parts:
                    raise BackupError(f"The archive is corrupt: unsafe member {member.name!r}. "
                                      "Nothing was restored.")
            tar.extractall(work, filter="data")
        except (OSError, tarfile.TarError, EOFError, ValueError, UnicodeDecodeError) as error:
            raise BackupError(f"The archive is corrupt: {error}. Nothing was restored.") from error
    for member, expected in listed.items():
        path = work / member
        if path.stat().st_size != expected.get("size") or sha256_of(path) != expected.get("sha256"):
            raise BackupError(f"The archive is corrupt: {member} does not match its SHA-256 in the "
                              "manifest. Nothing was restored.")
    return manifest


def restore(engine: sa.Engine, upload_dir: Path, archive: Path, *, force: bool = False) -> dict:
    """Restore ``archive`` into the database of ``engine`` and ``upload_dir``; return its manifest.

    Refuses, before changing anything, a corrupt archive, one of another dialect, and a target
    that is not empty (tables in the database, files in the uploads folder) unless ``force``.
    """
    if not archive.is_file():
        raise BackupError(f"No such archive: {archive}.")
    name = databases.dialect(engine)
    upload_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=upload_dir.parent, prefix=".restore-") as work:
        work = Path(work)
        manifest = _extract(archive, work)
        if manifest.get("dialect") != name:
            raise BackupError(f"This archive holds a {manifest.get('dialect')} database; the target "
                              f"is {name}. Restore into a {manifest.get('dialect')} database.")
        tables, files = databases.table_names(engine), _upload_files(upload_dir)
        if (tables or files) and not force:
            raise BackupError(f"The target is not empty ({len(tables)} tables in the database, "
                              f"{len(files)} files in {upload_dir}). Restore into an empty database "
                              "and uploads folder, or add --force to replace them.")
        databases.load(engine, work / manifest["database"], replace=force)
        if force:
            for path in files:
                path.unlink()
        source = work / UPLOADS
        if source.is_dir():
            shutil.copytree(source, upload_dir, dirs_exist_ok=True)
    return manifest
