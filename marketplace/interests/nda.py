"""Reading a listing's NDA: its current version, and whether an organisation is in a position to
accept it (an accepted interest) or has accepted it. Changes go through ``confidential``."""

from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.interests.models import (
    ACCEPTED_STATUSES,
    INTERESTED_ROLES,
    Interest,
    NdaAcceptance,
    NdaVersion,
)
from marketplace.listings.models import Listing


def current_nda(listing: Listing) -> NdaVersion | None:
    return db.session.scalar(select(NdaVersion).where(NdaVersion.listing_id == listing.id)
                             .order_by(NdaVersion.number.desc()).limit(1))


def accepted_interest(user: User, listing: Listing) -> Interest | None:
    """The user's organisation's interest in the listing that the university accepted, if any."""
    if not user.is_authenticated or user.role not in INTERESTED_ROLES or not user.organisation_id:
        return None
    return db.session.scalar(select(Interest).where(
        Interest.listing_id == listing.id, Interest.organisation_id == user.organisation_id,
        Interest.status.in_(ACCEPTED_STATUSES)).order_by(Interest.id.desc()).limit(1))


def acceptance(user: User, nda: NdaVersion | None) -> NdaAcceptance | None:
    if nda is None or not user.is_authenticated or not user.organisation_id:
        return None
    return db.session.scalar(select(NdaAcceptance).where(
        NdaAcceptance.nda_version_id == nda.id,
        NdaAcceptance.organisation_id == user.organisation_id))
