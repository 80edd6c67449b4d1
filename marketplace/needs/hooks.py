"""The one call the listings service makes when a listing changes: ``listing_changed(listing)``.

It only notes the listing's id on the session. When that session commits, the noted listings are
re-matched against the active needs and profiles through the job interface
(``needs.match_listings``), from a fresh application context so the job gets its own session;
nothing is submitted when the transaction rolls back, and a bulk change (an import, the demo
load) gives one job per commit. Nothing is submitted when there is nothing to match against
and no stored match to remove.
"""

import logging

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

_KEY = "needs.changed_listings"
log = logging.getLogger(__name__)


def listing_changed(listing) -> None:
    """Note that a listing was published, edited, suspended, converted or withdrawn."""
    if listing.id is not None:
        from marketplace.extensions import db

        db.session.info.setdefault(_KEY, set()).add(listing.id)


@event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    ids = session.info.pop(_KEY, None)
    if not ids or not has_app_context():
        return
    app = current_app._get_current_object()
    try:
        with app.app_context():
            _submit(sorted(ids))
    except Exception:  # noqa: BLE001 - the listing change is committed; matching must not undo the request
        log.exception("could not submit the re-matching of listings %s", sorted(ids))


@event.listens_for(Session, "after_rollback")
def _after_rollback(session) -> None:
    session.info.pop(_KEY, None)


def _submit(ids: list[int]) -> None:
    from marketplace.extensions import db
    from marketplace.jobs import services as jobs
    from marketplace.needs import jobs as needs_jobs
    from marketplace.needs.models import Match, Need, NeedState, PreferenceProfile

    wanted = db.session.scalar(sa.select(sa.or_(
        sa.exists().where(Need.state.in_([NeedState.DRAFT, NeedState.OPEN])),
        sa.exists().where(PreferenceProfile.id.isnot(None)),
        sa.exists().where(Match.listing_id.in_(ids)))))
    if wanted:
        jobs.submit(needs_jobs.MATCH_LISTINGS, {"listing_ids": ids})
