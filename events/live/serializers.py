"""What clients see: questions, polls, chat and the room's state as JSON (the snapshot is in
snapshot.py)."""

from datetime import datetime

from flask import url_for

from events.live.models import (
    LiveChatMessage,
    LivePoll,
    LiveQuestion,
    LiveRoom,
    QuestionStatus,
)
from events.models import Roadshow
from marketplace.accounts.models import User
from marketplace.listings.models import Listing


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def person(user: User | None) -> dict | None:
    """Name and organisation shown beside a question or message."""
    if user is None:
        return None
    return {"name": user.name, "org": user.organisation.name if user.organisation else None}


def question_view(q: LiveQuestion, *, moderator: bool, mine: bool = False) -> dict:
    """A question as a moderator, its author (``mine``) or another attendee sees it."""
    show_author = moderator or mine or not q.anonymous
    view = {
        "id": q.id, "text": q.text, "status": q.status.value, "anonymous": q.anonymous,
        "pinned": q.pinned, "answer": q.answer, "answered_at": iso(q.answered_at),
        "upvotes": q.upvotes, "created_at": iso(q.created_at), "listing_id": q.listing_id,
        "author": person(q.author) if show_author else None, "seq": q.last_seq,
    }
    if moderator:
        view["answered_by"] = q.answered_by.name if q.answered_by else None
    if mine:
        view["mine"] = True
    return view


def question_payloads(q: LiveQuestion, kind: str = "question.updated") -> dict:
    """Keyword arguments for ``log.append``: what moderators, the author and others see."""
    if q.status is QuestionStatus.HIDDEN:
        removed = {"type": "question.removed", "question_id": q.id}
        return {"attendee_payload": removed, "subject_user_id": q.author_id, "subject_payload": removed}
    others = ({"type": kind, "question": question_view(q, moderator=False)}
              if q.status is QuestionStatus.APPROVED else None)
    return {"attendee_payload": others, "subject_user_id": q.author_id,
            "subject_payload": {"type": kind, "question": question_view(q, moderator=False, mine=True)}}


def listing_view(listing: Listing | None) -> dict | None:
    if listing is None:
        return None
    return {"id": listing.id, "title": listing.title,
            "university": listing.organisation.name if listing.organisation else None,
            "grade": listing.grade.value if getattr(listing, "grade", None) else None,
            "url": url_for("listings.detail", listing_id=listing.id)}


def room_view(roadshow: Roadshow, room: LiveRoom) -> dict:
    """The room's state: status, presented listing, whether Q&A is open and moderated."""
    return {
        "type": "room.state", "status": roadshow.state.value, "qa_open": room.qa_open,
        "moderated": room.moderated, "presented": listing_view(room.presented_listing),
        "went_live_at": iso(roadshow.went_live_at), "ended_at": iso(roadshow.ended_at),
        "seq": room.state_seq,
    }


def poll_view(poll: LivePoll) -> dict:
    return {
        "id": poll.id, "question": poll.question, "status": poll.status.value,
        "listing_id": poll.listing_id, "total": sum(option.votes for option in poll.options),
        "options": [{"id": o.id, "label": o.label, "votes": o.votes} for o in poll.options],
        "seq": poll.last_seq,
    }


def chat_view(message: LiveChatMessage) -> dict:
    return {"id": message.id, "text": message.text, "author": person(message.author),
            "created_at": iso(message.created_at), "seq": message.seq}


def agenda_view(roadshow: Roadshow) -> list[dict]:
    return [{"listing_id": item.listing_id, "title": item.listing.title, "presenter": item.presenter,
             "position": item.position, "starts_at": iso(item.starts_at), "ends_at": iso(item.ends_at)}
            for item in roadshow.agenda]
