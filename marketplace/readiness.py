"""What ``/readyz`` checks: may this process be sent traffic?

- the database answers (``SELECT 1`` on a connection of the pool);
- Redis answers a PING, when ``REDIS_URL`` is set (one-second timeouts);
- the schema is at the migrations' head: ``alembic_version`` holds exactly the head revisions of
  ``migrations/versions`` (read from the files once per process; a process started on new code
  against a database not yet upgraded is not ready);
- and, for information (it never makes the process unready), the queue depth: jobs in the
  Job table that wait to run.

Error details go to the log, not to the answer, which anyone may read.
"""

import functools
import logging
from pathlib import Path

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import current_app

from marketplace.extensions import db
from marketplace.jobs.models import Job, JobState

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
#: Seconds Redis may take to connect and to answer.
REDIS_TIMEOUT = 1.0


@functools.cache
def script_heads() -> frozenset[str]:
    """The head revision(s) of the migration scripts (computed once per process)."""
    return frozenset(ScriptDirectory(str(MIGRATIONS)).get_heads())


def database_revisions(connection) -> frozenset[str]:
    """The revisions ``alembic_version`` records (empty when the table is missing)."""
    if not sa.inspect(connection).has_table("alembic_version"):
        return frozenset()
    return frozenset(connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())


def queue_depth(connection) -> int:
    """Jobs waiting to run."""
    return connection.execute(sa.select(sa.func.count()).select_from(Job).where(
        Job.state == JobState.QUEUED)).scalar_one()


def _redis_ok(url: str) -> bool:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT,
                                  socket_connect_timeout=REDIS_TIMEOUT)
    try:
        return bool(client.ping())
    finally:
        client.close()


def check() -> tuple[bool, dict]:
    """(ready, the report ``/readyz`` returns)."""
    checks: dict = {}
    depth = None
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
            checks["database"] = {"ok": True}
            current = database_revisions(connection)
            heads = script_heads()
            checks["migrations"] = {"ok": current == heads, "database": sorted(current),
                                    "head": sorted(heads)}
            depth = queue_depth(connection)
    except sa.exc.SQLAlchemyError:
        log.exception("readiness: the database check failed")
        checks["database"] = {"ok": False, "error": "unreachable"}
        checks.setdefault("migrations", {"ok": False, "error": "database unreachable"})
    url = current_app.config.get("REDIS_URL")
    if url:
        try:
            checks["redis"] = {"ok": _redis_ok(url)}
        except Exception:  # noqa: BLE001 - any failure means "not ready", logged with details
            log.exception("readiness: the Redis check failed")
            checks["redis"] = {"ok": False, "error": "unreachable"}
    ready = all(item["ok"] for item in checks.values())
    return ready, {"status": "ok" if ready else "unavailable", "checks": checks, "queue_depth": depth}


def current_queue_depth() -> int | None:
    """The queue depth for the metrics, or None when the database does not answer."""
    try:
        with db.engine.connect() as connection:
            return queue_depth(connection)
    except sa.exc.SQLAlchemyError:
        log.exception("metrics: counting queued jobs failed")
        return None
