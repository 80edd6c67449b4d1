"""The snapshot a client gets from ``sync`` (docs/realtime.md §4): a shared part and the viewer's own.

When a roadshow starts, hundreds of attendees load the room within seconds, and each asks for a
snapshot. Most of it is the same for every attendee: the room's state, the agenda, the questions
as other attendees see them, the polls' counts and the chat; and the same for every moderator.
:class:`Shared` is that part for one kind of viewer, built from the database once per room
number (``seq``) and reused by every viewer who asks at the same number, for at most
``LIVE_SNAPSHOT_REUSE`` seconds. The viewer's own part (the author's view of their own questions,
their upvotes, poll votes and interests, a moderator's interest counts) and the number of people
online are read for each viewer, together with the number, in one statement.

The ordering guarantee is unchanged: the number is read first, and a shared part is used only
for the number it was built at, by a builder who read that number before reading the state.
So it holds everything up to the number, and whatever it holds beyond it (committed while it
was being read) carries a higher item ``seq`` and reaches the viewer as a live event too.
Changes that take no number (an agenda or a listing edited on a page, votes between two poll
broadcasts) show in a snapshot at most ``LIVE_SNAPSHOT_REUSE`` seconds late, or at once when the
roadshow row itself changes (its state and ``updated_at`` are part of the key).
"""

import time
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from events.live import presence
from events.live.encoded import Encoded
from events.live.log import Viewer
from events.live.models import (
    LiveChatMessage,
    LiveInterest,
    LivePoll,
    LivePollVote,
    LivePresence,
    LiveQuestion,
    LiveQuestionVote,
    LiveRoom,
    QuestionStatus,
)
from events.live.views import agenda_view, chat_view, poll_view, question_view, room_view
from events.models import Roadshow
from marketplace.accounts.models import User
from marketplace.extensions import db, socketio

#: Chat messages a snapshot carries (older ones stay in the database for the transcript).
CHAT_HISTORY = 100


@dataclass(frozen=True)
class Shared:
    """What every viewer of one kind (moderator or attendee) sees of a room at one number.

    ``questions`` holds ``(author id, others' view, the author's view)`` per question, in id
    order; an others' view of None (a pending question, for attendees) is shown to its author only.
    ``others`` is the question list of a viewer who wrote none of them, ``unvoted`` the polls of
    a viewer who voted in none; these and the agenda and chat are encoded once (encoded.py). The
    views are shared by every snapshot made from this part: nobody may change them.
    """

    room: dict
    agenda: Encoded
    questions: list[tuple[int | None, dict | None, dict]]
    authors: frozenset[int]
    others: Encoded
    polls: list[dict]
    unvoted: Encoded
    chat: Encoded

    @classmethod
    def of(cls, room: dict, agenda: list, questions: list, polls: list, chat: list) -> "Shared":
        return cls(room=room, agenda=Encoded(agenda), questions=questions,
                   authors=frozenset(author for author, _others, _authors in questions),
                   others=Encoded(others for _author, others, _authors in questions if others is not None),
                   polls=polls, unvoted=Encoded({**poll, "my_vote": None} for poll in polls),
                   chat=Encoded(chat))


@dataclass(frozen=True)
class _Entry:
    seq: int
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

    def get(self, key: tuple[int, bool], seq: int, version: tuple, ttl: float, build) -> Shared:
        """The shared part for ``key`` at ``seq``: reused if fresh, else ``build()`` (once for all
        who ask meanwhile)."""
        if ttl <= 0:
            return build()
        while True:
            entry = self._entries.get(key)
            if entry is not None and entry.seq == seq and entry.version == version \
                    and entry.expires > self.clock():
                return entry.shared
            pending = self._building.get(key)
            if pending is None:
                break
            pending.wait(timeout=5)  # then look again (the builder may have built another number)
        done = socketio.server.eio.create_event() if socketio.server else _Done()
        self._building[key] = done
        try:
            started = self.clock()
            shared = build()
            current = self._entries.get(key)
            if current is None or current.seq <= seq:  # a slow builder never replaces a newer part
                self._entries[key] = _Entry(seq, version, started + ttl, shared)
            return shared
        finally:
            self._building.pop(key, None)
            done.set()

    def clear(self) -> None:
        self._entries.clear()


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
    seq = own["seq"]
    version = (roadshow.state, roadshow.updated_at)
    shared = cache().get((roadshow.id, viewer.moderator), seq, version,
                         current_app.config["LIVE_SNAPSHOT_REUSE"],
                         lambda: build_shared(roadshow, viewer.moderator))
    me = viewer.user_id
    questions = shared.others
    if me in shared.authors:
        questions = []
        for author_id, others, authors in shared.questions:
            view = authors if author_id == me else others
            if view is not None:
                questions.append(view)
    polls = shared.unvoted
    if own["poll"]:
        polls = [{**poll, "my_vote": own["poll"].get(poll["id"])} for poll in shared.polls]
    data = {
        "seq": seq,
        "room": shared.room,
        "agenda": shared.agenda,
        "questions": questions,
        "my_votes": own["vote"],
        "polls": polls,
        "chat": shared.chat,
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
    r, u = roadshow_id, viewer.user_id
    none = sa.cast(sa.null(), sa.Integer)

    def tag(name: str):
        return sa.literal(name, sa.String)

    alive = presence.alive_after()
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
    if viewer.moderator:
        parts.append(sa.select(tag("count"), LiveInterest.listing_id, sa.func.count()).where(
            LiveInterest.roadshow_id == r).group_by(LiveInterest.listing_id))
    own = {"seq": 0, "presence": 0, "vote": [], "poll": {}, "interest": [], "count": {}}
    for what, a, b in db.session.execute(sa.union_all(*parts)):
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


def build_shared(roadshow: Roadshow, moderator: bool) -> Shared:
    """Read what every viewer of this kind sees (the caller has read the room's number first)."""
    room = db.session.get(LiveRoom, roadshow.id, populate_existing=True)
    author = selectinload(LiveQuestion.author).selectinload(User.organisation)
    query = sa.select(LiveQuestion).where(LiveQuestion.roadshow_id == roadshow.id).options(author)
    if moderator:
        query = query.options(selectinload(LiveQuestion.answered_by))
    else:
        query = query.where(LiveQuestion.status.in_((QuestionStatus.APPROVED, QuestionStatus.PENDING)))
    questions = []
    for q in db.session.execute(query.order_by(LiveQuestion.id)).scalars():
        if moderator:
            view = question_view(q, moderator=True)
            questions.append((q.author_id, view, {**view, "mine": True}))
        else:
            others = question_view(q, moderator=False) if q.status is QuestionStatus.APPROVED else None
            questions.append((q.author_id, others, question_view(q, moderator=False, mine=True)))
    polls = db.session.execute(
        sa.select(LivePoll).where(LivePoll.roadshow_id == roadshow.id)
        .options(selectinload(LivePoll.options)).order_by(LivePoll.id)).scalars().all()
    chat = db.session.execute(
        sa.select(LiveChatMessage).where(LiveChatMessage.roadshow_id == roadshow.id)
        .options(selectinload(LiveChatMessage.author).selectinload(User.organisation))
        .order_by(LiveChatMessage.id.desc()).limit(CHAT_HISTORY)).scalars().all()
    return Shared.of(room_view(roadshow, room), agenda_view(roadshow), questions,
                     [poll_view(p) for p in polls], [chat_view(m) for m in reversed(chat)])
