"""The one call the listings service makes when a listing changes: ``listing_changed(listing)``.

It only notes the listing's id on the session. When that session commits, the noted listings are
re-matched against the active needs and profiles through the job interface
(``needs.match_listings``), from a fresh application context so the job gets its own session;
nothing is submitted when the transaction rolls back, and a bulk change (an import, the demo
load) gives one job per commit. Nothing is submitted when there is nothing to match against
and no stored match to remove.
"""

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.jobs import services as jobs
from marketplace.jobs.after_commit import AfterCommit
from marketplace.needs import jobs as needs_jobs
from marketplace.needs.models import Match, Need, NeedState, PreferenceProfile


def listing_changed(listing) -> None:
    """Note that a listing was published, edited, suspended, converted or withdrawn."""
    _changes.note(db.session, [listing.id])


def _submit(ids: list[int]) -> None:
    wanted = db.session.scalar(sa.select(sa.or_(
        sa.exists().where(Need.state.in_([NeedState.DRAFT, NeedState.OPEN])),
        sa.exists().where(PreferenceProfile.id.isnot(None)),
        sa.exists().where(Match.listing_id.in_(ids)))))
    if wanted:
        jobs.submit(needs_jobs.MATCH_LISTINGS, {"listing_ids": ids})


_changes = AfterCommit("needs.changed_listings", _submit, "submit the re-matching of listings")
