"""What the host and moderators do in the live room. Each action is checked, written with its
numbered event(s), an entry of the moderation log and an audit event, and committed once."""

from flask_babel import gettext as _

from events import services as roadshows
from events.live import log
from events.live.models import (
    LiveModerationEntry,
    LivePoll,
    LivePollOption,
    LiveQuestion,
    ModerationAction,
    PollStatus,
    QuestionStatus,
)
from events.live.serializers import iso, poll_view, question_payloads, question_view, room_view
from events.live.services import (
    QUESTION_MAX,
    Result,
    RoomError,
    _int,
    clean_text,
    fresh,
    locked_room,
)
from events.models import Roadshow, RoadshowState
from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.db_types import utcnow
from marketplace.errors import ServiceError
from marketplace.extensions import db
from marketplace.text import strip_controls

POLL_OPTIONS = (2, 6)


def _entry(roadshow: Roadshow, actor: User, action: ModerationAction, **fields) -> None:
    db.session.add(LiveModerationEntry(roadshow_id=roadshow.id, actor_id=actor.id, action=action,
                                       **fields))
    if action not in (ModerationAction.GO_LIVE, ModerationAction.END):  # audited by events.services
        details = {key: value for key, value in fields.items() if key.endswith("_id")}
        audit.record(f"live.{action.value}", actor=actor, target=roadshow, **details)


def _state_event(roadshow: Roadshow, seq: int, room, **overrides):
    room.state_seq = seq
    return log.append(roadshow.id, seq, {**room_view(roadshow, room), **overrides})


def _require_open(roadshow: Roadshow) -> None:
    if roadshow.state not in (RoadshowState.PUBLISHED, RoadshowState.LIVE):
        raise RoomError("closed", _("This roadshow has ended; the room is read-only."))


# --- the room -------------------------------------------------------------------------------

def go_live(roadshow: Roadshow, actor: User, data: dict) -> Result:
    """Published -> live; opens Q&A. The roadshow's transition and our event commit together.

    Earlier than ``EARLY_START_WINDOW`` before the scheduled start, only with ``confirm: true``:
    without it the ack is ``confirm_early`` with the question to ask."""
    if roadshow.state is not RoadshowState.PUBLISHED:
        raise RoomError("conflict", _("Only a published roadshow can go live."))
    confirmed = data.get("confirm") is True
    if roadshows.starts_early(roadshow) and not confirmed:
        raise RoomError("confirm_early", roadshows.early_start_question(roadshow))
    seq, room = locked_room(roadshow)
    room.qa_open = True
    event = _state_event(roadshow, seq, room, status=RoadshowState.LIVE.value,
                         went_live_at=iso(utcnow()))
    _entry(roadshow, actor, ModerationAction.GO_LIVE)
    _run_transition(lambda r, a: roadshows.go_live(r, a, confirmed_early=confirmed), roadshow,
                    actor)  # commits (its audit, our rows) at once
    return Result({"ok": True, "seq": seq}, [event])


def end(roadshow: Roadshow, actor: User, data: dict) -> Result:
    """Live -> ended; closes Q&A and polls; the room becomes read-only."""
    if roadshow.state is not RoadshowState.LIVE:
        raise RoomError("conflict", _("Only a live roadshow can be ended."))
    seq, room = locked_room(roadshow)
    room.qa_open = False
    events = []
    for poll in LivePoll.query.filter_by(roadshow_id=roadshow.id, status=PollStatus.OPEN):
        poll.status, poll.closed_at, poll.last_seq = PollStatus.CLOSED, utcnow(), seq
        events.append(log.append(roadshow.id, seq, {"type": "poll.updated", "poll": poll_view(poll)}))
        seq = log.next_seq(roadshow.id)
    events.append(_state_event(roadshow, seq, room, status=RoadshowState.ENDED.value,
                               ended_at=iso(utcnow())))
    _entry(roadshow, actor, ModerationAction.END)
    _run_transition(roadshows.end_roadshow, roadshow, actor)
    return Result({"ok": True, "seq": seq}, events)


