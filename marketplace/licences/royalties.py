"""Royalty reports of licences in force, and paying fees and royalties through the payments
feature (the purposes registered with its registry)."""

from datetime import date, datetime
from decimal import Decimal

from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from marketplace import timezones
from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.errors import InvalidTransition, ServiceError
from marketplace.extensions import db
from marketplace.licences import notices
from marketplace.licences.licensing import (
    FEN,
    fee_paid,
    fee_refunded,
    lock,
    royalty_for,
)
from marketplace.licences.models import LicenceState, OpenLicence, ReportState, RoyaltyReport
from marketplace.payments import services as payments
from marketplace.payments.registry import register_purpose
from marketplace.permissions import check

# --- Royalty reports -----------------------------------------------------------------------------

def file_report(actor: User, licence: OpenLicence, start: date, end: date, base: Decimal,
                note: str | None = None) -> RoyaltyReport:
    """The licensee reports a period's base; the royalty is computed and falls due."""
    check("licences.act_as_licensee", licence, actor=actor)
    licence = lock(licence.id)
    declaration = licence.declaration
    if licence.state is not LicenceState.EFFECTIVE or not declaration.payment_method.has_royalty:
        raise InvalidTransition(_("Royalty reports are filed for royalty licences in force."))
    if base is None or base < 0 or base != base.quantize(FEN):
        raise ServiceError(_("Give the base in yuan with at most two decimals."))
    if not (start <= end <= timezones.today()):
        raise ServiceError(_("The period must end after it starts and not in the future."))
    if start < timezones.local_date(licence.effective_at) or end > licence.ends_on:
        raise ServiceError(_("The period must lie within the licence term."))
    overlap = db.session.scalar(select(RoyaltyReport.id).where(
        RoyaltyReport.licence_id == licence.id, RoyaltyReport.period_start <= end,
        RoyaltyReport.period_end >= start).limit(1))
    if overlap is not None:
        raise ServiceError(_("A report already covers part of this period."))
    rate = declaration.royalty_rate
    royalty = royalty_for(base, rate)
    report = RoyaltyReport(licence=licence, period_start=start, period_end=end,
                           royalty_base=declaration.royalty_base, base_amount=base, rate=rate,
                           royalty=royalty, filed_by_id=actor.id,
                           state=ReportState.DUE if royalty > 0 else ReportState.NIL,
                           note=(note or "").strip() or None)
    db.session.add(report)
    db.session.flush()
    audit.record("royalty.reported", actor=actor, target=report, licence=licence.id,
                 base=str(base), royalty=str(royalty))
    db.session.commit()
    notices.report_filed(report)
    return report


def report_paid(report_id: int, payment_id: int, paid_at: datetime) -> None:
    report = db.session.scalars(select(RoyaltyReport).where(RoyaltyReport.id == report_id)
                                .with_for_update().execution_options(populate_existing=True)).one()
    if report.state is ReportState.DUE:
        report.state, report.payment_id, report.paid_at = ReportState.PAID, payment_id, paid_at
        audit.record("royalty.paid", target=report, payment=payment_id)


def report_refunded(report_id: int, payment_id: int) -> None:
    report = db.session.get(RoyaltyReport, report_id)
    if report.state is ReportState.PAID and report.payment_id == payment_id:
        report.state, report.paid_at = ReportState.DUE, None
        audit.record("royalty.refunded", target=report, payment=payment_id)


# --- Paying through the payments feature -----------------------------------------------------------

FEE_PURPOSE = "open_licence_fee"
ROYALTY_PURPOSE = "royalty"


def pay_fee(actor: User, licence: OpenLicence, method: str):
    """Start paying the fee (or converting a trial): returns the pending payment."""
    check("licences.act_as_licensee", licence, actor=actor)
    if not licence.state.fee_payable or not licence.fee_amount:
        raise InvalidTransition(_("Nothing is to be paid for this licence now."))
    return payments.start_payment(
        purpose=FEE_PURPOSE, subject_id=licence.id, listing=licence.listing,
        payer_org=actor.organisation, amount=licence.fee_amount, method=method, actor=actor,
        description=_("Open licence fee: %(title)s", title=licence.listing.title))


def pay_report(actor: User, report: RoyaltyReport, method: str):
    """Start paying a report's royalty: returns the pending payment."""
    licence = report.licence
    check("licences.act_as_licensee", licence, actor=actor)
    if report.state is not ReportState.DUE:
        raise InvalidTransition(_("Nothing is due for this report."))
    return payments.start_payment(
        purpose=ROYALTY_PURPOSE, subject_id=report.id, listing=licence.listing,
        payer_org=actor.organisation, amount=report.royalty, method=method, actor=actor,
        description=_("Royalty %(start)s to %(end)s: %(title)s", start=report.period_start.isoformat(),
                      end=report.period_end.isoformat(), title=licence.listing.title))


def _path(endpoint: str, **values) -> str:
    """A path to one of our pages, also outside a request (the payments feature's notices)."""
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        return url_for(endpoint, **values)


def _describe_fee(payment) -> tuple[str, str]:
    licence = db.session.get(OpenLicence, payment.subject_id)
    return (_("Open licence fee: %(title)s", title=licence.listing.title),
            _path("licences.licence", licence_id=licence.id))


def _describe_royalty(payment) -> tuple[str, str]:
    report = db.session.get(RoyaltyReport, payment.subject_id)
    return (_("Royalty %(start)s to %(end)s: %(title)s", start=report.period_start.isoformat(),
              end=report.period_end.isoformat(), title=report.licence.listing.title),
            _path("licences.licence", licence_id=report.licence_id))


def _register() -> None:
    register_purpose(FEE_PURPOSE, describe=_describe_fee,
                     on_paid=lambda p: fee_paid(p.subject_id, p.id, p.paid_at),
                     on_refunded=lambda p: fee_refunded(p.subject_id, p.id, p.refund_reason))
    register_purpose(ROYALTY_PURPOSE, describe=_describe_royalty,
                     on_paid=lambda p: report_paid(p.subject_id, p.id, p.paid_at),
                     on_refunded=lambda p: report_refunded(p.subject_id, p.id))


_register()
