"""Backups (issue 17 point 6): ``flask backup create`` and ``flask backup restore`` round trip on
the lane's database (SQLite here, PostgreSQL with TEST_DATABASE_URL) into an empty instance: the
same listings, agreements whose hashes still verify, and the same files."""

import io
import json
import tarfile
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.engine import make_url

from marketplace import create_app
from marketplace.backup import archive
from marketplace.config import TestConfig
from marketplace.extensions import db
from marketplace.licences import agreement
from marketplace.licences.models import OpenLicence
from marketplace.listings import services as listings
from marketplace.listings.models import Attachment, Listing
from tests import factories
from tests.licences_support import world  # noqa: F401

PDF = b"%PDF-1.4\n% \xe4\xb8\xad\xe6\x96\x87 test attachment\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


@pytest.fixture
def source(app, world):  # noqa: F811
    """Demo-like data: listings, a signed open licence, an uploaded attachment."""
    extra = factories.published_listing(world.tto, title="高能量密度固态锂电池电解质")
    declared = factories.declaration(world.tto, world.listing)
    licence = factories.licence(world.buyer, declared)
    attachment = listings.add_attachment(world.tto, extra, io.BytesIO(PDF), "电解质测试报告.pdf")
    return {"titles": sorted(db.session.scalars(select(Listing.title))),
            "licence_sha256": licence.sha256, "attachment": (extra.id, attachment.id)}


@pytest.fixture
def empty_target(app, tmp_path):
    """A database URL with nothing in it, of the lane's dialect; a PostgreSQL one is dropped after."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"bxqx_restore_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def instance(empty_target, tmp_path):
    """A second, empty instance of the platform: its own database and uploads folder."""
    restored = create_app({"CONFIG_CLASS": TestConfig, "SQLALCHEMY_DATABASE_URI": empty_target,
                           "UPLOAD_DIR": str(tmp_path / "restored-uploads"),
                           "MAIL_OUTBOX_DIR": str(tmp_path / "restored-outbox")})
    yield restored
    with restored.app_context():
        db.session.remove()
        db.engine.dispose()


def invoke(app, *args: str):
    """Run ``flask ARGS`` on ``app`` (its own app context: the command uses the current app)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


def backup(app, folder: Path) -> Path:
    result = invoke(app, "backup", "create", "--to", str(folder))
    assert result.exit_code == 0, result.output
    (path,) = folder.glob("bxqx-backup-*.tar.gz")
    assert result.output.strip() == f"Backup written to {path}"
    return path


def restore(app, path: Path, *extra: str):
    return invoke(app, "backup", "restore", str(path), *extra)


def test_round_trip_into_an_empty_instance(app, source, instance, tmp_path):
    path = backup(app, tmp_path / "backups")
    with tarfile.open(path) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
    dialect = db.engine.dialect.name
    assert manifest["dialect"] == dialect and manifest["format"] == "bxqx-backup/1"
    assert manifest["alembic_revision"] == sorted(
        db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
    assert set(manifest["files"]) == {archive.databases.FILENAMES[dialect]} | {
        f"uploads/{p.name}" for p in Path(app.config["UPLOAD_DIR"]).iterdir()}

    result = restore(instance, path)
    assert result.exit_code == 0, result.output
    assert "Restored" in result.output
    listing_id, attachment_id = source["attachment"]
    with instance.app_context():
        assert sorted(db.session.scalars(select(Listing.title))) == source["titles"]
        (licence,) = db.session.scalars(select(OpenLicence))
        assert licence.sha256 == source["licence_sha256"]
        assert agreement.digest(licence.document) == licence.sha256  # the frozen text still verifies
        client = instance.test_client()
        page = client.get(f"/verify/{licence.sha256}")
        assert page.status_code == 200 and licence.sha256 in page.get_data(as_text=True)
        stored = db.session.get(Attachment, attachment_id)
        assert (Path(instance.config["UPLOAD_DIR"]) / stored.stored_name).read_bytes() == PDF
        assert client.get("/readyz").status_code == 200  # migrations at head in the restored database

    # A second restore into the now full instance is refused, then replaces it with --force.
    refused = restore(instance, path)
    assert refused.exit_code != 0 and "The target is not empty" in refused.output
    assert restore(instance, path, "--force").exit_code == 0
    with instance.app_context():
        assert sorted(db.session.scalars(select(Listing.title))) == source["titles"]
        download = instance.test_client().get(f"/listings/{listing_id}/files/{attachment_id}")
        try:
            assert download.status_code == 200 and download.data == PDF
        finally:
            download.close()  # the file is streamed from an open file


def _rewrite(path: Path, target: Path, change) -> Path:
    """A copy of the archive ``path`` with each member's bytes passed through ``change(name, data)``."""
    with tarfile.open(path) as tar, tarfile.open(target, "w:gz") as out:
        for member in tar.getmembers():
            data = change(member.name, tar.extractfile(member).read())
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    return target


def test_a_corrupt_or_truncated_archive_is_refused_and_nothing_restored(app, source, instance, tmp_path):
    path = backup(app, tmp_path / "backups")

    def flip(name, data):
        if name.startswith("uploads/"):
            return data[:-3] + b"EOF"
        return data

    corrupt = _rewrite(path, tmp_path / "corrupt.tar.gz", flip)
    result = restore(instance, corrupt)
    assert result.exit_code != 0
    assert "The archive is corrupt: uploads/" in result.output
    assert "does not match its SHA-256" in result.output

    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    result = restore(instance, truncated)
    assert result.exit_code != 0 and "corrupt" in result.output

    with instance.app_context():
        assert sa.inspect(db.engine).get_table_names() == []
    assert not any(Path(instance.config["UPLOAD_DIR"]).iterdir())


def test_a_non_empty_database_is_not_overwritten(app, source, tmp_path):
    path = backup(app, tmp_path / "backups")
    result = restore(app, path)
    assert result.exit_code != 0
    assert "The target is not empty" in result.output and "--force" in result.output
    assert sorted(db.session.scalars(select(Listing.title))) == source["titles"]
