"""Every state change of an open-licence declaration and of a recorded agreement goes through a
function here (licences taken under a declaration: ``licensing``)."""

from datetime import date
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from marketplace import amounts, uploads
from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.db_types import utcnow
from marketplace.errors import InvalidTransition, ServiceError
from marketplace.extensions import db
from marketplace.licences import eligibility
from marketplace.licences.models import (
    AgreementKind,
    CoOwner,
    DeclarationState,
    OpenLicenceDeclaration,
    RecordedAgreement,
)
from marketplace.listings import search
from marketplace.listings.models import ConversionMode, Listing, ListingMode, ListingState
from marketplace.needs.hooks import listing_changed
from marketplace.permissions import check

#: (state, action) -> (new state, audit event). The one table of declaration transitions.
TRANSITIONS = {
    (DeclarationState.DRAFT, "submit"): (DeclarationState.SUBMITTED, "open_licence.submitted"),
    (DeclarationState.SUBMITTED, "announce"): (DeclarationState.ANNOUNCED, "open_licence.announced"),
    (DeclarationState.SUBMITTED, "withdraw"): (DeclarationState.WITHDRAWN, "open_licence.withdrawn"),
    (DeclarationState.ANNOUNCED, "withdraw"): (DeclarationState.WITHDRAWN, "open_licence.withdrawn"),
}
#: Fields of a declaration the form carries (co-owners separately).
FIELDS = ("payment_method", "fee_amount", "royalty_base", "royalty_rate", "payment_standard",
          "term_end", "other_terms", "trial_days", "trial_trigger", "notice_email", "notice_address",
          "notice_phone", "pledged", "pledgee", "pledgee_consent_on", "evaluation_report")


class ExclusiveWhileOpen(InvalidTransition):
    """A sole or exclusive licence was recorded or offered while an open licence is active."""


def exclusive_refused_message() -> str:
    return _("This patent is under an open-licence declaration: no exclusive or sole licence may be "
             "granted or offered while it is active (Patent Law art. 51). Withdraw the declaration "
             "first; licences already granted under it stay valid.")


def today() -> date:
    return utcnow().date()


# --- Declarations ------------------------------------------------------------------------------

#: Names and numbers a declaration needs: blank or whitespace-only text counts as not given, so
#: a caller other than the form (which strips them too) cannot pass "   " off as an evaluation
#: report or a pledgee.
BLANK_IS_MISSING = ("evaluation_report", "pledgee")


def _apply(declaration: OpenLicenceDeclaration, data: dict) -> None:
    for name in FIELDS:
        if name in data:
            value = data[name]
            if name in BLANK_IS_MISSING and isinstance(value, str):
                value = value.strip() or None
            setattr(declaration, name, value)
    method = declaration.payment_method
    if not method.has_fee:
        declaration.fee_amount = None
    if not method.has_royalty:
        declaration.royalty_base = declaration.royalty_rate = None
    if not declaration.pledged:
        declaration.pledgee = declaration.pledgee_consent_on = None
    if not declaration.trial_days:
        declaration.trial_days = declaration.trial_trigger = None
    if "co_owners" in data:
        declaration.co_owners = [CoOwner(name=name, consented=consented, consented_on=on)
                                 for name, consented, on in data["co_owners"]]
    if "fees_paid" in data:
        if data["fees_paid"] and declaration.fees_paid_declared_on is None:
            declaration.fees_paid_declared_on = data.get("fees_paid_on") or today()
        elif not data["fees_paid"]:
            declaration.fees_paid_declared_on = None
        elif data.get("fees_paid_on"):
            declaration.fees_paid_declared_on = data["fees_paid_on"]


def _check_terms(declaration: OpenLicenceDeclaration) -> None:
    method = declaration.payment_method
    try:
        if declaration.fee_amount is not None:
            declaration.fee_amount = amounts.check(declaration.fee_amount)
        if declaration.royalty_rate is not None:
            declaration.royalty_rate = amounts.check(declaration.royalty_rate,
                                                     digits=amounts.PERCENT_DIGITS,
                                                     places_message=amounts.PERCENT_PLACES)
    except amounts.BadNumber as error:
        raise ServiceError(str(error.message)) from None
    if not eligibility.method_is_consistent(method, declaration.fee_amount,
                                            declaration.royalty_base, declaration.royalty_rate):
        raise ServiceError(_("The payment method needs its amount or royalty rate."))
    if declaration.trial_days and not method.has_fee:
        raise ServiceError(_("A trial defers a fee: offer it with a lump sum or an entry fee."))


