"""SQLite work off the gevent loop: each call that can take time runs in gevent's thread pool.

PostgreSQL queries wait on a socket, so gevent serves other requests meanwhile. SQLite runs in
the calling thread and never yields: under the gevent server one slow search (an FTS5 ranking,
facet counts over thousands of matches) stalled every other request, ``/healthz`` included,
for as long as it took (p99 490–590 ms under concurrent searches). Python's ``sqlite3`` releases
the GIL while SQLite works, so the same call made from a pool thread lets the loop go on.

Only where the standard library is patched by gevent (the gevent server: ``python wsgi.py``,
gunicorn's gevent worker); the CLI and the tests use plain connections. Each connection is
used by one request at a time, as before: a call moves to a pool thread and the request's
greenlet waits for it, so no two threads ever use one connection at once.

Writers may now wait for one another in their own threads, not in the loop; WAL lets readers
go on while one writes.
"""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa
from gevent import get_hub, monkey

#: Seconds a writer waits for another's transaction before "database is locked".
BUSY_TIMEOUT = 10


def _pool():
    return get_hub().threadpool


def _run(function, *args):
    return _pool().apply(function, args)


class Cursor:
    """A ``sqlite3.Cursor`` whose statements and fetches run in the thread pool."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: sqlite3.Cursor):
        self._cursor = cursor

    def execute(self, *args):
        _run(self._cursor.execute, *args)
        return self

    def executemany(self, *args):
        _run(self._cursor.executemany, *args)
        return self

    def executescript(self, script):
        _run(self._cursor.executescript, script)
        return self

    def fetchone(self):
        return _run(self._cursor.fetchone)

    def fetchmany(self, *args):
        return _run(self._cursor.fetchmany, *args)

    def fetchall(self):
        return _run(self._cursor.fetchall)

    def __iter__(self):
        return iter(self.fetchall())

    def __getattr__(self, name):  # description, rowcount, lastrowid, arraysize, close, ...
        return getattr(self._cursor, name)

    def __setattr__(self, name, value):
        if name in Cursor.__slots__:
            object.__setattr__(self, name, value)
        else:
            setattr(self._cursor, name, value)


class Connection:
    """A ``sqlite3.Connection`` whose cursors, commits and rollbacks use the thread pool."""

    __slots__ = ("_connection",)

    def __init__(self, connection: sqlite3.Connection):
        self._connection = connection

    def cursor(self, *args):
        return Cursor(self._connection.cursor(*args))

    def execute(self, *args):
        return self.cursor().execute(*args)

    def executemany(self, *args):
        return self.cursor().executemany(*args)

    def commit(self):
        _run(self._connection.commit)

    def rollback(self):
        _run(self._connection.rollback)

    def __getattr__(self, name):  # create_function, close, in_transaction, total_changes, ...
        return getattr(self._connection, name)

    def __setattr__(self, name, value):  # isolation_level, row_factory, ...
        if name in Connection.__slots__:
            object.__setattr__(self, name, value)
        else:
            setattr(self._connection, name, value)


def gevent_patched() -> bool:
    """True when gevent has patched the standard library (the gevent server is running)."""
    return bool(monkey.is_module_patched("threading"))


def install(engine: sa.Engine) -> bool:
    """Open ``engine``'s SQLite connections through the thread pool, if gevent serves; True if so."""
    if engine.dialect.name != "sqlite" or not gevent_patched():
        return False
    if engine.url.database in (None, "", ":memory:"):
        return False  # one in-memory database per connection: nothing to share, nothing to gain

    # A thread for each connection the pool may open, plus a few for DNS: a quick statement (a
    # health check) must never queue behind other requests' slow ones for a free thread.
    threads = _pool()
    if isinstance(engine.pool, sa.pool.QueuePool):
        threads.maxsize = max(threads.maxsize, engine.pool.size() + max(engine.pool._max_overflow, 0) + 4)

    @sa.event.listens_for(engine, "do_connect")
    def connect(dialect, _record, cargs, cparams):
        cparams = {**cparams, "check_same_thread": False}
        connection = sqlite3.connect(*cargs, **cparams)
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT * 1000}")
        connection.execute("PRAGMA journal_mode = WAL")
        return Connection(connection)

    return True
