"""Background jobs that recompute stored matches (``marketplace.jobs``; inline in tests)."""

from marketplace.extensions import db
from marketplace.jobs import services as jobs
from marketplace.listings.models import Listing
from marketplace.needs import matching
from marketplace.needs.models import Need, PreferenceProfile

MATCH_NEED = "needs.match_need"
MATCH_PROFILE = "needs.match_profile"
MATCH_LISTINGS = "needs.match_listings"


@jobs.register(MATCH_NEED)
def match_need(job, need_id: int) -> dict:
    """Recompute one need's ranked listings."""
    need = db.session.get(Need, need_id)
    return {"matches": matching.recompute_need(need) if need is not None else 0}


@jobs.register(MATCH_PROFILE)
def match_profile(job, profile_id: int) -> dict:
    """Recompute one preference profile's recommendations."""
    profile = db.session.get(PreferenceProfile, profile_id)
    return {"matches": matching.recompute_profile(profile) if profile is not None else 0}


@jobs.register(MATCH_LISTINGS)
def match_listings(job, listing_ids: list[int]) -> dict:
    """Re-score changed listings against every active need and profile."""
    stored = 0
    jobs.report_progress(job, 0, len(listing_ids))
    for done, listing_id in enumerate(listing_ids, start=1):
        listing = db.session.get(Listing, listing_id)
        if listing is not None:
            stored += matching.recompute_listing(listing)
        if done % 50 == 0:
            jobs.report_progress(job, done)
    return {"listings": len(listing_ids), "matches": stored}
