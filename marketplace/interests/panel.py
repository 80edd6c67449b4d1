"""What a listing's page shows about interests, the NDA, confidential files and following, for
the viewer (``interest_panel(listing)`` in the templates)."""

from flask_login import current_user

from marketplace.alerts.services import is_following
from marketplace.interests import confidential
from marketplace.interests import services as interests
from marketplace.listings import services as listings
from marketplace.listings.models import Listing


def interest_panel(listing: Listing) -> dict:
    """The panel's facts about ``listing`` for the current user."""
    me = current_user
    nda = confidential.current_nda(listing)
    live = (interests.live_interest(me.organisation_id, listing.id)
            if interests.can_express(me) else None)
    return {
        "can_express": interests.can_express(me) and listing.state.value == "published",
        "live": live,
        "accepted": confidential.accepted_interest(me, listing),
        "nda": nda,
        "can_access": confidential.can_access(me, listing),
        "files": confidential.files_of(listing) if confidential.can_access(me, listing) else [],
        "is_owner": listings.can_edit(me, listing),
        "following": me.is_authenticated and is_following(me, listing),
    }
