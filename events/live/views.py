"""What clients see: questions, polls, chat and the room's state as JSON, and the full snapshot."""

from datetime import datetime

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import selectinload

from events.live.log import Viewer, current_seq
from events.live.models import (
    LiveChatMessage,
    LiveInterest,
    LivePoll,
    LivePollVote,
    LiveQuestion,
    LiveQuestionVote,
    LiveRoom,
    QuestionStatus,
)
from events.models import Roadshow
from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.listings.models import Listing

#: Chat messages a snapshot carries (older ones stay in the database for the transcript).
CHAT_HISTORY = 100


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


def visible_questions(roadshow_id: int, viewer: Viewer) -> list[LiveQuestion]:
    """Moderators: every question. Attendees: approved ones and their own pending ones."""
    query = sa.select(LiveQuestion).where(LiveQuestion.roadshow_id == roadshow_id).options(
        selectinload(LiveQuestion.author).selectinload(User.organisation))
    if not viewer.moderator:
        query = query.where(sa.or_(
            LiveQuestion.status == QuestionStatus.APPROVED,
            sa.and_(LiveQuestion.status == QuestionStatus.PENDING,
                    LiveQuestion.author_id == viewer.user_id)))
    return list(db.session.execute(query.order_by(LiveQuestion.id)).scalars())


def snapshot(roadshow: Roadshow, viewer: Viewer, presence_count: int) -> dict:
    """The whole state of the room for one viewer, with the number it is current to.

    The number is read first: whatever commits later is either already in the state read after it
    (and carries a higher per-item ``seq``) or arrives as a live event.
    """
    seq = current_seq(roadshow.id)
    room = db.session.get(LiveRoom, roadshow.id)
    db.session.refresh(room)
    questions = visible_questions(roadshow.id, viewer)
    my_votes = db.session.execute(
        sa.select(LiveQuestionVote.question_id).join(LiveQuestion)
        .where(LiveQuestion.roadshow_id == roadshow.id, LiveQuestionVote.user_id == viewer.user_id)
    ).scalars().all()
    polls = db.session.execute(
        sa.select(LivePoll).where(LivePoll.roadshow_id == roadshow.id)
        .options(selectinload(LivePoll.options)).order_by(LivePoll.id)).scalars().all()
    my_poll_votes = dict(db.session.execute(
        sa.select(LivePollVote.poll_id, LivePollVote.option_id).join(LivePoll)
        .where(LivePoll.roadshow_id == roadshow.id, LivePollVote.user_id == viewer.user_id)).all())
    chat = db.session.execute(
        sa.select(LiveChatMessage).where(LiveChatMessage.roadshow_id == roadshow.id)
        .options(selectinload(LiveChatMessage.author).selectinload(User.organisation))
        .order_by(LiveChatMessage.id.desc()).limit(CHAT_HISTORY)).scalars().all()
    my_interests = db.session.execute(
        sa.select(LiveInterest.listing_id).where(LiveInterest.roadshow_id == roadshow.id,
                                                 LiveInterest.user_id == viewer.user_id)).scalars().all()
    data = {
        "seq": seq,
        "room": room_view(roadshow, room),
        "agenda": agenda_view(roadshow),
        "questions": [question_view(q, moderator=viewer.moderator, mine=q.author_id == viewer.user_id)
                      for q in questions],
        "my_votes": list(my_votes),
        "polls": [{**poll_view(p), "my_vote": my_poll_votes.get(p.id)} for p in polls],
        "chat": [chat_view(m) for m in reversed(chat)],
        "my_interests": list(my_interests),
        "presence": presence_count,
        "me": {"id": viewer.user_id, "moderator": viewer.moderator},
    }
    if viewer.moderator:
        data["interest_counts"] = {str(listing_id): count for listing_id, count in db.session.execute(
            sa.select(LiveInterest.listing_id, sa.func.count()).where(
                LiveInterest.roadshow_id == roadshow.id).group_by(LiveInterest.listing_id))}
    return data
