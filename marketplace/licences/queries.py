"""What waits on open licences, shared by the licence pages and the workbench."""

from datetime import timedelta

from sqlalchemy import Select, select

from marketplace import timezones
from marketplace.licences.models import (
    DeclarationState,
    LicenceState,
    OpenLicence,
    OpenLicenceDeclaration,
    ReportState,
    RoyaltyReport,
)

#: How far ahead the workbench looks for CNIPA record deadlines and trial ends.
LOOKAHEAD = timedelta(days=30)
#: States in which a licence is (or may come) in force.
LIVE_LICENCES = (LicenceState.AWAITING_PAYMENT, LicenceState.TRIAL, LicenceState.PAYMENT_OVERDUE,
                 LicenceState.EFFECTIVE)


def declarations_to_act(org_id: int) -> Select:
    """A university's declarations still to submit (drafts) or whose CNIPA announcement is still
    to be recorded (submitted), most recently changed first."""
    return (select(OpenLicenceDeclaration).where(
        OpenLicenceDeclaration.organisation_id == org_id,
        OpenLicenceDeclaration.state.in_((DeclarationState.DRAFT, DeclarationState.SUBMITTED)))
        .order_by(OpenLicenceDeclaration.updated_at.desc(), OpenLicenceDeclaration.id.desc()))


def records_due(org_id: int) -> Select:
    """Licences of a university or a company not yet recorded with CNIPA whose three-month record
    deadline falls within the next 30 days (or has passed), soonest first."""
    horizon = timezones.today() + LOOKAHEAD
    return (select(OpenLicence).where(
        (OpenLicence.licensor_id == org_id) | (OpenLicence.licensee_id == org_id),
        OpenLicence.state.in_(LIVE_LICENCES), OpenLicence.record_number.is_(None),
        OpenLicence.record_due_on.is_not(None), OpenLicence.record_due_on <= horizon)
        .order_by(OpenLicence.record_due_on, OpenLicence.id))


def to_pay(org_id: int) -> Select:
    """A licensee's licences whose fee is unpaid (awaiting payment or overdue), oldest first."""
    return (select(OpenLicence).where(
        OpenLicence.licensee_id == org_id,
        OpenLicence.state.in_((LicenceState.AWAITING_PAYMENT, LicenceState.PAYMENT_OVERDUE)))
        .order_by(OpenLicence.signed_at, OpenLicence.id))


def trials_ending(org_id: int) -> Select:
    """A licensee's trial licences ending within the next 30 days, soonest first."""
    horizon = timezones.today() + LOOKAHEAD
    return (select(OpenLicence).where(
        OpenLicence.licensee_id == org_id, OpenLicence.state == LicenceState.TRIAL,
        OpenLicence.trial_ends_on.is_not(None), OpenLicence.trial_ends_on <= horizon)
        .order_by(OpenLicence.trial_ends_on, OpenLicence.id))


def royalties_due(org_id: int) -> Select:
    """A licensee's royalty reports whose royalty is still to be paid, oldest period first."""
    return (select(RoyaltyReport).join(OpenLicence, OpenLicence.id == RoyaltyReport.licence_id)
            .where(OpenLicence.licensee_id == org_id, RoyaltyReport.state == ReportState.DUE)
            .order_by(RoyaltyReport.period_end, RoyaltyReport.id))
