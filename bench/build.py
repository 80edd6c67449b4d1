"""Build a benchmark database: migrations, then N synthetic published listings, bulk-loaded.

Used by ``bench/search.py`` and ``bench/pages.py``; the loading itself is
``marketplace/listings/bulk.py`` (also used by the server stress test).
"""

import os
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402

from marketplace import create_app  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.listings import bulk  # noqa: E402

PG_SERVER = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://127.0.0.1:5432/postgres")


@dataclass
class Built:
    dialect: str
    url: str
    listings: int
    seconds: dict = field(default_factory=dict)
    index_bytes: int = 0
    database_bytes: int = 0
    #: Parts of the search index (PostgreSQL: the tsvector table and its GIN index).
    index_parts: dict = field(default_factory=dict)


def _load(count: int, seed: int, built: Built) -> None:
    """Insert organisations, listings, modes and index rows; record the phases' seconds."""
    built.seconds.update(bulk.load(count, seed))


def _finish(built: Built) -> None:
    """Statistics and sizes; PostgreSQL's autovacuum would analyse a table this size by itself."""
    started = time.perf_counter()
    if built.dialect == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE"))
            built.index_bytes = connection.scalar(sa.text(
                "SELECT pg_total_relation_size('listing_search')"))
            built.index_parts = {
                "tsvector table": connection.scalar(sa.text(
                    "SELECT pg_table_size('listing_search')")),
                "GIN index": connection.scalar(sa.text(
                    "SELECT pg_relation_size('ix_listing_search_document')"))}
            built.database_bytes = connection.scalar(sa.text(
                "SELECT pg_database_size(current_database())"))
    else:
        with db.engine.connect() as connection:
            built.index_bytes = connection.scalar(sa.text(
                "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'listing_search%'"))
            built.database_bytes = connection.scalar(sa.text(
                "SELECT page_count * page_size FROM pragma_page_count, pragma_page_size"))
    built.seconds["finish"] = time.perf_counter() - started


def _create_postgres(name: str) -> str:
    server = sa.create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    return sa.engine.make_url(PG_SERVER).set(database=name).render_as_string(hide_password=False)


def _drop_postgres(name: str) -> None:
    server = sa.create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


def bench_config(url: str, **overrides) -> dict:
    """The app settings the benchmarks use: the development config on the benchmark database."""
    return {"SQLALCHEMY_DATABASE_URI": url, "SEARCH_CACHE_SECONDS": 0, **overrides}


@contextmanager
def benchmark_database(dialect: str, count: int, seed: int = 2026, keep: bool = False):
    """Yield a ``Built`` for a fresh database with ``count`` published listings; drop it afterwards."""
    workdir = Path(tempfile.mkdtemp(prefix="bxqx-bench-"))
    pg_name = f"bxqx_bench_{os.getpid()}"
    url = _create_postgres(pg_name) if dialect == "postgresql" else f"sqlite:///{workdir / 'bench.db'}"
    built = Built(dialect=dialect, url=url, listings=count)
    try:
        app = create_app(bench_config(url))
        with app.app_context():
            started = time.perf_counter()
            upgrade()
            built.seconds["migrate"] = time.perf_counter() - started
            _load(count, seed, built)
            _finish(built)
            built.seconds["total"] = time.perf_counter() - started
            db.engine.dispose()
        yield built
    finally:
        if not keep:
            if dialect == "postgresql":
                _drop_postgres(pg_name)
            shutil.rmtree(workdir, ignore_errors=True)


def describe(built: Built) -> str:
    phases = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in built.seconds.items()
                       if name != "total")
    parts = "".join(f", {name} {size / 2**20:.0f} MiB" for name, size in built.index_parts.items())
    return (f"[{built.dialect}] built {built.listings:,} published listings in "
            f"{built.seconds['total']:.1f} s ({phases}); search index {built.index_bytes / 2**20:.0f} MiB"
            f"{parts}; database {built.database_bytes / 2**20:.0f} MiB")
