"""SQLite calls leave the gevent loop free (marketplace/sqlite_threads.py)."""

import json
import subprocess
import sys
import textwrap

import pytest
import sqlalchemy as sa

from marketplace import sqlite_mmap, sqlite_threads
from marketplace.config import TestConfig
from marketplace.extensions import db
from tests.live_server import ROOT

#: A query SQLite spends about a second on, in C, without touching Python.
SLOW = ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 4000000) "
        "SELECT count(*) FROM c")

_SCRIPT = textwrap.dedent("""
    from gevent import monkey
    monkey.patch_all()
    import json, sys, time
    import gevent
    import sqlalchemy as sa
    from marketplace import create_app
    from marketplace.config import TestConfig
    from marketplace.extensions import db

    app = create_app({"CONFIG_CLASS": TestConfig, "SQLALCHEMY_DATABASE_URI": sys.argv[1]})
    gaps, done = [], []

    def ticker():
        last = time.perf_counter()
        while not done:
            gevent.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    def slow_query():
        with app.app_context():
            started = time.perf_counter()
            count = db.session.execute(sa.text(sys.argv[2])).scalar()
            db.session.remove()
            done.append((count, time.perf_counter() - started))

    gevent.joinall([gevent.spawn(ticker), gevent.spawn(slow_query)])
    with app.app_context():
        mode = db.session.execute(sa.text("PRAGMA journal_mode")).scalar()
        mapped = db.session.execute(sa.text("PRAGMA mmap_size")).scalar()
    print(json.dumps({"count": done[0][0], "query": done[0][1], "longest_gap": max(gaps),
                      "journal_mode": mode, "mmap_size": mapped}))
""")


def test_a_slow_sqlite_query_does_not_stall_the_gevent_loop(tmp_path):
    url = f"sqlite:///{tmp_path / 'slow.db'}"
    result = subprocess.run(  # noqa: S603  (our own interpreter and script)
        [sys.executable, "-c", _SCRIPT, url, SLOW], cwd=ROOT, capture_output=True,
        text=True, timeout=120, check=True)
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["count"] == 4_000_000
    assert figures["query"] > 0.3, figures  # slow enough to show a stall
    # Other greenlets ran every few milliseconds while SQLite worked in a pool thread.
    # Without the pool the longest gap is the whole query; with it, scheduling noise, which a busy
    # machine stretches (a fixed 0.1 s bound failed once at load average 13), so the bound is
    # relative to the query, whose own time the same load stretches too.
    assert figures["longest_gap"] < figures["query"] / 4, figures
    assert figures["journal_mode"] == "wal"
    assert figures["mmap_size"] == TestConfig.SQLITE_MMAP_SIZE > 0  # set through the pool too


def test_plain_connections_without_gevent(app):
    """The tests and the CLI (no gevent patching) keep sqlite3's own connections."""
    assert not sqlite_threads.gevent_patched()
    assert not sqlite_threads.install(db.engine)
    raw = db.session.connection().connection.dbapi_connection
    assert not isinstance(raw, sqlite_threads.Connection)
    assert db.session.execute(sa.text("SELECT 1")).scalar() == 1


def test_sqlite_connections_map_the_database_file(app, tmp_path):
    """PRAGMA mmap_size on every connection of a file database (marketplace/sqlite_mmap.py)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    assert db.session.execute(sa.text("PRAGMA mmap_size")).scalar() == 1 << 30
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'unmapped.db'}")
    assert not sqlite_mmap.install(engine, 0)
    with engine.connect() as connection:
        assert connection.execute(sa.text("PRAGMA mmap_size")).scalar() == 0
    engine.dispose()
