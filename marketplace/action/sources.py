"""Figures and deals the platform's own features give the annual reports and dashboards.

Metrics (per university and calendar year, Beijing time): interests received, interests that
reached a deal, open-licence declarations announced, open licences granted, amount received.
Deal sources: interests that reached a deal, open licences granted, agreements recorded on a
listing. Imported by ``marketplace.action.routes`` beside the action's own ``metrics``.
"""

from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from marketplace import timezones
from marketplace.action.registry import (
    DealRef,
    register_deal_source,
    register_metric,
    year_bounds,
)
from marketplace.extensions import db
from marketplace.interests.models import Interest, InterestStatus
from marketplace.licences.models import (
    LicenceState,
    OpenLicence,
    OpenLicenceDeclaration,
    RecordedAgreement,
    RoyaltyReport,
)
from marketplace.licences.royalties import FEE_PURPOSE, ROYALTY_PURPOSE
from marketplace.listings.models import LISTING_MODES, ConversionMode, Listing
from marketplace.orgs.models import Organisation
from marketplace.payments.models import Payment, PaymentState

#: An open licence counts as granted while it is accepted (signed, awaiting its fee) or in force;
#: one whose fee was refunded, that was cancelled unpaid or whose trial was left does not.
GRANTED_STATES = (LicenceState.AWAITING_PAYMENT, LicenceState.TRIAL, LicenceState.PAYMENT_OVERDUE,
                  LicenceState.EFFECTIVE)


def _in_year(column, year: int):
    start, end = year_bounds(year)
    return (column >= start) & (column < end)


def _dates_in_year(column, year: int):
    """For ``Date`` columns, which already hold Beijing calendar days."""
    return (column >= date(year, 1, 1)) & (column <= date(year, 12, 31))


# --- Metrics -------------------------------------------------------------------------------------

def interests_received(org_id: int, year: int) -> int:
    """Interests expressed in the year in any of the university's listings."""
    return db.session.scalar(
        select(func.count()).select_from(Interest).join(Listing, Listing.id == Interest.listing_id)
        .where(Listing.organisation_id == org_id, _in_year(Interest.created_at, year)))


def _deal_interests(org_id: int, year: int):
    return (Listing.organisation_id == org_id, Interest.status == InterestStatus.DEAL,
            _in_year(Interest.deal_at, year))


def interest_deals(org_id: int, year: int) -> int:
    """Interests in the university's listings that reached "deal" in the year."""
    return db.session.scalar(
        select(func.count()).select_from(Interest).join(Listing, Listing.id == Interest.listing_id)
        .where(*_deal_interests(org_id, year)))


def declarations_announced(org_id: int, year: int) -> int:
    """Open-licence declarations CNIPA announced in the year (withdrawn since or not)."""
    return db.session.scalar(
        select(func.count()).select_from(OpenLicenceDeclaration)
        .where(OpenLicenceDeclaration.organisation_id == org_id,
               OpenLicenceDeclaration.announced_on.is_not(None),
               _dates_in_year(OpenLicenceDeclaration.announced_on, year)))


def _granted(org_id: int, year: int):
    return (OpenLicence.licensor_id == org_id, _in_year(OpenLicence.signed_at, year),
            OpenLicence.state.in_(GRANTED_STATES))


def open_licences_granted(org_id: int, year: int) -> int:
    """Open licences signed in the year that are accepted or in force."""
    return db.session.scalar(select(func.count()).select_from(OpenLicence)
                             .where(*_granted(org_id, year)))


def amount_received(org_id: int, year: int) -> Decimal:
    """Payments the university received in the year, less those refunded in the year (CNY)."""
    received = db.session.scalar(
        select(func.coalesce(func.sum(Payment.amount), 0)).where(
            Payment.payee_org_id == org_id,
            Payment.state.in_([PaymentState.SUCCEEDED, PaymentState.REFUNDED]),
            _in_year(Payment.paid_at, year)))
    refunded = db.session.scalar(
        select(func.coalesce(func.sum(Payment.amount), 0)).where(
            Payment.payee_org_id == org_id, Payment.state == PaymentState.REFUNDED,
            _in_year(Payment.refunded_at, year)))
    return (Decimal(received) - Decimal(refunded)).quantize(Decimal("0.01"))


# --- Deal sources --------------------------------------------------------------------------------

