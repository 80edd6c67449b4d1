"""Check a pooled connection before use only when it sat idle: ``DB_PING_IDLE_SECONDS``.

SQLAlchemy's ``pool_pre_ping`` tests every connection on every checkout: one more round trip to
the database for every request, the health check included (about a tenth of a logged-in page's
server time on PostgreSQL). A connection that was returned moments ago, by a busy server, is
alive; the ones that die unnoticed are those that sat in the pool while the database restarted
or a firewall dropped them. So a connection is pinged when it was idle for longer than the
setting (0: on every checkout, as pre-ping does), and one that fails the ping is replaced before
the request sees it (SQLAlchemy's ``DisconnectionError`` protocol: the pool retries with a new
connection).

The window this leaves: a database restarted less than the setting before a request that takes
a connection used just before the restart fails once (an error page, nothing written), and the
connection is replaced.
"""

import time

import sqlalchemy as sa
from sqlalchemy import exc

_RETURNED = "returned_at"


def install(engine: sa.Engine, idle_seconds: float) -> None:
    """Ping ``engine``'s connections at checkout when they were idle longer than ``idle_seconds``."""

    @sa.event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection, record) -> None:
        record.info[_RETURNED] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _check(dbapi_connection, record, _proxy) -> None:
        returned = record.info.get(_RETURNED)
        if returned is not None and time.monotonic() - returned <= idle_seconds:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError(f"the pooled connection failed its ping: {error}") from error
        if not alive:
            raise exc.DisconnectionError("the pooled connection failed its ping")
