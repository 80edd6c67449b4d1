"""The snapshot a client gets from ``sync`` (docs/realtime.md §4): a shared part and the viewer's own.

When a roadshow starts, hundreds of attendees load the room within seconds, and each asks for a
snapshot. Most of it is the same for every attendee: the room's state, the agenda, the questions
as other attendees see them, the polls' counts and the chat; and the same for every moderator.
That part (events/live/shared.py) is kept per room and kind of viewer in this process and
reused by every newcomer; when the room's number has moved, the kept part is moved on by the
events since (as clients do), and it is read afresh from the database at least every
``LIVE_SNAPSHOT_REUSE`` seconds. The viewer's own part (the author's view of their own
questions, their upvotes, poll votes and interests, a moderator's interest counts) and the
number of people online are read for each viewer, with the room's number, in one statement.

The ordering guarantee is unchanged: the number is read first; the shared part given is at that
number or a later one (and the snapshot carries the part's number). A part read afresh at number
``n`` was read after ``n`` was committed, so it holds everything up to ``n``, and whatever it
holds beyond (committed while it was being read) carries a higher item ``seq`` and reaches the
viewer as a live event too; a part moved on holds exactly the events up to its number.
Changes that take no number (an agenda or a listing edited on a page, votes between two poll
broadcasts) show at most ``LIVE_SNAPSHOT_REUSE`` seconds late, or at once when the roadshow row
itself changes (its state and ``updated_at`` are part of the key).
"""

import time
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from events.live import presence, shared
from events.live.log import Viewer
from events.live.models import (
    LiveInterest,
    LivePoll,
    LivePollVote,
    LivePresence,
    LiveQuestion,
    LiveQuestionVote,
    LiveRoom,
)
from events.live.shared import CannotAdvance, Shared
from events.models import Roadshow
from marketplace.extensions import db, socketio


@dataclass(frozen=True)
class _Entry:
    version: tuple
    expires: float
    shared: Shared


class SnapshotCache:
    """The latest shared part of each (roadshow, kind) in this process; one builder at a time."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self._entries: dict[tuple[int, bool], _Entry] = {}
        #: Builds under way, by key: the others wait for it instead of building the same part.
        self._building: dict[tuple[int, bool], object] = {}

    def get(self, key: tuple[int, bool], seq: int, version: tuple, ttl: float, build, advance) -> Shared:
        """A shared part for ``key`` at number ``seq`` or later: the one kept if it is fresh, else
        the one kept moved on with ``advance(part)``, else ``build()``; one at a time, the others
        who ask meanwhile wait and take it.

        A later part than asked for is as good: its events committed after the asker read
        ``seq``, hence after it entered the room's broadcasts, so they reach it live as well.
        """
        if ttl <= 0:
            return build()
        while True:
            entry = self._entries.get(key)
            fresh = entry is not None and entry.version == version and entry.expires > self.clock()
            if fresh and entry.shared.seq >= seq:
                return entry.shared
            pending = self._building.get(key)
            if pending is None:
                break
            pending.wait(timeout=5)  # then look again (the builder may have built another number)
        done = socketio.server.eio.create_event() if socketio.server else _Done()
        self._building[key] = done
        try:
            part = None
            if fresh:  # moved on, it keeps its expiry: a full read at least every ``ttl`` seconds
                expires = entry.expires
                try:
                    part = advance(entry.shared)
                except CannotAdvance:
                    part = None
            if part is None:
                expires = self.clock() + ttl
                part = build()
            current = self._entries.get(key)
            if current is None or current.version != version or current.shared.seq <= part.seq:
                self._entries[key] = _Entry(version, expires, part)
            return part
        finally:
            self._building.pop(key, None)
            done.set()


class _Done:
    """Stands in for an event when no Socket.IO server is bound (nothing can wait then)."""

    def set(self) -> None:
        pass

    def wait(self, timeout=None) -> bool:
        return True


def cache() -> SnapshotCache:
    """This app's cache (one per app: the tests build many apps on databases with the same ids)."""
    return current_app.extensions.setdefault("live_snapshots", SnapshotCache())


