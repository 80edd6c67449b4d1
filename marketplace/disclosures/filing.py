"""From a decision to file to the patent and the listing: the application (number checked as on
listings), its grant or refusal, and the listing draft made from the disclosure and its assessment,
whose inventors' contribution shares go to the ledger without being typed again."""

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from marketplace import timezones
from marketplace.accounts.models import Role, User
from marketplace.audit import services as audit
from marketplace.db_types import utcnow
from marketplace.disclosures.labels import KIND_OF_DECISION, OUTCOME_LABELS
from marketplace.disclosures.models import Disclosure, FilingOutcome
from marketplace.disclosures.services import path
from marketplace.errors import InvalidTransition, ServiceError
from marketplace.extensions import db
from marketplace.ledger import services as ledger
from marketplace.listings import patentno
from marketplace.listings import services as listings
from marketplace.listings.models import LegalStatus, Listing, ListingKind
from marketplace.notifications import Kind, notify, register_kind
from marketplace.permissions import check

register_kind(Kind("disclosures.filed", title=_l("Patent application filed: %(title)s"),
                   text=_l("The application %(number)s for “%(title)s” was filed on %(day)s.")))
register_kind(Kind("disclosures.outcome", title=_l("Examination result for “%(title)s”"),
                   text=_l("Application %(number)s: %(outcome)s."),
                   labels={"outcome": {key.value: label for key, label in OUTCOME_LABELS.items()}}))

#: The listing's legal status for each outcome of the application.
LEGAL_STATUS = {FilingOutcome.PENDING: LegalStatus.PENDING, FilingOutcome.GRANTED: LegalStatus.GRANTED}


def number_taken(number: str, exclude_id: int | None = None) -> bool:
    """Whether another disclosure or any listing has this application number."""
    query = select(func.count()).select_from(Disclosure).where(Disclosure.application_number == number)
    if exclude_id is not None:
        query = query.where(Disclosure.id != exclude_id)
    return db.session.scalar(query) > 0 or listings.application_number_taken(number)


def _tell_inventors(disclosure: Disclosure, kind: str, **params) -> None:
    users = [i.user for i in disclosure.inventors if i.user is not None]
    notify(users, kind, path("disclosures.chain", disclosure_id=disclosure.id),
           title=disclosure.title, number=disclosure.application_number, **params)


def record_filing(actor: User, disclosure: Disclosure, number: str, filed_on: date) -> None:
    """The tto records the application filed after a decision to file."""
    check("disclosures.assess", disclosure, actor=actor)
    if not (disclosure.state.is_decided and disclosure.decision and disclosure.decision.files):
        raise InvalidTransition(_("Only a disclosure decided for filing gets an application."))
    if disclosure.application_number:
        raise InvalidTransition(_("The application is already recorded."))
    if patentno.problem(number):
        raise ServiceError(_("This is not a valid application number."))
    number = patentno.normalise(number)
    kind = KIND_OF_DECISION[disclosure.decision]
    if patentno.patent_type(number) != kind:
        raise ServiceError(_("The number's type digit does not match the patent type decided."))
    if number_taken(number, exclude_id=disclosure.id):
        raise ServiceError(_("A listing or disclosure with this application number already exists."))
    if filed_on > timezones.today():
        raise ServiceError(_("The date is in the future."))
    disclosure.application_number, disclosure.filed_on = number, filed_on
    disclosure.filing_kind, disclosure.outcome = kind, FilingOutcome.PENDING
    audit.record("disclosure.filed", actor=actor, target=disclosure, number=number,
                 day=filed_on.isoformat())
    db.session.commit()
    _tell_inventors(disclosure, "disclosures.filed", day=filed_on.isoformat())


def record_outcome(actor: User, disclosure: Disclosure, outcome: FilingOutcome, on: date,
                   reason: str | None = None) -> None:
    """The tto records CNIPA's grant or refusal of the application."""
    check("disclosures.assess", disclosure, actor=actor)
    if disclosure.outcome is not FilingOutcome.PENDING:
        raise InvalidTransition(_("Only an application under examination is granted or refused."))
    if outcome not in (FilingOutcome.GRANTED, FilingOutcome.REFUSED):
        raise ServiceError(_("Choose granted or refused."))
    if on > timezones.today():
        raise ServiceError(_("The date is in the future."))
    if on < disclosure.filed_on:
        raise ServiceError(_("The date is before the application was filed."))
    reason = (reason or "").strip() or None
    if outcome is FilingOutcome.REFUSED and not reason:
        raise ServiceError(_("Say why the application was refused."))
    disclosure.outcome, disclosure.outcome_on, disclosure.refusal_reason = outcome, on, reason
    audit.record("disclosure.granted" if outcome is FilingOutcome.GRANTED else "disclosure.refused",
                 actor=actor, target=disclosure, number=disclosure.application_number,
                 day=on.isoformat(), reason=reason)
    listing = disclosure.listing
    if outcome is FilingOutcome.GRANTED and listing is not None and listing.is_editable:
        listings.update_listing(actor, listing, {"legal_status": LegalStatus.GRANTED,
                                                 "grant_date": on})  # commits with the outcome
    else:
        db.session.commit()
    _tell_inventors(disclosure, "disclosures.outcome", outcome=outcome.value)


def listing_values(actor: User, disclosure: Disclosure) -> dict:
    """The listing draft's values, taken from the disclosure, its assessment and its filing."""
    assessment = disclosure.assessment
    abstract = f"{disclosure.problem}\n{disclosure.solution}"[:5000]
    names = ", ".join(i.name for i in disclosure.inventors)[:300]
    accounts = [i.user_id for i in disclosure.inventors
                if i.user is not None and i.user.role is Role.INVENTOR]
    return {
        "kind": ListingKind(disclosure.filing_kind), "title": disclosure.title,
        "abstract": abstract, "field": assessment.market_field, "inventors": names,
        "application_number": disclosure.application_number,
        "application_date": disclosure.filed_on,
        "grant_date": disclosure.outcome_on if disclosure.outcome is FilingOutcome.GRANTED else None,
        "legal_status": LEGAL_STATUS[disclosure.outcome], "grade": assessment.grade,
        "trl": assessment.trl, "contact_name": actor.name, "contact_email": actor.email,
        "contact_phone": actor.phone, "inventor_user_ids": accounts,
    }


def make_listing(actor: User, disclosure: Disclosure) -> Listing:
    """A pending or granted patent becomes a listing draft; the confirmed shares become the
    listing's contribution shares in the ledger."""
    check("disclosures.assess", disclosure, actor=actor)
    if disclosure.outcome not in LEGAL_STATUS:
        raise InvalidTransition(_("A listing is made from a pending or granted patent."))
    if disclosure.listing_id is not None:
        raise InvalidTransition(_("This disclosure already has its listing."))
    listing = listings.create_listing(actor, listing_values(actor, disclosure), commit=False,
                                      is_demo=disclosure.is_demo)
    disclosure.listing, disclosure.listed_at = listing, utcnow()
    audit.record("disclosure.listed", actor=actor, target=disclosure, listing_id=listing.id)
    rows = [{"name": i.name, "user_id": i.user_id, "share_pct": i.share_pct}
            for i in disclosure.inventors]
    ledger.save_shares(actor, listing, rows)  # commits the listing, the link and the shares at once
    return listing
