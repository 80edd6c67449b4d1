"""What a listing's page shows about interests, the NDA, confidential files and following, for
the viewer (``interest_panel(listing)`` in the templates)."""

from flask_login import current_user

from marketplace.alerts.services import is_following
from marketplace.interests import confidential
from marketplace.interests import services as interests
from marketplace.interests.nda import accepted_interest, current_nda
from marketplace.listings.models import Listing
from marketplace.permissions import can


def interest_panel(listing: Listing) -> dict:
    """The panel's facts about ``listing`` for the current user."""
    me = current_user
    expresser = can("interests.express")
    opened = can("interests.open_confidential", listing)
    return {
        "can_express": expresser and listing.state.is_published,
        "live": interests.live_interest(me.organisation_id, listing.id) if expresser else None,
        "accepted": accepted_interest(me, listing),
        "nda": current_nda(listing),
        "can_access": opened,
        "files": confidential.files_of(listing) if opened else [],
        "is_owner": can("listings.edit", listing),
        "following": me.is_authenticated and is_following(me, listing),
    }
