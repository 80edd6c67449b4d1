"""The inventor's workbench: new interest in the listings they are named on, and the views and
interest each listing draws. The roadshows that present them come from ``events``."""

from datetime import timedelta

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from sqlalchemy import func, select

from marketplace import timezones
from marketplace.extensions import db
from marketplace.interests.labels import INTENT_LABELS
from marketplace.interests.models import LIVE_STATUSES, Interest, ListingViewDay
from marketplace.listings.models import listing_inventor_users
from marketplace.listings.queries import inventor_listings
from marketplace.main.workbench.core import Item, Section, contributes, count_of, section

AUDIENCE = "inventor"
#: The window of the view counts.
VIEWS_OVER = timedelta(days=30)


def new_interest(user):
    """Interest expressed in the user's listings since they last marked it seen, newest first."""
    mine = select(listing_inventor_users.c.listing_id).where(
        listing_inventor_users.c.user_id == user.id)
    query = (select(Interest).where(Interest.listing_id.in_(mine))
             .order_by(Interest.created_at.desc(), Interest.id.desc()))
    if user.interests_seen_at is not None:
        query = query.where(Interest.created_at > user.interests_seen_at)
    return query


@contributes(AUDIENCE, 10)
def interests(user) -> Section:
    result = section(
        "new_interest", _l("New interest in your listings"), new_interest(user),
        lambda i: Item(i.listing.title, url_for("listings.detail", listing_id=i.listing_id),
                       meta=f"{i.organisation.name} · {INTENT_LABELS[i.intent]}",
                       when=i.created_at, when_label=pgettext("workbench", "Received")),
        _l("No new interest since you last looked."),
        note=_l("Your university's technology-transfer office answers them; you see who is "
                "interested."))
    if result.count:
        result.extra["seen_form"] = url_for("main.interests_seen")
    return result


def listing_figures(listing_ids: list[int]) -> tuple[dict[int, int], dict[int, int]]:
    """Views in the last 30 days and open interests, per listing (two grouped queries)."""
    since = timezones.today() - VIEWS_OVER
    views = dict(db.session.execute(
        select(ListingViewDay.listing_id, func.sum(ListingViewDay.views))
        .where(ListingViewDay.listing_id.in_(listing_ids), ListingViewDay.day > since)
        .group_by(ListingViewDay.listing_id)).all())
    live = dict(db.session.execute(
        select(Interest.listing_id, func.count())
        .where(Interest.listing_id.in_(listing_ids), Interest.status.in_(LIVE_STATUSES))
        .group_by(Interest.listing_id)).all())
    return views, live


@contributes(AUDIENCE, 20)
def listings(user) -> Section:
    query = inventor_listings(user.id)
    rows = db.session.scalars(query).all()
    views, live = listing_figures([listing.id for listing in rows])
    rows = sorted(rows, key=lambda listing: (-live.get(listing.id, 0), -views.get(listing.id, 0)))
    items = [Item(listing.title, url_for("listings.detail", listing_id=listing.id),
                  meta=_("%(views)d views in 30 days · %(interests)d open interests",
                         views=views.get(listing.id, 0), interests=live.get(listing.id, 0)))
             for listing in rows[:5]]
    return Section("listings", str(_l("Views and interest on your listings")), items,
                   count_of(query), str(_l("You are not named as an inventor on a listing yet.")),
                   url_for("listings.mine"), str(_l("All your listings")))
