"""The technology-transfer officer's workbench: interests and messages, transfers to confirm,
open-licence declarations and CNIPA records, the action's deadlines, and imports.

The roadshows' sections (registrations to approve, the next roadshows) come from ``events``.
"""

from datetime import date, timedelta

from flask import url_for
from flask_babel import format_date, pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace import amounts, timezones
from marketplace.action import services as action
from marketplace.action.models import PlanState
from marketplace.action.reports.models import Report, ReportState
from marketplace.db_types import utcnow
from marketplace.extensions import db
from marketplace.interests import queries as interests
from marketplace.interests.labels import INTENT_LABELS
from marketplace.licences import queries as licences
from marketplace.licences.models import DeclarationState
from marketplace.listings.imports.models import ImportBatch, ImportState
from marketplace.main.workbench.core import SHOWN, Item, Section, contributes, section
from marketplace.payments import queries as payments
from marketplace.portfolio import queries as portfolio
from marketplace.portfolio.fees import HORIZON_DAYS
from marketplace.portfolio.forms import CHOICE_LABELS

AUDIENCE = "tto"
#: Finished and failed imports are shown this long after they ended.
IMPORTS_SHOWN_FOR = timedelta(days=14)


def _thread(interest) -> str:
    return url_for("interests.thread", interest_id=interest.id)


@contributes(AUDIENCE, 10)
def new_interests(user) -> Section:
    return section(
        "new_interests", _l("New interests"), interests.new_received(user),
        lambda i: Item(i.listing.title, _thread(i),
                       meta=f"{i.organisation.name} · {INTENT_LABELS[i.intent]}",
                       when=i.created_at, when_label=pgettext("workbench", "Received")),
        _l("No new interests: every interest in your listings has been answered."),
        url_for("interests.index", status="new"), _l("All new interests"))


@contributes(AUDIENCE, 20)
def unanswered(user) -> Section:
    return section(
        "unanswered", _l("Messages waiting for your answer"), interests.awaiting_reply(user),
        lambda i: Item(i.listing.title, _thread(i), meta=i.organisation.name,
                       when=i.updated_at, when_label=_("Last change")),
        _l("No message waits for your answer."),
        url_for("interests.index", waiting="1"), _l("All threads waiting for you"))


@contributes(AUDIENCE, 30)
def transfers(user) -> Section:
    return section(
        "transfers", _l("Bank transfers to confirm"),
        payments.transfers_to_confirm(user.organisation_id),
        lambda p: Item(_("%(amount)s from %(payer)s", amount=amounts.display(p.amount),
                         payer=p.payer_org.name),
                       url_for("payments.status", public_id=p.public_id),
                       meta=_("Reference %(reference)s · %(what)s", reference=p.bank_reference,
                              what=p.description),
                       when=p.created_at, when_label=_("Started")),
        _l("No bank transfer waits for your confirmation."),
        url_for("payments.manage", state="pending", method="bank_transfer"),
        _l("All transfers to confirm"),
        note=_l("Confirm a transfer once the money is in your university's account."))


@contributes(AUDIENCE, 40)
def declarations(user) -> Section:
    def item(declaration) -> Item:
        draft = declaration.state is DeclarationState.DRAFT
        return Item(declaration.listing.title,
                    url_for("licences.declaration", declaration_id=declaration.id),
                    meta=_("Submit it to CNIPA") if draft
                    else _("Record CNIPA's announcement when it is published"),
                    badge=_("Draft") if draft else _("Submitted"), tone="info" if draft else "wait",
                    when=declaration.updated_at, when_label=_("Last change"))
    return section(
        "declarations", _l("Open-licence declarations to submit or announce"),
        licences.declarations_to_act(user.organisation_id), item,
        _l("No declaration waits for you."),
        url_for("licences.manage"), _l("All declarations"))


def due_badge(day: date) -> tuple[str, str]:
    """The badge of a deadline: overdue, today, or in how many days."""
    days = (day - timezones.today()).days
    if days < 0:
        return _("Overdue"), "bad"
    if days == 0:
        return _("Due today"), "bad"
    return _("In %(days)d days", days=days), "wait" if days <= 7 else "info"


@contributes(AUDIENCE, 50)
def records(user) -> Section:
    def item(licence) -> Item:
        badge, tone = due_badge(licence.record_due_on)
        return Item(licence.listing.title, url_for("licences.licence", licence_id=licence.id),
                    meta=_("Licensee %(company)s · record with CNIPA by %(day)s",
                           company=licence.licensee.name, day=format_date(licence.record_due_on)),
                    badge=badge, tone=tone)
    return section(
        "records", _l("CNIPA records due in the next 30 days"),
        licences.records_due(user.organisation_id), item,
        _l("No licence has to be recorded with CNIPA in the next 30 days."),
        url_for("licences.manage"), _l("All licences"))


