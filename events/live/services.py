"""What attendees do in the live room: ask, upvote, chat, vote, "I'm interested".

Each function checks the request, writes the change and its numbered event(s) and commits once,
then returns a ``Result``: the acknowledgement for the client and the events to broadcast. A
question or chat message carries the client's UUID; sending it again returns the first ack.
"""

import logging
import time
import uuid as uuid_module
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from limits import parse

from events.live import log
from events.live.log import Outgoing
from events.live.models import (
    LiveChatMessage,
    LiveInterest,
    LivePoll,
    LivePollOption,
    LivePollVote,
    LiveQuestion,
    LiveQuestionVote,
    LiveRoom,
    PollStatus,
    QuestionStatus,
)
from events.live.serializers import chat_view, poll_view, question_payloads, question_view
from events.models import Roadshow, RoadshowState
from marketplace.accounts.models import User
from marketplace.extensions import db, limiter
from marketplace.interests.services import express_interest_from_roadshow
from marketplace.text import strip_controls

logger = logging.getLogger(__name__)

QUESTION_MAX = 1000
CHAT_MAX = 500
#: States in which attendees may write (ask, chat, vote); an ended room is read-only.
WRITABLE = (RoadshowState.PUBLISHED, RoadshowState.LIVE)


class RoomError(Exception):
    """A refused request: ``code`` for programs (docs/realtime.md), ``message`` for people."""

    def __init__(self, code: str, message: str, **extra):
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra

    def ack(self) -> dict:
        return {"ok": False, "error": self.code, "message": self.message, **self.extra}


@dataclass
class Result:
    ack: dict
    events: list[Outgoing] = field(default_factory=list)


def clean_uuid(value) -> str:
    try:
        return str(uuid_module.UUID(str(value)))
    except (ValueError, TypeError):
        raise RoomError("invalid", _("The message has no valid identifier.")) from None


def clean_text(value, limit: int) -> str:
    """Text without control or bidi characters (marketplace.text), stripped, within ``limit``."""
    text = strip_controls(value if isinstance(value, str) else "").strip()
    if not text:
        raise RoomError("invalid", _("Write something first."))
    if len(text) > limit:
        raise RoomError("invalid", _("At most %(limit)d characters, please.", limit=limit))
    return text


def require_writable(roadshow: Roadshow) -> None:
    if roadshow.state not in WRITABLE:
        raise RoomError("closed", _("This roadshow has ended; the room is read-only."))


def throttle(kind: str, user: User, roadshow: Roadshow) -> None:
    """Per-user rate limit (shared by all processes when the limiter's storage is Redis).

    The keys start with RATELIMIT_KEY_PREFIX, as Flask-Limiter's own do: deployments (and test
    runs) sharing one Redis server do not count each other's messages.
    """
    rate = parse(current_app.config[f"LIVE_{kind.upper()}_RATE"])
    keys = (current_app.config["RATELIMIT_KEY_PREFIX"], "live", kind, str(roadshow.id), str(user.id))
    if not limiter.limiter.hit(rate, *keys):
        reset_at, _remaining = limiter.limiter.get_window_stats(rate, *keys)
        wait = max(1, int(reset_at - time.time()) + 1)
        raise RoomError("rate_limited", _("You are sending too fast. Please wait %(seconds)d s.",
                                          seconds=wait), retry_after=wait)


def locked_room(roadshow: Roadshow) -> tuple[int, LiveRoom]:
    """Allocate the next number (locking the room's counter) and re-read the room under the lock."""
    seq = log.next_seq(roadshow.id)
    room = db.session.get(LiveRoom, roadshow.id, populate_existing=True)
    return seq, room


def fresh(model, ident):
    return db.session.get(model, ident, populate_existing=True)


# --- questions ------------------------------------------------------------------------------

def _ask_ack(question: LiveQuestion, duplicate: bool = False) -> dict:
    ack = {"ok": True, "id": question.id, "seq": question.created_seq,
           "question": question_view(question, moderator=False, mine=True)}
    if duplicate:
        ack["duplicate"] = True
    return ack


