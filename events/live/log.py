"""The sequenced event log of a room: numbers allocated in the database, views per audience, replay.

Every change a client may see is written as a ``LiveEvent`` in the same transaction as the change
itself; after the commit the caller hands the returned ``LiveEvent`` objects to ``bus.publish``.
"""

from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from events.live.models import LiveEvent, LiveRoom
from events.models import Roadshow
from marketplace.extensions import db

#: Marker for "attendees see the same payload as moderators".
SAME = object()
#: How many events a reconnecting client may be behind and still get a replay (else a snapshot).
REPLAY_LIMIT = 500


@dataclass(frozen=True)
class Outgoing:
    """An event to broadcast once its transaction has committed (plain data, no ORM object)."""

    roadshow_id: int
    seq: int
    payload: dict
    restricted: bool = False
    attendee_payload: dict | None = None
    subject_user_id: int | None = None
    subject_payload: dict | None = None


@dataclass(frozen=True)
class Viewer:
    """Who is looking: decides which payload of a restricted event they get."""

    user_id: int
    moderator: bool


def ensure_room(roadshow_id: int) -> LiveRoom:
    """Return the room row of a roadshow, creating it (race-safe across processes) if missing."""
    room = db.session.get(LiveRoom, roadshow_id)
    if room is not None:
        return room
    try:
        with db.session.begin_nested():
            db.session.add(LiveRoom(roadshow_id=roadshow_id))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
    return db.session.get(LiveRoom, roadshow_id)


@cache
def room_exists():
    """``EXISTS`` the room row of ``Roadshow`` (to read along with the roadshow; one object, so
    that the statement reading it is built once)."""
    return sa.select(LiveRoom.roadshow_id).where(LiveRoom.roadshow_id == Roadshow.id).exists()


def next_seq(roadshow_id: int) -> int:
    """Allocate the room's next sequence number; the counter row stays locked until commit.

    ``UPDATE ... RETURNING`` takes a row lock on PostgreSQL (the write lock on SQLite), so two
    processes writing to one room serialise here and a rolled-back transaction leaves no gap.
    """
    stmt = (sa.update(LiveRoom).where(LiveRoom.roadshow_id == roadshow_id)
            .values(last_seq=LiveRoom.last_seq + 1).returning(LiveRoom.last_seq)
            .execution_options(synchronize_session=False))
    seq = db.session.execute(stmt).scalar_one_or_none()
    if seq is None:
        raise LookupError(f"roadshow {roadshow_id} has no live room")
    return seq


def current_seq(roadshow_id: int) -> int:
    """The last number allocated and committed for the room (0 when it has none)."""
    value = db.session.execute(
        sa.select(LiveRoom.last_seq).where(LiveRoom.roadshow_id == roadshow_id)).scalar_one_or_none()
    return value or 0


def append(roadshow_id: int, seq: int, payload: dict, *, attendee_payload=SAME,
           subject_user_id: int | None = None, subject_payload: dict | None = None) -> Outgoing:
    """Add an event with number ``seq`` to the current transaction (the caller commits).

    ``payload`` is the moderators' view. ``attendee_payload`` is what other attendees get: SAME,
    a dict, or None (they get only the number). ``subject_payload`` is what the user
    ``subject_user_id`` (the asker of a question) gets; by default the attendees' payload.
    """
    restricted = attendee_payload is not SAME or subject_payload is not None
    event = LiveEvent(
        roadshow_id=roadshow_id, seq=seq, kind=payload["type"], payload=payload,
        restricted=restricted,
        attendee_payload=None if attendee_payload is SAME else attendee_payload,
        subject_user_id=subject_user_id if restricted else None,
        subject_payload=subject_payload if restricted else None,
    )
    db.session.add(event)
    return Outgoing(roadshow_id, seq, payload, restricted, event.attendee_payload,
                    event.subject_user_id, event.subject_payload)


def view_for(event: LiveEvent | Outgoing, viewer: Viewer) -> dict:
    """The wire form of ``event`` for one viewer: ``{"seq", "type", ...}``."""
    if not event.restricted or viewer.moderator:
        body = event.payload
    elif event.subject_user_id == viewer.user_id and event.subject_payload is not None:
        body = event.subject_payload
    else:
        body = event.attendee_payload
    return wire(event.seq, body)


def wire(seq: int, body: dict | None) -> dict:
    """``{"seq": n, **body}``, or a ``noop`` when the viewer may see only the number."""
    if body is None:
        return {"seq": seq, "type": "noop"}
    return {"seq": seq, **body}


def replay(roadshow_id: int, after: int, viewer: Viewer) -> list[dict] | None:
    """The events after number ``after`` as ``viewer`` may see them, oldest first.

    None when the client is more than REPLAY_LIMIT events behind (it should take a snapshot).
    """
    rows = db.session.execute(
        sa.select(LiveEvent).where(LiveEvent.roadshow_id == roadshow_id, LiveEvent.seq > after)
        .order_by(LiveEvent.seq).limit(REPLAY_LIMIT + 1)).scalars().all()
    if len(rows) > REPLAY_LIMIT:
        return None
    return [view_for(event, viewer) for event in rows]
