"""Every state change of a listing and its attachments goes through a function here."""

from flask_babel import gettext as _
from sqlalchemy import func, select

from marketplace import uploads
from marketplace.accounts.models import Role, User
from marketplace.audit import services as audit
from marketplace.db_types import utcnow
from marketplace.errors import InvalidTransition, ServiceError
from marketplace.extensions import db
from marketplace.licences.eligibility import announced_declaration
from marketplace.listings import (
    patentno,
    search,  # noqa: F401  (its flush hook keeps the index in step)
)
from marketplace.listings.models import (
    Attachment,
    ConversionMode,
    LegalStatus,
    Listing,
    ListingMode,
    ListingState,
)
from marketplace.needs.hooks import listing_changed
from marketplace.permissions import check
from marketplace.portfolio import services as portfolio

#: (state, action) -> (new state, audit event).
TRANSITIONS = {
    (ListingState.DRAFT, "publish"): (ListingState.PUBLISHED, "listing.published"),
    (ListingState.SUSPENDED, "publish"): (ListingState.PUBLISHED, "listing.reinstated"),
    (ListingState.PUBLISHED, "suspend"): (ListingState.SUSPENDED, "listing.suspended"),
    (ListingState.PUBLISHED, "convert"): (ListingState.CONVERTED, "listing.converted"),
    (ListingState.DRAFT, "withdraw"): (ListingState.WITHDRAWN, "listing.withdrawn"),
    (ListingState.PUBLISHED, "withdraw"): (ListingState.WITHDRAWN, "listing.withdrawn"),
    (ListingState.SUSPENDED, "withdraw"): (ListingState.WITHDRAWN, "listing.withdrawn"),
}
#: Fields a listing form or import row carries (besides ``modes``).
FIELDS = ("kind", "title", "abstract", "field", "ipc_codes", "keywords", "inventors",
          "application_number", "application_date", "grant_date", "legal_status", "grade", "trl",
          "asking_price", "terms", "contact_name", "contact_email", "contact_phone")


def application_number_taken(number: str | None, exclude_id: int | None = None) -> bool:
    """Whether another listing has this application number, however it is typed (full width,
    prefix, spaces): numbers are stored and compared in their canonical form."""
    number = patentno.normalise(number) if number else None
    if not number:
        return False
    query = select(func.count()).select_from(Listing).where(Listing.application_number == number)
    if exclude_id is not None:
        query = query.where(Listing.id != exclude_id)
    return db.session.scalar(query) > 0


def _apply(listing: Listing, data: dict) -> list[str]:
    """Copy validated values onto the listing; return the names of the fields that changed."""
    changed = []
    if data.get("application_number"):  # identifiers are stored in their canonical form
        data = {**data, "application_number": patentno.normalise(data["application_number"])}
    for name in FIELDS:
        if name in data and getattr(listing, name) != data[name]:
            setattr(listing, name, data[name])
            changed.append(name)
    if not listing.kind.is_patent:
        listing.application_number = None
        listing.legal_status = LegalStatus.NOT_APPLICABLE
    if "modes" in data:
        wanted = set(data["modes"])
        _check_open_licence(listing, wanted)
        if wanted != listing.mode_set:
            listing.modes = [ListingMode(mode=mode) for mode in sorted(wanted, key=lambda m: m.value)]
            changed.append("modes")
    if "inventor_user_ids" in data:
        users = db.session.scalars(select(User).where(
            User.id.in_(data["inventor_user_ids"] or []),
            User.organisation_id == listing.organisation_id, User.role == Role.INVENTOR)).all()
        if {u.id for u in users} != {u.id for u in listing.inventor_users}:
            listing.inventor_users = list(users)
            changed.append("inventor_users")
    return changed


def open_licence_announced(listing: Listing) -> bool:
    """Whether the listing has an announced, not withdrawn, open-licence declaration: the open-licence
    mode follows it (``licences.services`` adds and removes the mode as it is announced and withdrawn)."""
    if listing.id is None:
        return False
    with db.session.no_autoflush:  # asked halfway through an edit: nothing is written for it
        return announced_declaration(listing.id) is not None