def _existing_question(client_uuid: str, user: User, roadshow: Roadshow) -> LiveQuestion | None:
    question = db.session.execute(
        sa.select(LiveQuestion).where(LiveQuestion.client_uuid == client_uuid)).scalar_one_or_none()
    if question is not None and (question.author_id != user.id or question.roadshow_id != roadshow.id):
        raise RoomError("invalid", _("The message has no valid identifier."))
    return question


def ask(roadshow: Roadshow, user: User, data: dict) -> Result:
    """Store a question (pending, or approved at once when the room is not moderated)."""
    client_uuid = clean_uuid(data.get("uuid"))
    existing = _existing_question(client_uuid, user, roadshow)
    if existing is not None:
        return Result(_ask_ack(existing, duplicate=True))
    text = clean_text(data.get("text"), QUESTION_MAX)
    require_writable(roadshow)
    throttle("question", user, roadshow)
    seq, room = locked_room(roadshow)
    if not room.qa_open:
        db.session.rollback()
        raise RoomError("qa_closed", _("Questions are closed at the moment."))
    question = LiveQuestion(
        roadshow_id=roadshow.id, client_uuid=client_uuid, author=user, text=text,
        anonymous=bool(data.get("anonymous")), listing_id=room.presented_listing_id,
        status=QuestionStatus.PENDING if room.moderated else QuestionStatus.APPROVED,
        created_seq=seq, last_seq=seq)
    db.session.add(question)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        # The same UUID committed by another process a moment ago: answer with that one.
        db.session.rollback()
        return Result(_ask_ack(_existing_question(client_uuid, user, roadshow), duplicate=True))
    event = log.append(roadshow.id, seq, {"type": "question.created",
                                          "question": question_view(question, moderator=True)},
                       **question_payloads(question, "question.created"))
    ack = _ask_ack(question)
    db.session.commit()
    return Result(ack, [event])


def upvote(roadshow: Roadshow, user: User, data: dict) -> Result:
    """Add the user's one upvote to an approved question."""
    require_writable(roadshow)
    question_id = _int(data.get("question_id"))
    seq, _room = locked_room(roadshow)
    question = fresh(LiveQuestion, question_id) if question_id else None
    if (question is None or question.roadshow_id != roadshow.id
            or question.status is not QuestionStatus.APPROVED):
        db.session.rollback()
        raise RoomError("not_found", _("This question is not in the room."))
    if db.session.get(LiveQuestionVote, (question.id, user.id)) is not None:
        db.session.rollback()
        raise RoomError("already_voted", _("You have already upvoted this question."))
    db.session.add(LiveQuestionVote(question_id=question.id, user_id=user.id))
    question.upvotes += 1
    question.last_seq = seq
    event = log.append(roadshow.id, seq, {"type": "question.updated",
                                          "question": question_view(question, moderator=True)},
                       **question_payloads(question))
    ack = {"ok": True, "seq": seq, "question_id": question.id, "upvotes": question.upvotes}
    db.session.commit()
    return Result(ack, [event])


# --- chat -----------------------------------------------------------------------------------

def chat(roadshow: Roadshow, user: User, data: dict) -> Result:
    """Store and publish a chat message (rate-limited per user)."""
    client_uuid = clean_uuid(data.get("uuid"))
    existing = db.session.execute(
        sa.select(LiveChatMessage).where(LiveChatMessage.client_uuid == client_uuid)).scalar_one_or_none()
    if existing is not None:
        if existing.author_id != user.id or existing.roadshow_id != roadshow.id:
            raise RoomError("invalid", _("The message has no valid identifier."))
        return Result({"ok": True, "id": existing.id, "seq": existing.seq, "duplicate": True})
    text = clean_text(data.get("text"), CHAT_MAX)
    require_writable(roadshow)
    throttle("chat", user, roadshow)
    seq, _room = locked_room(roadshow)
    message = LiveChatMessage(roadshow_id=roadshow.id, client_uuid=client_uuid, author=user,
                              text=text, seq=seq)
    db.session.add(message)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        db.session.rollback()
        return chat(roadshow, user, data)
    event = log.append(roadshow.id, seq, {"type": "chat.message", "message": chat_view(message)})
    ack = {"ok": True, "id": message.id, "seq": seq}
    db.session.commit()
    return Result(ack, [event])


