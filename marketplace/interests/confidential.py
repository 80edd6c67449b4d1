"""Changes to a listing's NDA (versioned text) and its confidential files, and their acceptance.

Who may open them: ``interests.open_confidential`` in ``marketplace/permissions/interests.py``.
"""

import hashlib

from flask import has_request_context, request
from flask_babel import gettext as _
from sqlalchemy import func, select

from marketplace import uploads
from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.db_types import utcnow
from marketplace.errors import InvalidTransition, NotAllowed, ServiceError
from marketplace.extensions import db
from marketplace.interests import notices
from marketplace.interests.models import (
    ACCEPTED_STATUSES,
    ConfidentialFile,
    Interest,
    InterestEvent,
    NdaAcceptance,
    NdaVersion,
)
from marketplace.interests.nda import acceptance, accepted_interest, current_nda
from marketplace.listings.models import Listing
from marketplace.permissions import can, check

MAX_NDA = 20000


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def set_nda(actor: User, listing: Listing, text: str) -> NdaVersion | None:
    """The tto writes or changes the NDA; a changed text becomes a new version."""
    if not can("listings.edit", listing, user=actor):
        raise NotAllowed(_("Only the university's technology-transfer officers edit the NDA."))
    text = (text or "").strip().replace("\r\n", "\n")
    if not text:
        raise ServiceError(_("The NDA text cannot be empty."))
    if len(text) > MAX_NDA:
        raise ServiceError(_("The NDA may have at most %(n)d characters.", n=MAX_NDA))
    current = current_nda(listing)
    if current is not None and current.text == text:
        return None
    number = (db.session.scalar(select(func.max(NdaVersion.number)).where(
        NdaVersion.listing_id == listing.id)) or 0) + 1
    version = NdaVersion(listing_id=listing.id, number=number, text=text, sha256=text_hash(text),
                         created_by_id=actor.id, created_at=utcnow())
    db.session.add(version)
    db.session.flush()
    audit.record("nda.version_created", actor=actor, target=listing, version=number,
                 sha256=version.sha256)
    db.session.commit()
    if number > 1:  # organisations that accepted an earlier version must accept this one
        for interest in db.session.scalars(select(Interest).where(
                Interest.listing_id == listing.id, Interest.status.in_(ACCEPTED_STATUSES))):
            notices.send(actor, interest, "interests.nda_changed", version=number)
    return version


def accept_nda(actor: User, listing: Listing, version_id: int, sha256: str) -> NdaAcceptance:
    """An interested organisation's member accepts the NDA version they were shown."""
    check("interests.accept_nda", listing, actor=actor)
    interest = accepted_interest(actor, listing)
    nda = current_nda(listing)
    if nda is None:
        raise InvalidTransition(_("This listing has no NDA."))
    if nda.id != version_id or nda.sha256 != sha256:
        raise InvalidTransition(_("The NDA was changed while you read it. Read the new text."))
    existing = acceptance(actor, nda)
    if existing is not None:
        return existing
    record = NdaAcceptance(
        nda_version_id=nda.id, organisation_id=actor.organisation_id, user_id=actor.id,
        interest_id=interest.id, user_name=actor.name, user_email=actor.email,
        text_sha256=nda.sha256, accepted_at=utcnow())
    if has_request_context():
        record.ip = request.remote_addr
        record.user_agent = (request.user_agent.string or "")[:255]
    db.session.add(record)
    interest.events.append(InterestEvent(actor_id=actor.id, organisation_id=actor.organisation_id,
                                         action="nda_accepted"))
    db.session.flush()
    audit.record("nda.accepted", actor=actor, target=listing, version=nda.number,
                 sha256=nda.sha256, interest=interest.id)
    db.session.commit()
    notices.send(actor, interest, "interests.nda", version=nda.number)
    return record


def add_file(actor: User, listing: Listing, upload) -> ConfidentialFile:
    """The tto adds a confidential file (checked like public attachments)."""
    if not can("listings.edit", listing, user=actor):
        raise NotAllowed(_("Only the university's technology-transfer officers add confidential "
                           "files."))
    stored = uploads.store(upload.stream, upload.filename)
    item = ConfidentialFile(listing_id=listing.id, uploaded_by_id=actor.id, **stored)
    db.session.add(item)
    db.session.flush()
    audit.record("confidential.file_added", actor=actor, target=listing, file=item.original_name)
    db.session.commit()
    return item


def remove_file(actor: User, item: ConfidentialFile) -> None:
    listing = db.session.get(Listing, item.listing_id)
    if not can("listings.edit", listing, user=actor):
        raise NotAllowed(_("Only the university's technology-transfer officers remove confidential "
                           "files."))
    stored_name, name = item.stored_name, item.original_name
    db.session.delete(item)
    audit.record("confidential.file_removed", actor=actor, target=listing, file=name)
    db.session.commit()
    uploads.discard(stored_name)


def record_download(actor: User, item: ConfidentialFile) -> None:
    """Every download of a confidential file is kept in the audit log."""
    listing = db.session.get(Listing, item.listing_id)
    audit.record("confidential.downloaded", actor=actor, target=listing, file=item.original_name,
                 file_id=item.id)
    db.session.commit()


def files_of(listing: Listing) -> list[ConfidentialFile]:
    return list(db.session.scalars(select(ConfidentialFile).where(
        ConfidentialFile.listing_id == listing.id).order_by(ConfidentialFile.id)))