def open_licence_mode_problem(listing: Listing | None, wanted: set[ConversionMode]) -> str | None:
    """Why these modes cannot be saved for the listing as far as the open licence goes, or None.

    Nobody ticks "open licence" by hand: it is offered exactly while a declaration is announced, so
    a company that follows the chip finds a declaration to accept."""
    announced = listing is not None and open_licence_announced(listing)
    page = _("Open licences and agreements")
    if ConversionMode.OPEN_LICENCE in wanted and not announced:
        if listing is None or listing.id is None:
            return _("Open licence is offered once the patent's open-licence declaration is announced. "
                     "Save the listing without it, then on the listing's page open “%(page)s”, "
                     "declare the open licence and record CNIPA's announcement: the mode is then "
                     "added for you.", page=page)
        return _("Open licence is offered once the patent's open-licence declaration is announced. "
                 "Declare it under “%(page)s” on the listing's page and record CNIPA's "
                 "announcement: the mode is then added for you.", page=page)
    if ConversionMode.OPEN_LICENCE not in wanted and announced:
        return _("This patent's open-licence declaration is announced, so it stays offered under an "
                 "open licence. To stop offering it, withdraw the declaration under “%(page)s”.",
                 page=page)
    return None


def _check_open_licence(listing: Listing, wanted: set[ConversionMode]) -> None:
    problem = open_licence_mode_problem(listing, wanted)
    if problem:
        raise ServiceError(problem)


def _check_unique(listing: Listing) -> None:
    if application_number_taken(listing.application_number, exclude_id=listing.id):
        raise ServiceError(_("A listing with this application number already exists."))


def create_listing(actor: User, data: dict, *, commit: bool = True, is_demo: bool = False) -> Listing:
    """A tto creates a draft listing for their university."""
    check("listings.publish", actor=actor)
    listing = Listing(organisation_id=actor.organisation_id, created_by_id=actor.id,
                      state=ListingState.DRAFT, is_demo=is_demo)
    listing.organisation = actor.organisation
    _apply(listing, data)
    _check_unique(listing)
    db.session.add(listing)
    db.session.flush()
    audit.record("listing.created", actor=actor, target=listing, title=listing.title)
    if commit:
        db.session.commit()
    return listing


def update_listing(actor: User, listing: Listing, data: dict) -> list[str]:
    """A tto edits a listing that is not closed; a published one is re-indexed at once."""
    check("listings.edit", listing, actor=actor)
    if not listing.is_editable:
        raise InvalidTransition(_("A converted or withdrawn listing can no longer be edited."))
    try:
        if data.get("grade") is not None and data["grade"] is not listing.grade:
            # the grade history is written in one place (the portfolio's service)
            portfolio.record_grade(actor, listing, data["grade"], None)
            data = {**data}
            data.pop("grade")
            changed = ["grade", *_apply(listing, data)]
        else:
            changed = _apply(listing, data)
        if not changed:
            return []
        _check_unique(listing)
        listing.updated_at = utcnow()  # a published listing is indexed again at flush (search.py)
        listing_changed(listing)  # re-matched against technology needs once this commits
        audit.record("listing.updated", actor=actor, target=listing, fields=",".join(changed))
        db.session.commit()
    except ServiceError:
        # A refusal (e.g. an exclusive licence while an open-licence declaration is active, raised
        # at flush) must leave nothing pending in the session: the edit form is shown again.
        db.session.rollback()
        raise
    return changed


def transition(actor: User, listing: Listing, action: str, reason: str | None = None, *,
               commit: bool = True) -> None:
    """Move a listing through its states (publish, suspend, convert, withdraw)."""
    check("listings.edit", listing, actor=actor)
    try:
        new_state, event = TRANSITIONS[(listing.state, action)]
    except KeyError:
        raise InvalidTransition(_("This listing cannot be changed that way in its current state.")) \
            from None
    reason = (reason or "").strip() or None
    if action in ("suspend", "withdraw") and not reason:
        raise ServiceError(_("Give a reason; it is kept with the listing."))
    listing.state = new_state
    listing.state_reason = reason
    if new_state is ListingState.PUBLISHED:  # indexed (or taken out) at flush: search.py
        listing.published_at = listing.published_at or utcnow()
    listing_changed(listing)  # re-matched against technology needs once this commits
    audit.record(event, actor=actor, target=listing, reason=reason)
    if commit:
        db.session.commit()


def add_attachment(actor: User, listing: Listing, stream, filename: str) -> Attachment:
    """Store an uploaded PDF or image under a name the server makes."""
    check("listings.edit", listing, actor=actor)
    columns = uploads.store(stream, filename)
    attachment = Attachment(listing=listing, uploaded_by_id=actor.id, **columns)
    db.session.add(attachment)
    db.session.flush()
    audit.record("listing.attachment_added", actor=actor, target=listing,
                 file=attachment.original_name)
    db.session.commit()
    return attachment


def remove_attachment(actor: User, attachment: Attachment) -> None:
    """Delete an attachment and its file."""
    listing = attachment.listing
    check("listings.edit", listing, actor=actor)
    stored_name, name = attachment.stored_name, attachment.original_name
    db.session.delete(attachment)
    audit.record("listing.attachment_removed", actor=actor, target=listing, file=name)
    db.session.commit()
    uploads.discard(stored_name)

