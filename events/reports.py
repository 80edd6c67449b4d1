"""After the event: the transcript, a report per listing, the moderation log and the XLSX export.

They read the live room's tables (``events.live.models``). Per-listing attendance is estimated:
an attendee counts for a listing when their time in the room (first join to last leave) overlaps
the time the listing was presented — from the room's "present listing" actions when there are
any, else from the agenda slot.
"""

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import pgettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from events.live.models import (
    LiveAttendance,
    LiveInterest,
    LiveModerationEntry,
    LivePoll,
    LiveQuestion,
    ModerationAction,
    QuestionStatus,
)
from events.models import Registration, RegistrationStatus, Roadshow
from events.video import timeline
from marketplace import timezones
from marketplace.db_types import utcnow
from marketplace.extensions import db
from marketplace.spreadsheets import DATETIME, INT, TEXT, XLSX_TYPE, Column, Sheet, workbook

__all__ = ["XLSX_TYPE", "transcript", "listing_reports", "moderation_log", "summary", "report_xlsx"]


@dataclass
class Section:
    """Questions asked while one listing was presented (``listing`` None: general questions)."""

    listing: object
    presenter: str | None
    questions: list = field(default_factory=list)


@dataclass
class ListingReport:
    listing: object
    presenter: str
    window: tuple[datetime, datetime]
    questions: int = 0
    answered: int = 0
    hidden: int = 0
    upvotes: int = 0
    interests: list = field(default_factory=list)
    attendance: int = 0
    polls: list = field(default_factory=list)


def transcript(roadshow: Roadshow) -> list[Section]:
    """Approved questions with their answers, by listing in agenda order (hidden ones left out)."""
    questions = db.session.scalars(
        select(LiveQuestion).where(LiveQuestion.roadshow_id == roadshow.id,
                                   LiveQuestion.status == QuestionStatus.APPROVED)
        .options(selectinload(LiveQuestion.author), selectinload(LiveQuestion.answered_by))
        .order_by(LiveQuestion.created_at, LiveQuestion.id)).all()
    sections = {item.listing_id: Section(item.listing, item.presenter) for item in roadshow.agenda}
    general = Section(None, None)
    for question in questions:
        sections.get(question.listing_id, general).questions.append(question)
    return [s for s in [*sections.values(), general] if s.questions]


def presentation_windows(roadshow: Roadshow) -> dict[int, list[tuple[datetime, datetime]]]:
    """When each listing was actually on screen, from the room's moderation log; agenda slots
    for listings never switched to."""
    entries = db.session.execute(
        select(LiveModerationEntry.action, LiveModerationEntry.listing_id,
               LiveModerationEntry.created_at)
        .where(LiveModerationEntry.roadshow_id == roadshow.id,
               LiveModerationEntry.action.in_((ModerationAction.PRESENT_LISTING,
                                               ModerationAction.END)))
        .order_by(LiveModerationEntry.created_at, LiveModerationEntry.id)).all()
    windows: dict[int, list] = {}
    current, since = None, None
    for action, listing_id, at in entries:
        if current is not None:
            windows.setdefault(current, []).append((since, at))
        current, since = (listing_id, at) if action is ModerationAction.PRESENT_LISTING else (None, None)
    if current is not None:
        windows.setdefault(current, []).append((since, roadshow.ended_at or roadshow.ends_at))
    for item in roadshow.agenda:
        windows.setdefault(item.listing_id, [(item.starts_at, item.ends_at)])
    return windows


