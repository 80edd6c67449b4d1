"""The replay's timeline: every question, answer, poll and "now presenting" change of the room,
placed at its second of the recording (time 0: when nginx accepted the publish)."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from events.live.models import (
    LiveModerationEntry,
    LivePoll,
    LiveQuestion,
    ModerationAction,
    QuestionStatus,
)
from events.models import Roadshow
from events.video.models import VideoSession
from marketplace.extensions import db
from marketplace.public_urls import public_url_for


@dataclass(frozen=True)
class Point:
    """One mark on the timeline; ``seconds`` is where a click seeks to."""

    seconds: int
    kind: str  # question | answer | poll | present
    label: str
    text: str
    question_id: int | None = None


def offset(session: VideoSession, moment: datetime | None) -> int | None:
    """Whole seconds from the session's start to ``moment``, or None outside the recording."""
    if moment is None or moment < session.started_at:
        return None
    seconds = int((moment - session.started_at).total_seconds())
    if session.duration is not None and seconds > session.duration:
        return None
    return seconds


def points(roadshow: Roadshow, session: VideoSession) -> list[Point]:
    """The session's timeline, in time order. Questions appear once, at the moment they were
    answered (when they were asked, if never answered); hidden questions are left out."""
    found: list[Point] = []
    questions = db.session.scalars(select(LiveQuestion).where(
        LiveQuestion.roadshow_id == roadshow.id,
        LiveQuestion.status == QuestionStatus.APPROVED)).all()
    for question in questions:
        at = offset(session, question.answered_at) if question.answered_at else None
        if at is not None:
            found.append(Point(at, "answer", _("Answered"), question.text, question.id))
            continue
        at = offset(session, question.created_at)
        if at is not None:
            found.append(Point(at, "question", _("Question"), question.text, question.id))
    for poll in db.session.scalars(select(LivePoll).where(LivePoll.roadshow_id == roadshow.id)):
        at = offset(session, poll.opened_at)
        if at is not None:
            found.append(Point(at, "poll", _("Poll"), poll.question))
    titles = {item.listing_id: item.listing.title for item in roadshow.agenda}
    for entry in db.session.scalars(select(LiveModerationEntry).where(
            LiveModerationEntry.roadshow_id == roadshow.id,
            LiveModerationEntry.action == ModerationAction.PRESENT_LISTING)):
        at = offset(session, entry.created_at)
        if at is not None and entry.listing_id in titles:
            found.append(Point(at, "present", _("Now presenting"), titles[entry.listing_id]))
    return sorted(found, key=lambda point: (point.seconds, point.kind))


def replay_session(roadshow: Roadshow) -> VideoSession | None:
    """The replay shown for a roadshow: the longest ready recording of its sessions."""
    return db.session.scalars(select(VideoSession).where(
        VideoSession.roadshow_id == roadshow.id, VideoSession.replay_path.is_not(None))
        .order_by(VideoSession.duration.desc(), VideoSession.id)).first()


def question_links(roadshow: Roadshow) -> dict[int, tuple[int, str]]:
    """For the transcript: each question's moment in the replay, (seconds, link on PUBLIC_URL)."""
    session = replay_session(roadshow)
    if session is None:
        return {}
    room = public_url_for("live.room", roadshow_id=roadshow.id)
    return {point.question_id: (point.seconds, f"{room}#t={point.seconds}")
            for point in points(roadshow, session)
            if point.question_id is not None}
