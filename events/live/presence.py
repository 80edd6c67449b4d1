"""Who is in the room now (the live attendee count, across processes) and who ever came.

Each open connection is a ``LivePresence`` row tagged with this process's ``NODE``. A process
refreshes its rows every ``LIVE_PRESENCE_HEARTBEAT`` seconds; rows not refreshed for
``LIVE_PRESENCE_TTL`` seconds (their process died) no longer count and are removed.
"""

import logging
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask, current_app

from events.live import bus
from events.live.models import LiveAttendance, LivePresence
from marketplace.db_types import UTCDateTime, utcnow
from marketplace.extensions import db, socketio
from marketplace.upsert import dialect_insert

logger = logging.getLogger(__name__)

#: This server process.
NODE = uuid.uuid4().hex[:16]
_heartbeat_started: set[int] = set()


def _ttl() -> timedelta:
    return timedelta(seconds=current_app.config["LIVE_PRESENCE_TTL"])


def join(sid: str, roadshow_id: int, user_id: int) -> None:
    """Record an open connection and the user's attendance: two statements and one commit."""
    now = utcnow()
    db.session.execute(_PRESENCE_INSERT, {"sid": sid, "roadshow_id": roadshow_id, "user_id": user_id,
                                          "node": NODE, "seen_at": now})
    db.session.execute(_attendance_upsert(), {"roadshow_id": roadshow_id, "user_id": user_id, "now": now})
    db.session.commit()


#: On the table, not the class: a plain insert, without the ORM's bulk-insert machinery.
_PRESENCE_INSERT = sa.insert(LivePresence.__table__)


_UPSERTS: dict[str, sa.Insert] = {}


def _attendance_upsert() -> sa.Insert:
    """Insert the user's attendance row, or count one more join in it (one statement, so two tabs
    joining at once need no retry; built once per dialect)."""
    dialect = db.session.get_bind().dialect.name
    statement = _UPSERTS.get(dialect)
    if statement is None:
        insert = dialect_insert(dialect)
        table = LiveAttendance.__table__
        now = sa.bindparam("now", type_=UTCDateTime())
        statement = insert(table).values(
            roadshow_id=sa.bindparam("roadshow_id"), user_id=sa.bindparam("user_id"),
            first_joined_at=now, last_joined_at=now, joins=1,
        ).on_conflict_do_update(index_elements=[table.c.roadshow_id, table.c.user_id],
                                set_={"last_joined_at": now, "joins": table.c.joins + 1})
        _UPSERTS[dialect] = statement
    return statement


def leave(sid: str, roadshow_id: int, user_id: int) -> None:
    db.session.execute(sa.delete(LivePresence).where(LivePresence.sid == sid))
    db.session.execute(sa.update(LiveAttendance).where(
        LiveAttendance.roadshow_id == roadshow_id, LiveAttendance.user_id == user_id).values(
        last_left_at=utcnow()))
    db.session.commit()


def alive_after() -> datetime:
    """Rows refreshed since then belong to a live process (they count as connected)."""
    return utcnow() - _ttl()


def count(roadshow_id: int) -> int:
    """Distinct users connected to the room (in any process still alive)."""
    return db.session.execute(
        sa.select(sa.func.count(sa.distinct(LivePresence.user_id))).where(
            LivePresence.roadshow_id == roadshow_id, LivePresence.seen_at > alive_after())
    ).scalar_one()


def announce(roadshow_id: int) -> None:
    """Send the attendee count to the room, at most once per ``LIVE_PRESENCE_INTERVAL``."""
    def job():
        socketio.emit("presence", {"count": count(roadshow_id)}, to=bus.room_all(roadshow_id),
                      namespace=bus.NAMESPACE)
    bus.later(("presence", roadshow_id), job, current_app.config["LIVE_PRESENCE_INTERVAL"])


def start_heartbeat(app: Flask) -> None:
    """Start this process's refresher (once per app); tests run without it."""
    interval = app.config["LIVE_PRESENCE_HEARTBEAT"]
    if interval <= 0 or id(app) in _heartbeat_started:
        return
    _heartbeat_started.add(id(app))

    def beat():
        while True:
            socketio.sleep(interval)
            with app.app_context():
                try:
                    now = utcnow()
                    db.session.execute(sa.update(LivePresence).where(LivePresence.node == NODE)
                                       .values(seen_at=now))
                    db.session.execute(sa.delete(LivePresence).where(
                        LivePresence.seen_at < now - timedelta(seconds=app.config["LIVE_PRESENCE_TTL"])))
                    db.session.commit()
                except Exception:
                    db.session.rollback()
                    logger.exception("live room: presence heartbeat failed")
                finally:
                    db.session.remove()

    socketio.start_background_task(beat)