def snapshot(roadshow: Roadshow, viewer: Viewer) -> dict:
    """The whole state of the room for one viewer, with the number it is current to."""
    own = _own_rows(roadshow.id, viewer)
    version = (roadshow.state, roadshow.updated_at)
    part = cache().get((roadshow.id, viewer.moderator), own["seq"], version,
                       current_app.config["LIVE_SNAPSHOT_REUSE"],
                       lambda: shared.build(roadshow, viewer.moderator, own["seq"]),
                       lambda kept: shared.advance(kept, roadshow.id, own["seq"]))
    me = viewer.user_id
    data = {
        "seq": part.seq,
        "room": part.room,
        "agenda": part.agenda,
        "questions": part.question_list(me),
        "my_votes": own["vote"],
        "polls": part.poll_list(own["poll"]),
        "chat": part.chat,
        "my_interests": own["interest"],
        "presence": own["presence"],
        "me": {"id": me, "moderator": viewer.moderator},
    }
    if viewer.moderator:
        data["interest_counts"] = own["count"]
    return data


def _own_rows(roadshow_id: int, viewer: Viewer) -> dict:
    """The room's number, the people online and the viewer's own state, in one statement.

    Each branch of the UNION yields ``(what, a, b)``: ``seq`` (the number, read in the same
    statement, hence at the same moment, as the rest), ``presence`` (distinct users connected),
    ``vote`` (a question the viewer upvoted), ``poll`` (poll, option the viewer chose),
    ``interest`` (a listing the viewer is interested in) and, for moderators, ``count``
    (listing, interests).
    """
    own = {"seq": 0, "presence": 0, "vote": [], "poll": {}, "interest": [], "count": {}}
    rows = db.session.execute(_own_statement(viewer.moderator), {
        "roadshow_id": roadshow_id, "user_id": viewer.user_id, "alive": presence.alive_after()})
    for what, a, b in rows:
        if what in ("seq", "presence"):
            own[what] = a or 0
        elif what == "poll":
            own["poll"][a] = b
        elif what == "count":
            own["count"][str(a)] = b
        else:
            own[what].append(a)
    own["vote"].sort()
    own["interest"].sort()
    return own


_OWN: dict[bool, sa.CompoundSelect] = {}


def _own_statement(moderator: bool) -> sa.CompoundSelect:
    """The statement of ``_own_rows``, built once per kind of viewer (building it took longer
    than running it)."""
    statement = _OWN.get(moderator)
    if statement is not None:
        return statement
    r, u = sa.bindparam("roadshow_id"), sa.bindparam("user_id")
    alive = sa.bindparam("alive", type_=LivePresence.seen_at.type)
    none = sa.cast(sa.null(), sa.Integer)

    def tag(name: str):
        return sa.literal_column(f"'{name}'", sa.String)

    parts = [
        sa.select(tag("seq"), LiveRoom.last_seq, none).where(LiveRoom.roadshow_id == r),
        sa.select(tag("presence"), sa.func.count(sa.distinct(LivePresence.user_id)), none).where(
            LivePresence.roadshow_id == r, LivePresence.seen_at > alive),
        sa.select(tag("vote"), LiveQuestionVote.question_id, none).join(LiveQuestion).where(
            LiveQuestion.roadshow_id == r, LiveQuestionVote.user_id == u),
        sa.select(tag("poll"), LivePollVote.poll_id, LivePollVote.option_id).join(LivePoll).where(
            LivePoll.roadshow_id == r, LivePollVote.user_id == u),
        sa.select(tag("interest"), LiveInterest.listing_id, none).where(
            LiveInterest.roadshow_id == r, LiveInterest.user_id == u),
    ]
    if moderator:
        parts.append(sa.select(tag("count"), LiveInterest.listing_id, sa.func.count()).where(
            LiveInterest.roadshow_id == r).group_by(LiveInterest.listing_id))
    statement = _OWN[moderator] = sa.union_all(*parts)
    return statement