def listing_reports(roadshow: Roadshow) -> list[ListingReport]:
    """Questions, votes, polls, interests and attendance for each listing of the agenda."""
    windows = presentation_windows(roadshow)
    reports = {item.listing_id: ListingReport(item.listing, item.presenter,
                                              (item.starts_at, item.ends_at))
               for item in roadshow.agenda}
    for question in db.session.scalars(select(LiveQuestion).where(
            LiveQuestion.roadshow_id == roadshow.id)):
        report = reports.get(question.listing_id)
        if report is None:
            continue
        if question.status is QuestionStatus.HIDDEN:
            report.hidden += 1
            continue
        if question.status is QuestionStatus.APPROVED:
            report.questions += 1
            report.upvotes += question.upvotes
            report.answered += bool(question.answer)
    for interest in db.session.scalars(
            select(LiveInterest).where(LiveInterest.roadshow_id == roadshow.id)
            .options(selectinload(LiveInterest.user)).order_by(LiveInterest.created_at)):
        if interest.listing_id in reports:
            reports[interest.listing_id].interests.append(interest)
    for poll in db.session.scalars(select(LivePoll).where(LivePoll.roadshow_id == roadshow.id)
                                   .options(selectinload(LivePoll.options))
                                   .order_by(LivePoll.opened_at)):
        if poll.listing_id in reports:
            reports[poll.listing_id].polls.append(poll)
    attendance = db.session.scalars(select(LiveAttendance).where(
        LiveAttendance.roadshow_id == roadshow.id)).all()
    for listing_id, report in reports.items():
        spans = windows.get(listing_id, [])
        report.window = (min(s for s, _e in spans), max(e for _s, e in spans)) if spans else report.window
        report.attendance = sum(1 for row in attendance if any(_overlaps(row, s, e) for s, e in spans))
    return list(reports.values())


def _overlaps(row: LiveAttendance, start: datetime, end: datetime) -> bool:
    left = row.last_left_at if row.last_left_at and row.last_left_at >= row.last_joined_at else None
    return row.first_joined_at <= end and (left is None or left >= start)


def summary(roadshow: Roadshow) -> dict:
    """Registrations by status, people who entered the room, questions, interests."""
    by_status = dict(db.session.execute(
        select(Registration.status, func.count()).where(Registration.roadshow_id == roadshow.id)
        .group_by(Registration.status)).all())
    count = lambda model: db.session.scalar(  # noqa: E731
        select(func.count()).select_from(model).where(model.roadshow_id == roadshow.id)) or 0
    confirmed = by_status.get(RegistrationStatus.CONFIRMED, 0)
    attended = count(LiveAttendance)
    return {"registrations": by_status, "confirmed": confirmed, "attended": attended,
            "attendance_rate": round(100 * attended / confirmed) if confirmed else None,
            "questions": count(LiveQuestion), "interests": count(LiveInterest)}


def moderation_log(roadshow: Roadshow) -> list[LiveModerationEntry]:
    """Every moderation action of the room, oldest first."""
    return list(db.session.scalars(
        select(LiveModerationEntry).where(LiveModerationEntry.roadshow_id == roadshow.id)
        .options(selectinload(LiveModerationEntry.actor), selectinload(LiveModerationEntry.question),
                 selectinload(LiveModerationEntry.poll))
        .order_by(LiveModerationEntry.created_at, LiveModerationEntry.id)))


def author_name(question: LiveQuestion) -> str:
    """The asker as the transcript shows it: anonymous questions stay anonymous."""
    if question.anonymous or question.author is None:
        return _("Anonymous")
    org = question.author.organisation
    return f"{question.author.name}（{org.name}）" if org else question.author.name


def _zoned(value: datetime | None) -> datetime | None:
    """A stored UTC time in the viewer's zone (the workbook writes it as a date cell)."""
    return value.astimezone(timezones.viewer_zone()) if value is not None else None


def _table(title: str, columns: list[tuple[str, str, str, int]], rows: list[list]) -> Sheet:
    """A sheet from (key, header, kind, width) columns and rows listed in the same order."""
    keys = [key for key, _header, _kind, _width in columns]
    return Sheet(title, [Column(key, header, kind, width) for key, header, kind, width in columns],
                 [dict(zip(keys, row, strict=True)) for row in rows])