def interest_deal_refs(org_id: int, year: int) -> list[DealRef]:
    """Interests that reached "deal" in the year, with the mode the interested side asked for."""
    rows = db.session.execute(
        select(Interest.id, Interest.listing_id, Interest.intent, Interest.deal_at, Listing.title,
               Organisation.name)
        .join(Listing, Listing.id == Interest.listing_id)
        .join(Organisation, Organisation.id == Interest.organisation_id)
        .where(*_deal_interests(org_id, year)))
    return [DealRef(key=f"interest:{id_}", listing_id=listing_id,
                    # an investment in the project is no mode (作价投资 is the university's IP
                    # contributed as equity: EQUITY)
                    mode=intent.value if intent in LISTING_MODES else None,
                    concluded_on=timezones.local_date(deal_at), title=title, counterparty=counterparty,
                    extra={"intent": intent.value})
            for id_, listing_id, intent, deal_at, title, counterparty in rows]


def _received_by_licence(licence_ids: list[int]) -> dict[int, Decimal]:
    """Fees and royalties paid (and not refunded) under each licence."""
    if not licence_ids:
        return {}
    fees = select(Payment.subject_id.label("licence_id"), Payment.amount).where(
        Payment.purpose == FEE_PURPOSE, Payment.subject_id.in_(licence_ids),
        Payment.state == PaymentState.SUCCEEDED)
    royalties = (select(RoyaltyReport.licence_id.label("licence_id"), Payment.amount)
                 .join(RoyaltyReport, RoyaltyReport.id == Payment.subject_id)
                 .where(Payment.purpose == ROYALTY_PURPOSE, RoyaltyReport.licence_id.in_(licence_ids),
                        Payment.state == PaymentState.SUCCEEDED))
    both = fees.union_all(royalties).subquery()
    return {licence_id: Decimal(total) for licence_id, total in db.session.execute(
        select(both.c.licence_id, func.sum(both.c.amount)).group_by(both.c.licence_id))}


def open_licence_refs(org_id: int, year: int) -> list[DealRef]:
    """Open licences granted in the year, with what the licensee has paid so far."""
    rows = db.session.execute(
        select(OpenLicence.id, OpenLicence.listing_id, OpenLicence.signed_at, OpenLicence.state,
               OpenLicence.is_trial, Listing.title, Organisation.name)
        .join(Listing, Listing.id == OpenLicence.listing_id)
        .join(Organisation, Organisation.id == OpenLicence.licensee_id)
        .where(*_granted(org_id, year))).all()
    received = _received_by_licence([row[0] for row in rows])
    return [DealRef(key=f"licence:{id_}", listing_id=listing_id,
                    mode=ConversionMode.OPEN_LICENCE.value, concluded_on=timezones.local_date(signed_at),
                    title=title, counterparty=licensee,
                    amount=received.get(id_, Decimal("0.00")).quantize(Decimal("0.01")),
                    extra={"state": state.value, "trial": is_trial})
            for id_, listing_id, signed_at, state, is_trial, title, licensee in rows]


def recorded_agreement_refs(org_id: int, year: int) -> list[DealRef]:
    """Licences, transfers and equity deals signed in the year off the platform and recorded here
    (the amount is the one the university recorded)."""
    rows = db.session.execute(
        select(RecordedAgreement, Listing.title)
        .join(Listing, Listing.id == RecordedAgreement.listing_id)
        .where(RecordedAgreement.organisation_id == org_id,
               _dates_in_year(RecordedAgreement.signed_on, year)))
    return [DealRef(key=f"agreement:{agreement.id}", listing_id=agreement.listing_id,
                    mode=agreement.kind.value, concluded_on=agreement.signed_on, title=title,
                    counterparty=agreement.counterparty, amount=agreement.amount,
                    extra={"terminated_on": agreement.terminated_on.isoformat()
                           if agreement.terminated_on else None})
            for agreement, title in rows]


register_metric("interests_received", _l("Interests received"), interests_received, _l("items"),
                order=40)
register_metric("interest_deals", _l("Interests concluded as deals"), interest_deals, _l("items"),
                order=45)
register_metric("open_licences_announced", _l("Open-licence declarations announced"),
                declarations_announced, _l("items"), order=50)
register_metric("open_licences_granted", _l("Open licences granted"), open_licences_granted,
                _l("items"), order=55)
register_metric("amount_received", _l("Amount received"), amount_received, _l("yuan"), order=60)
register_deal_source(interest_deal_refs, name="interests.deals")
register_deal_source(open_licence_refs, name="licences.open_licences")
register_deal_source(recorded_agreement_refs, name="licences.recorded_agreements")
