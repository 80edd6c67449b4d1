"""Broadcasting committed events to the room's Socket.IO rooms (through Redis when scaled out).

Rooms per roadshow ``r``: ``live:r`` (everyone), ``live:r:mod`` (moderators), ``live:r:att``
(attendees) and ``live:r:user:u`` (one attendee's connections). A restricted event goes to the
user's room first and then to the attendees' room, so its subject applies its own view first.
"""

import logging

from flask import current_app

from events.live.log import Outgoing, wire
from marketplace.extensions import db, socketio

logger = logging.getLogger(__name__)

NAMESPACE = "/live"
_scheduled: set = set()


def room_all(roadshow_id: int) -> str:
    return f"live:{roadshow_id}"


def room_moderators(roadshow_id: int) -> str:
    return f"live:{roadshow_id}:mod"


def room_attendees(roadshow_id: int) -> str:
    return f"live:{roadshow_id}:att"


def room_user(roadshow_id: int, user_id: int) -> str:
    return f"live:{roadshow_id}:user:{user_id}"


def _emit(body: dict, room: str) -> None:
    socketio.emit("event", body, to=room, namespace=NAMESPACE)


def publish(events: list[Outgoing]) -> None:
    """Send each event, in order, to everyone who may see it (in the form they may see)."""
    for event in events:
        rid = event.roadshow_id
        if not event.restricted:
            _emit(wire(event.seq, event.payload), room_all(rid))
            continue
        _emit(wire(event.seq, event.payload), room_moderators(rid))
        if event.subject_user_id is not None and event.subject_payload is not None:
            _emit(wire(event.seq, event.subject_payload), room_user(rid, event.subject_user_id))
        _emit(wire(event.seq, event.attendee_payload), room_attendees(rid))


def later(key, job, delay: float) -> None:
    """Run ``job()`` once after ``delay`` seconds for a burst of calls with the same key.

    Used for gauges (poll counts, interest counts, attendee count) that many clicks change at
    once: one update a second instead of one per click. With ``delay`` 0 it runs at once.
    """
    if delay <= 0:
        job()
        return
    if key in _scheduled:
        return
    _scheduled.add(key)
    app = current_app._get_current_object()

    def run():
        socketio.sleep(delay)
        _scheduled.discard(key)
        with app.app_context():
            try:
                job()
            except Exception:
                db.session.rollback()
                logger.exception("live room: delayed update %s failed", key)
            finally:
                db.session.remove()

    socketio.start_background_task(run)