def report_xlsx(roadshow: Roadshow, action_labels: dict) -> bytes:
    """The report as a workbook: per listing, transcript, interests, moderation log, each with its
    header in row 1; the roadshow, its times and its totals on the About sheet. Times are date
    cells in the viewer's zone; text cells are formula-neutralised (``spreadsheets``)."""
    stats = summary(roadshow)
    reports = listing_reports(roadshow)
    per_listing = _table(_("Per listing"), [
        ("no", _("No."), INT, 6), ("listing", _("Listing"), TEXT, 40),
        ("presenter", _("Presenter"), TEXT, 20),
        ("from", pgettext("roadshow report", "Presented from"), DATETIME, 17),
        ("until", pgettext("roadshow report", "Presented until"), DATETIME, 17),
        ("questions", _("Questions"), INT, 10), ("answered", _("Answered"), INT, 10),
        ("hidden", _("Hidden"), INT, 8), ("upvotes", _("Upvotes"), INT, 8),
        ("interests", _("Interests"), INT, 10), ("attendance", _("Attendance"), INT, 10),
        ("polls", _("Polls"), TEXT, 50)],
        [[n, r.listing.title, r.presenter, _zoned(r.window[0]), _zoned(r.window[1]),
          r.questions, r.answered, r.hidden, r.upvotes, len(r.interests), r.attendance,
          "\n".join(f"{p.question}: " + "; ".join(f"{o.label} {o.votes}" for o in p.options)
                    for p in r.polls)]
         for n, r in enumerate(reports, start=1)])
    replay_links = timeline.question_links(roadshow)
    questions = _table(_("Transcript"), [
        ("listing", _("Listing"), TEXT, 30), ("asked", _("Asked"), DATETIME, 17),
        ("by", _("Asked by"), TEXT, 24), ("question", _("Question"), TEXT, 50),
        ("upvotes", _("Upvotes"), INT, 8), ("answer", _("Answer"), TEXT, 50),
        ("answered_by", _("Answered by"), TEXT, 16), ("replay", _("In the replay"), TEXT, 44)],
        [[s.listing.title if s.listing else _("General questions"), _zoned(q.created_at),
          author_name(q), q.text, q.upvotes, q.answer or "",
          q.answered_by.name if q.answered_by else "", replay_links.get(q.id, (0, ""))[1]]
         for s in transcript(roadshow) for q in s.questions])
    interests = _table(_("Interests"), [
        ("listing", _("Listing"), TEXT, 36), ("name", _("Name"), TEXT, 16),
        ("organisation", _("Organisation"), TEXT, 30), ("email", _("E-mail"), TEXT, 28),
        ("when", _("When"), DATETIME, 17)],
        [[r.listing.title, i.user.name, i.user.organisation.name if i.user.organisation else "",
          i.user.email, _zoned(i.created_at)] for r in reports for i in r.interests])
    log = _table(_("Moderation log"), [
        ("when", _("When"), DATETIME, 17), ("who", _("Who"), TEXT, 16),
        ("action", _("Action"), TEXT, 16), ("subject", _("Question or poll"), TEXT, 50),
        ("previous", _("Previous text"), TEXT, 40), ("new", _("New text"), TEXT, 40)],
        [[_zoned(e.created_at), e.actor.name if e.actor else "", str(action_labels[e.action]),
          e.question.text if e.question else (e.poll.question if e.poll else ""),
          e.previous_text or "", e.new_text or ""] for e in moderation_log(roadshow)])
    about = [
        (pgettext("about this file", "Host university"), roadshow.organisation.name),
        (_("Starts"), _zoned(roadshow.starts_at)), (_("Ends"), _zoned(roadshow.ends_at)),
        (pgettext("about this file", "Time zone"), str(timezones.viewer_zone())),
        (pgettext("about this file", "Registrations confirmed"), stats["confirmed"]),
        (pgettext("about this file", "People who entered the live room"), stats["attended"]),
        (_("Questions"), stats["questions"]), (_("Interests"), stats["interests"]),
        (pgettext("about this file", "Exported"), _zoned(utcnow()))]
    return workbook([per_listing, questions, interests, log],
                    title=_("%(title)s: roadshow report", title=roadshow.title),
                    subject=roadshow.title, about=about)
