"""The part of a snapshot that every viewer of one kind sees: read from the database, or moved on
by the room's numbered events (events/live/snapshot.py keeps one per room and kind).

Moving a part from number ``a`` to ``b`` applies the events ``a+1 .. b`` in the form this kind
of viewer receives them, exactly as clients apply events to their snapshot (docs/realtime.md §4):
the events carry the views themselves, so a room where a question or chat message arrives every
100 ms does not read and render every question, poll and message again for each newcomer.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from events.live.encoded import Encoded
from events.live.models import LiveChatMessage, LiveEvent, LivePoll, LiveQuestion, LiveRoom, QuestionStatus
from events.live.serializers import agenda_view, chat_view, poll_view, question_view, room_view
from events.models import Roadshow
from marketplace.accounts.models import User
from marketplace.extensions import db

#: Chat messages a snapshot carries (older ones stay in the database for the transcript).
CHAT_HISTORY = 100
#: Further behind than this, a part is read afresh rather than moved on.
ADVANCE_LIMIT = 200


@dataclass(frozen=True)
class Shared:
    """What every viewer of one kind (moderator or attendee) sees of a room at number ``seq``.

    ``questions`` maps each question's id to ``(author id, others' view, the author's view)``;
    an others' view of None (a pending question, for attendees) is shown to its author only.
    ``others`` is the question list of a viewer who wrote none of them, ``unvoted`` the polls of
    a viewer who voted in none; these, the agenda and the chat are encoded once (encoded.py).
    The views are shared by every snapshot made from this part: nobody may change them.
    """

    seq: int
    moderator: bool
    room: dict
    agenda: Encoded
    questions: dict[int, tuple[int | None, dict | None, dict]]
    polls: dict[int, dict]
    chat: Encoded
    authors: frozenset[int]
    others: Encoded
    unvoted: Encoded

    @classmethod
    def of(cls, seq, moderator, room, agenda, questions: dict, polls: dict, chat) -> "Shared":
        ordered = [questions[key] for key in sorted(questions)]
        polls = {key: polls[key] for key in sorted(polls)}
        return cls(seq=seq, moderator=moderator, room=room,
                   agenda=agenda if isinstance(agenda, Encoded) else Encoded(agenda),
                   questions=questions, polls=polls,
                   chat=chat if isinstance(chat, Encoded) else Encoded(chat),
                   authors=frozenset(author for author, _others, _mine in ordered),
                   others=Encoded(others for _author, others, _mine in ordered if others is not None),
                   unvoted=Encoded({**poll, "my_vote": None} for poll in polls.values()))

    def question_list(self, viewer_id: int) -> list[dict]:
        """The questions as ``viewer_id`` sees them, in id order."""
        if viewer_id not in self.authors:
            return self.others
        views = []
        for key in sorted(self.questions):
            author_id, others, mine = self.questions[key]
            view = mine if author_id == viewer_id else others
            if view is not None:
                views.append(view)
        return views

    def poll_list(self, my_votes: dict[int, int]) -> list[dict]:
        if not my_votes:
            return self.unvoted
        return [{**poll, "my_vote": my_votes.get(poll_id)} for poll_id, poll in self.polls.items()]


def build(roadshow: Roadshow, moderator: bool, seq: int) -> Shared:
    """Read the part from the database (the caller read the number ``seq`` before)."""
    room = db.session.get(LiveRoom, roadshow.id, populate_existing=True)
    author = selectinload(LiveQuestion.author).selectinload(User.organisation)
    query = sa.select(LiveQuestion).where(LiveQuestion.roadshow_id == roadshow.id).options(author)
    if moderator:
        query = query.options(selectinload(LiveQuestion.answered_by))
    else:
        query = query.where(LiveQuestion.status.in_((QuestionStatus.APPROVED, QuestionStatus.PENDING)))
    questions = {}
    for q in db.session.execute(query.order_by(LiveQuestion.id)).scalars():
        if moderator:
            view = question_view(q, moderator=True)
            questions[q.id] = (q.author_id, view, {**view, "mine": True})
        else:
            others = question_view(q, moderator=False) if q.status is QuestionStatus.APPROVED else None
            questions[q.id] = (q.author_id, others, question_view(q, moderator=False, mine=True))
    polls = db.session.execute(
        sa.select(LivePoll).where(LivePoll.roadshow_id == roadshow.id)
        .options(selectinload(LivePoll.options)).order_by(LivePoll.id)).scalars().all()
    chat = db.session.execute(
        sa.select(LiveChatMessage).where(LiveChatMessage.roadshow_id == roadshow.id)
        .options(selectinload(LiveChatMessage.author).selectinload(User.organisation))
        .order_by(LiveChatMessage.id.desc()).limit(CHAT_HISTORY)).scalars().all()
    return Shared.of(seq, moderator, room_view(roadshow, room), agenda_view(roadshow), questions,
                     {p.id: poll_view(p) for p in polls}, [chat_view(m) for m in reversed(chat)])


class CannotAdvance(Exception):
    """The events do not say enough to move the part on: read it afresh."""


def advance(part: Shared, roadshow_id: int, seq: int) -> Shared:
    """``part`` moved on to number ``seq`` by the events after its own number."""
    if seq - part.seq > ADVANCE_LIMIT:
        raise CannotAdvance(f"{seq - part.seq} events behind")
    rows = db.session.execute(
        sa.select(LiveEvent.seq, LiveEvent.kind, LiveEvent.payload, LiveEvent.restricted,
                  LiveEvent.attendee_payload, LiveEvent.subject_user_id, LiveEvent.subject_payload)
        .where(LiveEvent.roadshow_id == roadshow_id, LiveEvent.seq > part.seq, LiveEvent.seq <= seq)
        .order_by(LiveEvent.seq)).all()
    if [row.seq for row in rows] != list(range(part.seq + 1, seq + 1)):
        raise CannotAdvance("events missing")
    room, questions, polls, chat = part.room, dict(part.questions), dict(part.polls), part.chat
    for row in rows:
        if row.kind == "room.state":
            room = row.payload
        elif row.kind in ("question.created", "question.updated"):
            _question(part.moderator, row, questions)
        elif row.kind == "chat.message":
            chat = [*chat, row.payload["message"]][-CHAT_HISTORY:]
        elif row.kind == "poll.updated":
            polls[row.payload["poll"]["id"]] = row.payload["poll"]
        elif row.kind != "interest.counts":  # moderators' counts are not in the shared part
            raise CannotAdvance(f"unknown event {row.kind}")
    return Shared.of(seq, part.moderator, room, part.agenda, questions, polls, chat)


def _question(moderator: bool, row, questions: dict) -> None:
    """Apply a question event as a moderator, or as attendees and the question's author, see it."""
    if moderator:
        view = row.payload["question"]
        questions[view["id"]] = (row.subject_user_id, view, {**view, "mine": True})
        return
    others, author = row.payload, row.payload
    if row.restricted:
        others = row.attendee_payload
        author = row.subject_payload if row.subject_payload is not None else others
    if author is None or author["type"] == "question.removed":  # hidden from attendees
        questions.pop(row.payload["question"]["id"], None)
        return
    questions[author["question"]["id"]] = (
        row.subject_user_id, others["question"] if others is not None else None, author["question"])