def _run_transition(transition, roadshow: Roadshow, actor: User) -> None:
    try:
        transition(roadshow, actor)
    except ServiceError as error:
        db.session.rollback()
        raise RoomError("conflict" if error.status_code == 409 else "forbidden", error.message) from None


def present(roadshow: Roadshow, actor: User, data: dict) -> Result:
    """Set the listing now presented (one of the agenda's); every client follows."""
    _require_open(roadshow)
    listing_id = _int(data.get("listing_id"))
    if listing_id not in {item.listing_id for item in roadshow.agenda}:
        raise RoomError("not_found", _("This listing is not on the agenda."))
    seq, room = locked_room(roadshow)
    room.presented_listing_id = listing_id
    db.session.flush()
    db.session.refresh(room, ["presented_listing"])
    event = _state_event(roadshow, seq, room)
    _entry(roadshow, actor, ModerationAction.PRESENT_LISTING, listing_id=listing_id)
    db.session.commit()
    return Result({"ok": True, "seq": seq}, [event])


def set_qa(roadshow: Roadshow, actor: User, data: dict) -> Result:
    """Open or close Q&A."""
    _require_open(roadshow)
    seq, room = locked_room(roadshow)
    room.qa_open = bool(data.get("open"))
    event = _state_event(roadshow, seq, room)
    _entry(roadshow, actor, ModerationAction.OPEN_QA if room.qa_open else ModerationAction.CLOSE_QA)
    db.session.commit()
    return Result({"ok": True, "seq": seq}, [event])


def set_moderated(roadshow: Roadshow, actor: User, data: dict) -> Result:
    """Turn pre-moderation of new questions on or off."""
    _require_open(roadshow)
    seq, room = locked_room(roadshow)
    room.moderated = bool(data.get("on"))
    event = _state_event(roadshow, seq, room)
    _entry(roadshow, actor,
           ModerationAction.MODERATION_ON if room.moderated else ModerationAction.MODERATION_OFF)
    db.session.commit()
    return Result({"ok": True, "seq": seq}, [event])


# --- questions ------------------------------------------------------------------------------

def _question_event(roadshow: Roadshow, question: LiveQuestion, seq: int):
    question.last_seq = seq
    return log.append(roadshow.id, seq, {"type": "question.updated",
                                         "question": question_view(question, moderator=True)},
                      **question_payloads(question))


def _locked_question(roadshow: Roadshow, data: dict) -> tuple[int, LiveQuestion]:
    question_id = _int(data.get("question_id"))
    seq, _room = locked_room(roadshow)
    question = fresh(LiveQuestion, question_id) if question_id else None
    if question is None or question.roadshow_id != roadshow.id:
        db.session.rollback()
        raise RoomError("not_found", _("This question is not in the room."))
    return seq, question


def _conflict(message: str):
    db.session.rollback()
    return RoomError("conflict", message)


def set_status(roadshow: Roadshow, actor: User, data: dict, status: QuestionStatus) -> Result:
    """Approve (pending -> approved), hide (pending | approved -> hidden), restore (hidden -> approved)."""
    seq, question = _locked_question(roadshow, data)
    allowed = {QuestionStatus.APPROVED: (QuestionStatus.PENDING,),
               QuestionStatus.HIDDEN: (QuestionStatus.PENDING, QuestionStatus.APPROVED)}
    if status is QuestionStatus.APPROVED and question.status is QuestionStatus.HIDDEN:
        action = ModerationAction.RESTORE
    elif question.status in allowed[status]:
        action = ModerationAction.APPROVE if status is QuestionStatus.APPROVED else ModerationAction.HIDE
    else:
        raise _conflict(_("This question cannot be changed that way now."))
    question.status = status
    if status is QuestionStatus.HIDDEN:
        question.pinned = False
    event = _question_event(roadshow, question, seq)
    _entry(roadshow, actor, action, question_id=question.id)
    db.session.commit()
    return Result({"ok": True, "seq": seq}, [event])