# --- polls ----------------------------------------------------------------------------------

def vote(roadshow: Roadshow, user: User, data: dict) -> Result:
    """Record the user's one vote in an open poll; results are published shortly after."""
    require_writable(roadshow)
    poll = db.session.get(LivePoll, _int(data.get("poll_id")) or 0)
    option = db.session.get(LivePollOption, _int(data.get("option_id")) or 0)
    if poll is None or poll.roadshow_id != roadshow.id or option is None or option.poll_id != poll.id:
        raise RoomError("not_found", _("This poll is not in the room."))
    if poll.status is not PollStatus.OPEN:
        raise RoomError("closed", _("This poll is closed."))
    db.session.add(LivePollVote(poll_id=poll.id, user_id=user.id, option_id=option.id))
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        db.session.rollback()
        raise RoomError("already_voted", _("You have already voted in this poll.")) from None
    db.session.execute(sa.update(LivePollOption).where(LivePollOption.id == option.id)
                       .values(votes=LivePollOption.votes + 1))
    db.session.commit()
    db.session.refresh(poll)
    return Result({"ok": True, "poll": {**poll_view(poll), "my_vote": option.id}})


def poll_results(roadshow: Roadshow, poll_id: int) -> Result:
    """Publish a poll's current counts (called once for a burst of votes)."""
    seq, _room = locked_room(roadshow)
    poll = fresh(LivePoll, poll_id)
    for option in poll.options:
        db.session.refresh(option)
    poll.last_seq = seq
    event = log.append(roadshow.id, seq, {"type": "poll.updated", "poll": poll_view(poll)})
    db.session.commit()
    return Result({"ok": True}, [event])


# --- "I'm interested" -----------------------------------------------------------------------

def interest(roadshow: Roadshow, user: User, data: dict) -> Result:
    """Record interest in the listing now presented, and forward it to the interests feature."""
    room = fresh(LiveRoom, roadshow.id)
    listing_id = _int(data.get("listing_id"))
    if room is None or room.presented_listing_id is None or listing_id != room.presented_listing_id:
        raise RoomError("not_found", _("This listing is not being presented now."))
    existing = db.session.execute(sa.select(LiveInterest).filter_by(
        roadshow_id=roadshow.id, listing_id=listing_id, user_id=user.id)).scalar_one_or_none()
    if existing is not None:
        return Result({"ok": True, "listing_id": listing_id, "duplicate": True})
    record = LiveInterest(roadshow_id=roadshow.id, listing_id=listing_id, user_id=user.id)
    db.session.add(record)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
        return Result({"ok": True, "listing_id": listing_id, "duplicate": True})
    forward_interest(record, roadshow)
    return Result({"ok": True, "listing_id": listing_id})


def forward_interest(record: LiveInterest, roadshow: Roadshow) -> None:
    """Create the interest in the interests feature (the one place that does)."""
    try:
        express_interest_from_roadshow(record.user, record.listing, roadshow.title)
    except Exception:  # the room's record stands; the interests feature reports its own refusal
        db.session.rollback()
        logger.exception("forwarding interest %s to the interests feature failed", record.id)
        return
    record = fresh(LiveInterest, record.id)
    record.forwarded = True
    db.session.commit()


def interest_counts(roadshow: Roadshow) -> Result:
    """Publish the interest count per listing to moderators (attendees get only the number)."""
    seq, _room = locked_room(roadshow)
    counts = {str(listing_id): count for listing_id, count in db.session.execute(
        sa.select(LiveInterest.listing_id, sa.func.count()).where(
            LiveInterest.roadshow_id == roadshow.id).group_by(LiveInterest.listing_id))}
    event = log.append(roadshow.id, seq, {"type": "interest.counts", "counts": counts},
                       attendee_payload=None)
    db.session.commit()
    return Result({"ok": True}, [event])


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