def create_declaration(actor: User, listing: Listing, data: dict, *, commit: bool = True,
                       is_demo: bool = False) -> OpenLicenceDeclaration:
    """A tto drafts an open-licence declaration for one of the university's patents."""
    check("licences.manage", listing, actor=actor)
    if not listing.kind.is_patent:
        raise ServiceError(_("Only a patent can be declared open; this listing is not a patent."))
    declaration = OpenLicenceDeclaration(listing=listing, organisation_id=listing.organisation_id,
                                         created_by_id=actor.id, state=DeclarationState.DRAFT,
                                         is_demo=is_demo)
    _apply(declaration, data)
    if declaration.fees_paid_declared_on is not None:
        declaration.fees_paid_declared_by_id = actor.id
    _check_terms(declaration)
    db.session.add(declaration)
    db.session.flush()
    audit.record("open_licence.created", actor=actor, target=declaration, listing=listing.id)
    if commit:
        db.session.commit()
    return declaration


def update_declaration(actor: User, declaration: OpenLicenceDeclaration, data: dict) -> None:
    """Edit a draft; a submitted declaration is what CNIPA has and is no longer edited here."""
    check("licences.manage", declaration.listing, actor=actor)
    if declaration.state is not DeclarationState.DRAFT:
        raise InvalidTransition(_("Only a draft declaration can be edited."))
    before = declaration.fees_paid_declared_on
    _apply(declaration, data)
    if declaration.fees_paid_declared_on != before and declaration.fees_paid_declared_on:
        declaration.fees_paid_declared_by_id = actor.id
    _check_terms(declaration)
    audit.record("open_licence.updated", actor=actor, target=declaration)
    db.session.commit()


def _lock(declaration: OpenLicenceDeclaration) -> OpenLicenceDeclaration:
    """Re-read the declaration with its row locked for this transaction (PostgreSQL)."""
    return db.session.scalars(select(OpenLicenceDeclaration)
                              .where(OpenLicenceDeclaration.id == declaration.id)
                              .with_for_update().execution_options(populate_existing=True)).one()


def _lock_listing(listing_id: int) -> Listing:
    return db.session.scalars(select(Listing).where(Listing.id == listing_id)
                              .with_for_update().execution_options(populate_existing=True)).one()


def transition(actor: User, declaration: OpenLicenceDeclaration, action: str, *,
               number: str | None = None, announced_on: date | None = None,
               reason: str | None = None, commit: bool = True) -> OpenLicenceDeclaration:
    """Submit, announce or withdraw a declaration: the one place its state changes."""
    if action == "announce":
        check("licences.manage_declaration", declaration, actor=actor)
    else:
        check("licences.manage", declaration.listing, actor=actor)
    listing = _lock_listing(declaration.listing_id)  # one active declaration per patent, no racing
    declaration = _lock(declaration)
    try:
        new_state, event_name = TRANSITIONS[(declaration.state, action)]
    except KeyError:
        raise InvalidTransition(_("This declaration cannot be changed that way in its current "
                                  "state.")) from None
    details = {}
    if action == "submit":
        result = eligibility.check(declaration, today())
        if not result.ok:
            raise ServiceError(_("The declaration cannot be submitted yet: %(reasons)s",
                                 reasons=" ".join(result.errors)))
        declaration.submitted_at = utcnow()
        details["warnings"] = len(result.warnings) or None
    elif action == "announce":
        number = (number or "").strip()
        if not number or announced_on is None:
            raise ServiceError(_("Give CNIPA's announcement number and date."))
        if announced_on > today():
            raise ServiceError(_("The announcement date cannot be in the future."))
        declaration.announcement_number, declaration.announced_on = number[:64], announced_on
        details.update(number=number, date=announced_on.isoformat())
    else:
        reason = (reason or "").strip()
        if not reason:
            raise ServiceError(_("Give the reason for the withdrawal; it is kept with the "
                                 "declaration."))
        declaration.withdrawal_reason, declaration.withdrawn_at = reason, utcnow()
        details["reason"] = reason[:500]
    declaration.state = new_state
    if action == "announce":
        details["mode_added"] = _offer_open_licence(listing, True) or None
    elif action == "withdraw" and eligibility.active_declaration(
            listing.id, exclude_id=declaration.id) is None:
        details["mode_removed"] = _offer_open_licence(listing, False) or None
    audit.record(event_name, actor=actor, target=declaration, **details)
    if commit:
        db.session.commit()
    return declaration


