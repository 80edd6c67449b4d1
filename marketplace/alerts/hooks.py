"""Tell followers at once when a listing changes: no call from the listings service is needed.

Before a flush, the ids of changed listings are noted on the session; after the commit, if any of
them has followers, the ``alerts.follows`` job runs for them (from a fresh application context, so
it gets its own session). The job compares each follow's snapshot with the listing, so it only
tells about real changes of state or terms, and never twice; ``flask alerts run`` does the same
for every follow, as a safety net.
"""

import logging

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from marketplace.listings.models import Listing

_KEY = "alerts.changed_listings"
log = logging.getLogger(__name__)


@event.listens_for(Session, "before_flush")
def _note(session, flush_context, instances) -> None:
    changed = {obj.id for obj in session.dirty if isinstance(obj, Listing) and obj.id is not None}
    if changed:
        session.info.setdefault(_KEY, set()).update(changed)


@event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    ids = session.info.pop(_KEY, None)
    if not ids or not has_app_context():
        return
    app = current_app._get_current_object()
    try:
        with app.app_context():
            _submit(sorted(ids))
    except Exception:  # noqa: BLE001 - the listing change is committed; an alert must not undo it
        log.exception("could not tell the followers of listings %s", sorted(ids))


@event.listens_for(Session, "after_rollback")
def _after_rollback(session) -> None:
    session.info.pop(_KEY, None)


def _submit(ids: list[int]) -> None:
    from marketplace.alerts.models import ListingFollow
    from marketplace.extensions import db
    from marketplace.jobs import services as jobs

    followed = list(db.session.scalars(select(ListingFollow.listing_id).where(
        ListingFollow.listing_id.in_(ids)).distinct()))
    if followed:
        jobs.submit("alerts.follows", {"listing_ids": followed})
    db.session.remove()
