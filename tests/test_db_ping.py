"""Pooled connections are pinged before use only after sitting idle (marketplace/db_ping.py), and
a connection the database dropped while idle is replaced before a request sees it."""

import os

import pytest
import sqlalchemy as sa

from marketplace.extensions import db


def _pings(app, monkeypatch) -> list:
    calls = []
    dialect = db.engine.dialect
    real = dialect.do_ping
    monkeypatch.setattr(dialect, "do_ping", lambda connection: calls.append(1) or real(connection))
    return calls


def test_a_connection_returned_moments_ago_is_not_pinged_one_idle_longer_is(
        another_app, monkeypatch):
    busy = another_app(DB_PING_IDLE_SECONDS=60)
    with busy.app_context():
        pings = _pings(busy, monkeypatch)
        for _ in range(3):
            assert busy.test_client().get("/readyz").status_code == 200
        assert len(pings) == 1  # the first checkout of a new connection only
    idle = another_app(DB_PING_IDLE_SECONDS=0)
    with idle.app_context():
        pings = _pings(idle, monkeypatch)
        for _ in range(3):
            assert idle.test_client().get("/readyz").status_code == 200
        assert len(pings) == 3


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"),
                    reason="runs in the PostgreSQL lane: SQLite has no server to drop a connection")
def test_a_connection_the_database_dropped_while_idle_is_replaced(another_app, app):
    instance = another_app(DB_PING_IDLE_SECONDS=0, DB_POOL_SIZE=1, DB_MAX_OVERFLOW=0)
    with instance.app_context():
        pid = db.session.scalar(sa.text("SELECT pg_backend_pid()"))
        db.session.remove()
    with app.app_context(), db.engine.connect() as other:
        assert other.scalar(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    with instance.app_context():
        assert instance.test_client().get("/readyz").status_code == 200
        assert db.session.scalar(sa.text("SELECT pg_backend_pid()")) != pid