def _offer_open_licence(listing: Listing, offered: bool) -> bool:
    """Add (announcement) or remove (withdrawal) the open-licence conversion mode of the listing,
    so the search facet and the matching follow the declaration; True when it changed."""
    current = [m for m in listing.modes if m.mode is ConversionMode.OPEN_LICENCE]
    if bool(current) == offered:
        return False
    if offered:
        listing.modes.append(ListingMode(mode=ConversionMode.OPEN_LICENCE))
    else:
        for mode in current:
            listing.modes.remove(mode)
    listing.updated_at = utcnow()
    if listing.state is ListingState.PUBLISHED:
        db.session.flush()
        search.index(listing)
    listing_changed(listing)  # re-matched against technology needs once this commits
    return True


def public_declarations() -> list[OpenLicenceDeclaration]:
    """Announced declarations anyone may accept, newest announcement first."""
    return list(db.session.scalars(
        select(OpenLicenceDeclaration).where(OpenLicenceDeclaration.state == DeclarationState.ANNOUNCED)
        .order_by(OpenLicenceDeclaration.announced_on.desc(), OpenLicenceDeclaration.id.desc())))


# --- Agreements negotiated elsewhere, recorded on the listing ------------------------------------

def record_agreement(actor: User, listing: Listing, data: dict, upload=None) -> RecordedAgreement:
    """Record an ordinary/sole/exclusive licence, transfer or equity deal made off the platform."""
    check("licences.manage", listing, actor=actor)
    _lock_listing(listing.id)
    kind: AgreementKind = data["kind"]
    if kind.is_exclusive and eligibility.active_declaration(listing.id) is not None:
        raise ExclusiveWhileOpen(exclusive_refused_message())
    if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
        raise ServiceError(_("The term ends before it starts."))
    agreement = RecordedAgreement(listing=listing, organisation_id=listing.organisation_id,
                                  recorded_by_id=actor.id, **data)
    if upload is not None:
        _store_document(agreement, upload)
    db.session.add(agreement)
    db.session.flush()
    audit.record("agreement.recorded", actor=actor, target=agreement, listing=listing.id,
                 kind=kind.value, counterparty=agreement.counterparty,
                 amount=str(agreement.amount) if agreement.amount is not None else None)
    db.session.commit()
    return agreement


def _store_document(agreement: RecordedAgreement, upload) -> None:
    columns = uploads.store(upload.stream, upload.filename, types=uploads.PDF_ONLY,
                            refused=_("The signed agreement must be a PDF file."))
    agreement.stored_name, agreement.document_sha256 = columns["stored_name"], columns["sha256"]
    agreement.document_name = Path(upload.filename or "").name[:200] or "agreement.pdf"


def terminate_agreement(actor: User, agreement: RecordedAgreement, day: date, reason: str) -> None:
    """Record that an agreement ended early (never deleted; the record stays)."""
    check("licences.manage", agreement.listing, actor=actor)
    if agreement.terminated_on is not None:
        raise InvalidTransition(_("This agreement is already recorded as ended."))
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Give a reason; it is kept with the agreement."))
    agreement.terminated_on, agreement.termination_reason = day, reason
    audit.record("agreement.terminated", actor=actor, target=agreement, reason=reason[:500],
                 day=day.isoformat())
    db.session.commit()


# --- The invariant, whoever writes the listing ----------------------------------------------------

_EXCLUSIVE_MODES = {ConversionMode.SOLE_LICENCE, ConversionMode.EXCLUSIVE_LICENCE}


@event.listens_for(Session, "before_flush")
def _refuse_exclusive_while_open(session, flush_context, instances) -> None:
    """No listing offers, and no agreement records, a sole or exclusive licence while the patent
    has an active declaration, whichever feature writes it (the listing form, the importer...)."""
    listing_ids = set()
    with session.no_autoflush:
        for obj in session.new:
            if isinstance(obj, RecordedAgreement) and obj.kind.is_exclusive:
                listing_ids.add(obj.listing_id or obj.listing.id)
        for obj in session.dirty:
            if isinstance(obj, Listing) and obj.id and _EXCLUSIVE_MODES & obj.mode_set:
                listing_ids.add(obj.id)
    if not listing_ids:
        return
    with session.no_autoflush:
        active = session.scalar(select(OpenLicenceDeclaration.id).where(
            OpenLicenceDeclaration.listing_id.in_(listing_ids),
            OpenLicenceDeclaration.state.in_([DeclarationState.SUBMITTED,
                                              DeclarationState.ANNOUNCED])).limit(1))
    if active is not None:
        raise ExclusiveWhileOpen(exclusive_refused_message())
