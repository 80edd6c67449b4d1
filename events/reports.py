"""After the event: the transcript, a report per listing, the moderation log and the XLSX export.

They read the live room's tables (``events.live.models``). Per-listing attendance is estimated:
an attendee counts for a listing when their time in the room (first join to last leave) overlaps
the time the listing was presented — from the room's "present listing" actions when there are
any, else from the agenda slot.
"""

import io
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
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
from marketplace.extensions import db
from marketplace.lists.exports import XLSX_TYPE, neutralise

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


def _local(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(timezones.viewer_zone()).strftime("%Y-%m-%d %H:%M")


def _sheet(book: Workbook, title: str, headers: list[tuple[str, int]], rows: list[list]) -> None:
    sheet = book.create_sheet(title)
    fill = PatternFill("solid", fgColor="F0F3F6")
    for index, (header, width) in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=index, value=neutralise(header))
        cell.font, cell.fill = Font(bold=True), fill
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row_index, row in enumerate(rows, start=2):
        for index, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_index, column=index, value=neutralise(value))
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"


def report_xlsx(roadshow: Roadshow, action_labels: dict) -> bytes:
    """The report as a workbook: per listing, transcript, interests, moderation log.

    Every text cell goes through ``neutralise`` (no formula injection from questions or names).
    """
    book = Workbook()
    book.remove(book.active)
    stats = summary(roadshow)
    reports = listing_reports(roadshow)
    _sheet(book, _("Per listing"), [
        (_("No."), 6), (_("Listing"), 40), (_("Presenter"), 20), (_("Presented"), 24),
        (_("Questions"), 10), (_("Answered"), 10), (_("Hidden"), 8), (_("Upvotes"), 8),
        (_("Interests"), 10), (_("Attendance"), 10), (_("Polls"), 50)],
        [[n, r.listing.title, r.presenter, f"{_local(r.window[0])} – {_local(r.window[1])}",
          r.questions, r.answered, r.hidden, r.upvotes, len(r.interests), r.attendance,
          "\n".join(f"{p.question}: " + "; ".join(f"{o.label} {o.votes}" for o in p.options)
                    for p in r.polls)]
         for n, r in enumerate(reports, start=1)]
        + [[None, _("Whole roadshow"), None, None, stats["questions"], None, None, None,
            stats["interests"], stats["attended"], None]])
    replay_links = timeline.question_links(roadshow)
    _sheet(book, _("Transcript"), [
        (_("Listing"), 30), (_("Asked"), 17), (_("Asked by"), 24), (_("Question"), 50),
        (_("Upvotes"), 8), (_("Answer"), 50), (_("Answered by"), 16), (_("In the replay"), 44)],
        [[s.listing.title if s.listing else _("General questions"), _local(q.created_at),
          author_name(q), q.text, q.upvotes, q.answer or "",
          q.answered_by.name if q.answered_by else "", replay_links.get(q.id, (0, ""))[1]]
         for s in transcript(roadshow) for q in s.questions])
    _sheet(book, _("Interests"), [
        (_("Listing"), 36), (_("Name"), 16), (_("Organisation"), 30), (_("E-mail"), 28),
        (_("When"), 17)],
        [[r.listing.title, i.user.name, i.user.organisation.name if i.user.organisation else "",
          i.user.email, _local(i.created_at)] for r in reports for i in r.interests])
    _sheet(book, _("Moderation log"), [
        (_("When"), 17), (_("Who"), 16), (_("Action"), 16), (_("Question or poll"), 50),
        (_("Previous text"), 40), (_("New text"), 40)],
        [[_local(e.created_at), e.actor.name if e.actor else "", str(action_labels[e.action]),
          e.question.text if e.question else (e.poll.question if e.poll else ""),
          e.previous_text or "", e.new_text or ""] for e in moderation_log(roadshow)])
    book.properties.title = roadshow.title
    book.properties.creator = "百校千项"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
