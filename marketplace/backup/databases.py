"""Copying the database out and back in, per dialect.

- SQLite: the online backup API (``sqlite3.Connection.backup``), page by page from a live
  database while the server keeps serving; restore copies the file's pages into the target the
  same way.
- PostgreSQL: ``pg_dump -Fc`` (custom format, compressed, one consistent snapshot) and
  ``pg_restore``; the connection settings go to the tools as libpq environment variables, so the
  password never shows in a process list.
"""

import os
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa

#: The file the database is stored under in an archive, per dialect.
FILENAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the operator."""


def dialect(engine: sa.Engine) -> str:
    name = engine.dialect.name
    if name not in FILENAMES:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {name}.")
    return name


def revisions(engine: sa.Engine) -> list[str]:
    """The Alembic revision(s) the database is at (empty before any migration)."""
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("alembic_version"):
            return []
        return sorted(connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())


def table_names(engine: sa.Engine) -> list[str]:
    """The tables of the database (its default schema): none in an empty database."""
    with engine.connect() as connection:
        return sa.inspect(connection).get_table_names()


def _libpq_env(engine: sa.Engine) -> dict:
    url = engine.url
    env = {**os.environ, "PGDATABASE": url.database or ""}
    for variable, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                            ("PGPASSWORD", url.password)):
        if value is not None:
            env[variable] = str(value)
    return env


def _run(command: list[str], env: dict) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError as error:
        raise BackupError(f"{command[0]} is not installed (Debian: apt-get install "
                          "postgresql-client).") from error
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed ({done.returncode}): {done.stderr.strip()}")


def dump(engine: sa.Engine, target: Path) -> None:
    """Write the database to ``target`` (a file of the dialect's format)."""
    if dialect(engine) == "sqlite":
        destination = sqlite3.connect(target)
        try:
            raw = engine.raw_connection()
            try:
                raw.driver_connection.backup(destination)
            finally:
                raw.close()
        finally:
            destination.close()
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"],
             _libpq_env(engine))


def load(engine: sa.Engine, source: Path, *, replace: bool) -> None:
    """Load a file written by ``dump`` into the database of ``engine``.

    ``replace``: the target may hold tables, which are replaced (SQLite: the whole database;
    PostgreSQL: ``pg_restore --clean --if-exists``, so tables the archive lacks stay).
    """
    if dialect(engine) == "sqlite":
        origin = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            raw = engine.raw_connection()
            try:
                origin.backup(raw.driver_connection)
            finally:
                raw.close()
        finally:
            origin.close()
    else:
        command = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
                   "--single-transaction", f"--dbname={engine.url.database}"]
        if replace:
            command += ["--clean", "--if-exists"]
        _run([*command, str(source)], _libpq_env(engine))
    engine.dispose()  # pooled connections may have cached the old schema