def answer(roadshow: Roadshow, actor: User, data: dict) -> Result:
    """Answer a question with text (or change the answer); a pending question is approved by it."""
    text = clean_text(data.get("text"), QUESTION_MAX)
    seq, question = _locked_question(roadshow, data)
    if question.status is QuestionStatus.HIDDEN:
        raise _conflict(_("A hidden question cannot be answered."))
    previous = question.answer
    if question.status is QuestionStatus.PENDING:
        question.status = QuestionStatus.APPROVED
        _entry(roadshow, actor, ModerationAction.APPROVE, question_id=question.id)
    question.answer, question.answered_by, question.answered_at = text, actor, utcnow()
    event = _question_event(roadshow, question, seq)
    _entry(roadshow, actor, ModerationAction.EDIT_ANSWER if previous else ModerationAction.ANSWER,
           question_id=question.id, previous_text=previous, new_text=text)
    db.session.commit()
    return Result({"ok": True, "seq": seq}, [event])


def pin(roadshow: Roadshow, actor: User, data: dict) -> Result:
    """Pin an approved question (one at a time: the previous one is unpinned) or unpin it."""
    seq, question = _locked_question(roadshow, data)
    pinned = bool(data.get("pinned", True))
    if pinned and question.status is not QuestionStatus.APPROVED:
        raise _conflict(_("Only an approved question can be pinned."))
    events = []
    if pinned:
        for other in LiveQuestion.query.filter(LiveQuestion.roadshow_id == roadshow.id,
                                               LiveQuestion.pinned.is_(True),
                                               LiveQuestion.id != question.id):
            other.pinned = False
            events.append(_question_event(roadshow, other, seq))
            _entry(roadshow, actor, ModerationAction.UNPIN, question_id=other.id)
            seq = log.next_seq(roadshow.id)
    question.pinned = pinned
    events.append(_question_event(roadshow, question, seq))
    _entry(roadshow, actor, ModerationAction.PIN if pinned else ModerationAction.UNPIN,
           question_id=question.id)
    db.session.commit()
    return Result({"ok": True, "seq": seq}, events)


# --- polls ----------------------------------------------------------------------------------

def open_poll(roadshow: Roadshow, actor: User, data: dict) -> Result:
    """Start a poll with 2 to 6 options about the listing now presented."""
    _require_open(roadshow)
    question = clean_text(data.get("question"), 300)
    cleaned = (strip_controls(str(label)).strip() for label in data.get("options") or [])
    labels = [label[:200] for label in cleaned if label]
    if not POLL_OPTIONS[0] <= len(labels) <= POLL_OPTIONS[1]:
        raise RoomError("invalid", _("A poll needs between %(low)d and %(high)d options.",
                                     low=POLL_OPTIONS[0], high=POLL_OPTIONS[1]))
    seq, room = locked_room(roadshow)
    poll = LivePoll(roadshow_id=roadshow.id, question=question, created_by_id=actor.id,
                    listing_id=room.presented_listing_id, last_seq=seq,
                    options=[LivePollOption(position=n, label=label) for n, label in enumerate(labels, 1)])
    db.session.add(poll)
    db.session.flush()
    event = log.append(roadshow.id, seq, {"type": "poll.updated", "poll": poll_view(poll)})
    _entry(roadshow, actor, ModerationAction.OPEN_POLL, poll_id=poll.id, new_text=question)
    db.session.commit()
    return Result({"ok": True, "seq": seq, "poll_id": poll.id}, [event])


def close_poll(roadshow: Roadshow, actor: User, data: dict) -> Result:
    """Close an open poll; its final counts are published."""
    poll_id = _int(data.get("poll_id"))
    seq, _room = locked_room(roadshow)
    poll = fresh(LivePoll, poll_id) if poll_id else None
    if poll is None or poll.roadshow_id != roadshow.id:
        db.session.rollback()
        raise RoomError("not_found", _("This poll is not in the room."))
    if poll.status is not PollStatus.OPEN:
        raise _conflict(_("This poll is closed."))
    for option in poll.options:
        db.session.refresh(option)
    poll.status, poll.closed_at, poll.last_seq = PollStatus.CLOSED, utcnow(), seq
    event = log.append(roadshow.id, seq, {"type": "poll.updated", "poll": poll_view(poll)})
    _entry(roadshow, actor, ModerationAction.CLOSE_POLL, poll_id=poll.id)
    db.session.commit()
    return Result({"ok": True, "seq": seq}, [event])
