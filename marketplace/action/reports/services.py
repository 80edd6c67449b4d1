"""Every state change of annual reports (实施成效) and their typical cases (典型案例)."""

from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace import mail, timezones
from marketplace.accounts.models import User
from marketplace.action import registry
from marketplace.action.reports.models import Report, ReportState, TypicalCase
from marketplace.action.services import enrolment_of, selectable_listings
from marketplace.audit import services as audit
from marketplace.db_types import utcnow
from marketplace.errors import InvalidTransition, NotAllowed, ServiceError
from marketplace.extensions import db
from marketplace.permissions import can, check


def _require_editable(report: Report) -> None:
    if not report.editable:
        raise InvalidTransition(_("The report cannot be edited while it is submitted or approved."))


def start_report(actor: User, year: int) -> Report:
    """Open the university's report for a year of its batch (or return the one already open)."""
    enrolment = enrolment_of(actor.organisation_id) if can("action.take_part", user=actor) else None
    if enrolment is None:
        raise NotAllowed(_("Only a university taking part in the action reports its results."))
    if year not in enrolment.batch.report_years:
        raise ServiceError(_("Your batch has no report for %(year)d.", year=year))
    report = db.session.scalar(select(Report).where(Report.organisation_id == actor.organisation_id,
                                                    Report.year == year))
    if report is not None:
        return report
    report = Report(organisation_id=actor.organisation_id, enrolment_id=enrolment.id, year=year,
                    declared={})
    db.session.add(report)
    db.session.flush()
    audit.record("action.report_started", actor=actor, target=report, year=year)
    db.session.commit()
    return report


def platform_figures(org_id: int, year: int) -> list[dict]:
    """Every registered metric computed for the university and year."""
    return [{"key": m.key, "label": str(m.label), "unit": str(m.unit),
             "platform": registry.value_text(m.fn(org_id, year))} for m in registry.metrics()]


def report_figures(report: Report) -> list[dict]:
    """The figures to show: frozen once submitted, otherwise live with the declared values."""
    if report.figures is not None and not report.editable:
        return report.figures
    declared = report.declared or {}
    return [{**row, "declared": declared.get(row["key"], row["platform"])}
            for row in platform_figures(report.organisation_id, report.year)]


def parse_number(text: str) -> Decimal:
    try:
        value = Decimal(str(text).replace(",", "").strip())
    except InvalidOperation:
        raise ServiceError(_("Figures must be numbers.")) from None
    if not value.is_finite() or value < 0:
        raise ServiceError(_("Figures must be numbers.")) from None
    return value


def save_report(actor: User, report: Report, narrative: str | None, declared: dict[str, str]) -> None:
    """Save the narrative and the figures the university declares (the platform's by default)."""
    check("action.edit_report", report, actor=actor)
    _require_editable(report)
    keys = {m.key for m in registry.metrics()}
    cleaned = {key: str(parse_number(value)) for key, value in declared.items()
               if key in keys and value not in (None, "")}
    report.narrative = (narrative or "").strip() or None
    report.declared = cleaned
    audit.record("action.report_updated", actor=actor, target=report)
    db.session.commit()


def submit_report(actor: User, report: Report) -> None:
    """Submit the report: its figures are frozen as they are now."""
    check("action.edit_report", report, actor=actor)
    _require_editable(report)
    if not (report.narrative or "").strip():
        raise ServiceError(_("Write the narrative before submitting."))
    now = utcnow()
    report.figures = report_figures(report)
    report.state, report.submitted_at, report.submitted_by_id = ReportState.SUBMITTED, now, actor.id
    report.late = now.astimezone(timezones.BEIJING).year > report.year
    report.review_comment = None
    audit.record("action.report_submitted", actor=actor, target=report, year=report.year,
                 late=report.late or None)
    db.session.commit()


def review_report(actor: User, report: Report, decision: ReportState, comment: str | None) -> None:
    """An admin approves a submitted report (its typical cases go public) or returns it."""
    check("action.administer", actor=actor)
    if report.state is not ReportState.SUBMITTED:
        raise InvalidTransition(_("Only a submitted report can be reviewed."))
    comment = (comment or "").strip() or None
    if decision is ReportState.RETURNED and not comment:
        raise ServiceError(_("Say what must be revised: the comment is sent to the university."))
    if decision not in (ReportState.APPROVED, ReportState.RETURNED):
        raise ServiceError(_("Choose to approve or to return the report."))
    now = utcnow()
    report.state, report.review_comment = decision, comment
    report.reviewed_at, report.reviewed_by_id = now, actor.id
    if decision is ReportState.APPROVED:
        for case in report.cases:
            case.published, case.published_at = True, now
    event = "action.report_approved" if decision is ReportState.APPROVED else "action.report_returned"
    audit.record(event, actor=actor, target=report, comment=comment)
    db.session.commit()
    if report.submitted_by is not None:
        mail.send(report.submitted_by.email, _l("Your annual report was reviewed"),
                  "action_report_reviewed", report.submitted_by.locale, user=report.submitted_by,
                  report=report, approved=decision is ReportState.APPROVED)


def add_case(actor: User, report: Report, title: str, narrative: str, *, deal_key: str | None = None,
             listing_id: int | None = None) -> TypicalCase:
    """Add a typical case: a recorded deal of the year, or (without one) a listing described by hand."""
    check("action.edit_report", report, actor=actor)
    _require_editable(report)
    title, narrative = (title or "").strip(), (narrative or "").strip()
    if not title or not narrative:
        raise ServiceError(_("A typical case needs a title and a narrative."))
    values: dict = {}
    if deal_key:
        deal = next((d for d in registry.deals(report.organisation_id, report.year)
                     if d.key == deal_key), None)
        if deal is None:
            raise NotAllowed(_("Choose one of your university's deals of the report's year."))
        values = {"deal_key": deal.key, "deal": deal.as_dict(), "listing_id": deal.listing_id}
    elif listing_id is not None:
        if listing_id not in {li.id for li in selectable_listings(report.organisation_id)}:
            raise NotAllowed(_("A typical case can only concern the university's own listings."))
        values = {"listing_id": listing_id}
    else:
        raise ServiceError(_("Choose the deal or the listing the case is about."))
    case = TypicalCase(report=report, title=title, narrative=narrative, **values)
    db.session.add(case)
    db.session.flush()
    audit.record("action.case_added", actor=actor, target=report, case=title)
    db.session.commit()
    return case


def remove_case(actor: User, report: Report, case: TypicalCase) -> None:
    check("action.edit_report", report, actor=actor)
    _require_editable(report)
    if case.report_id != report.id:
        raise NotAllowed(_("This case belongs to another report."))
    report.cases.remove(case)
    audit.record("action.case_removed", actor=actor, target=report, case=case.title)
    db.session.commit()


def public_cases() -> list[TypicalCase]:
    """Typical cases of approved reports, newest first."""
    return list(db.session.scalars(
        select(TypicalCase).join(Report).where(TypicalCase.published,
                                               Report.state == ReportState.APPROVED)
        .order_by(TypicalCase.published_at.desc(), TypicalCase.id.desc())
        .options(selectinload(TypicalCase.report).selectinload(Report.organisation),
                 selectinload(TypicalCase.listing))))
