"""Tell followers at once when a listing changes: no call from the listings service is needed.

Before a flush, the ids of changed listings are noted on the session; after the commit, if any of
them has followers, the ``alerts.follows`` job runs for them (from a fresh application context, so
it gets its own session). The job compares each follow's snapshot with the listing, so it only
tells about real changes of state or terms, and never twice; ``flask alerts run`` does the same
for every follow, as a safety net.
"""

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from marketplace.alerts.models import ListingFollow
from marketplace.extensions import db
from marketplace.jobs import services as jobs
from marketplace.jobs.after_commit import AfterCommit
from marketplace.listings.models import Listing


@event.listens_for(Session, "before_flush")
def _note(session, flush_context, instances) -> None:
    _changes.note(session, (obj.id for obj in session.dirty if isinstance(obj, Listing)))


def _submit(ids: list[int]) -> None:
    followed = list(db.session.scalars(select(ListingFollow.listing_id).where(
        ListingFollow.listing_id.in_(ids)).distinct()))
    if followed:
        jobs.submit("alerts.follows", {"listing_ids": followed})
    db.session.remove()


_changes = AfterCommit("alerts.changed_listings", _submit, "tell the followers of listings")