@contributes(AUDIENCE, 55)
def fees_due(user) -> Section:
    """Annual fees falling due: the same rows as the fees-due page, soonest first."""
    rows = portfolio.fees_due(user.organisation_id, timezones.today())

    def item(row) -> Item:
        badge, tone = due_badge(row.due_on)
        decided = (str(CHOICE_LABELS[row.decision.choice]) if row.decision
                   else _("No maintenance decision yet"))
        return Item(row.listing.title, url_for("portfolio.patent", listing_id=row.listing.id),
                    meta=_("Grade %(grade)s · %(interests)d interests · fee due %(day)s · %(decided)s",
                           grade=row.listing.grade.value, interests=row.interests,
                           day=format_date(row.due_on), decided=decided),
                    badge=badge, tone=tone)
    return Section("fees_due", _("Annual fees due in the next %(days)d days", days=HORIZON_DAYS),
                   [item(row) for row in rows[:SHOWN]], len(rows),
                   _("No annual fee of your granted patents falls due in the next %(days)d days.",
                     days=HORIZON_DAYS),
                   url_for("portfolio.fees_due"), _("All fees due"),
                   note=_("Keep paying, offer an open licence or let it go: decide before the date."))


def action_deadlines(org_id: int) -> list[Item]:
    """The action's plan and this year's annual report, while they wait for the university."""
    enrolment = action.enrolment_of(org_id)
    if enrolment is None:
        return []
    items = []
    plan = enrolment.plan
    if plan is not None and plan.state in (PlanState.DRAFT, PlanState.RETURNED):
        badge, tone = due_badge(enrolment.batch.plan_due_on)
        returned = plan.state is PlanState.RETURNED
        items.append(Item(_("Implementation plan for %(batch)s", batch=enrolment.batch.name),
                          url_for("action.plan", plan_id=plan.id),
                          meta=(_("Returned for changes; resubmit it") if returned
                                else _("Submit by %(day)s",
                                       day=format_date(enrolment.batch.plan_due_on))),
                          badge=badge, tone=tone))
    year = timezones.today().year
    report = next((r for r in _reports(org_id) if r.year == year), None)
    if report is None or report.state in (ReportState.DRAFT, ReportState.RETURNED):
        due = date(year, 12, 31)
        badge, tone = due_badge(due)
        link = (url_for("action.report", report_id=report.id) if report is not None
                else url_for("action.index"))
        meta = (_("Returned for changes; resubmit it")
                if report is not None and report.state is ReportState.RETURNED
                else _("Submit by %(day)s", day=format_date(due)))
        items.append(Item(_("Annual report %(year)d", year=year), link, meta=meta,
                          badge=badge, tone=tone))
    return items


def _reports(org_id: int) -> list[Report]:
    return list(db.session.scalars(select(Report).where(Report.organisation_id == org_id)))


@contributes(AUDIENCE, 60)
def deadlines(user) -> Section:
    items = action_deadlines(user.organisation_id)
    return Section("action", str(_l("Deadlines of the action")), items, len(items),
                   str(_l("Nothing of the action is due: the plan and this year's report are in.")),
                   url_for("action.index"), str(_l("The action")))


def recent_imports(org_id: int):
    """Imports that finished validation (waiting to be imported), were imported or failed lately."""
    since = utcnow() - IMPORTS_SHOWN_FOR
    return (select(ImportBatch).where(
        ImportBatch.organisation_id == org_id,
        ImportBatch.state.in_((ImportState.VALIDATED, ImportState.IMPORTED, ImportState.FAILED)),
        (ImportBatch.state == ImportState.VALIDATED) | (ImportBatch.created_at >= since))
        .order_by(ImportBatch.created_at.desc(), ImportBatch.id.desc()))


IMPORT_BADGES = {
    ImportState.VALIDATED: (_l("Checked: import it"), "wait"),
    ImportState.IMPORTED: (_l("Imported"), "ok"),
    ImportState.FAILED: (_l("Failed"), "bad"),
}


@contributes(AUDIENCE, 90)
def imports(user) -> Section:
    def item(batch) -> Item:
        badge, tone = IMPORT_BADGES[batch.state]
        meta = (_("%(imported)d of %(total)d rows imported", imported=batch.imported_rows,
                  total=batch.total_rows) if batch.state is ImportState.IMPORTED
                else _("%(valid)d of %(total)d rows valid", valid=batch.valid_rows,
                       total=batch.total_rows))
        return Item(batch.filename, url_for("imports.report", batch_id=batch.id), meta=meta,
                    badge=str(badge), tone=tone, when=batch.created_at, when_label=_("Uploaded"))
    return section(
        "imports", _l("Imports"), recent_imports(user.organisation_id), item,
        _l("No import finished or failed in the last 14 days."),
        url_for("imports.index"), _l("All imports"))
