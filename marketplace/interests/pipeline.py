"""Listing views (a per-listing, per-day counter) and the university's pipeline:
views → interests → in discussion → deals, and the decline reasons by month."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask import session
from sqlalchemy import func, select

from marketplace import timezones
from marketplace.extensions import db
from marketplace.interests.models import DeclineReason, Interest, InterestStatus, ListingViewDay
from marketplace.listings.models import Listing, ListingState
from marketplace.timezones import BEIJING
from marketplace.upsert import dialect_insert

#: Listing ids one browser session has been counted for today (bounded so the cookie stays small).
SESSION_KEY, SESSION_MAX = "lv", 200


_UPSERTS: dict[str, sa.Insert] = {}


def _upsert():
    """One statement: insert the day's row with 1 view, or add 1 to it (built once per dialect)."""
    dialect = db.session.get_bind().dialect.name
    statement = _UPSERTS.get(dialect)
    if statement is None:
        insert = dialect_insert(dialect)
        table = ListingViewDay.__table__
        statement = insert(table).values(
            listing_id=sa.bindparam("listing_id"), day=sa.bindparam("day"), views=1,
        ).on_conflict_do_update(index_elements=[table.c.listing_id, table.c.day],
                                set_={"views": table.c.views + 1})
        _UPSERTS[dialect] = statement
    return statement


def count_view(listing_id: int) -> bool:
    """Count a view of a listing page, once per browser session and day. True if counted."""
    day = timezones.today().isoformat()
    seen = session.get(SESSION_KEY)
    if not isinstance(seen, dict) or seen.get("d") != day:
        seen = {"d": day, "i": []}
    if listing_id in seen["i"]:
        return False
    db.session.execute(_upsert(), {"listing_id": listing_id, "day": timezones.today()})
    db.session.commit()
    seen["i"] = (seen["i"] + [listing_id])[-SESSION_MAX:]
    session[SESSION_KEY] = seen
    return True


def views_of(listing_id: int, since: date | None = None) -> int:
    query = select(func.coalesce(func.sum(ListingViewDay.views), 0)).where(
        ListingViewDay.listing_id == listing_id)
    if since is not None:
        query = query.where(ListingViewDay.day >= since)
    return db.session.scalar(query)


@dataclass
class Row:
    listing: Listing
    views: int = 0
    interests: int = 0
    discussion: int = 0
    deals: int = 0


@dataclass
class Pipeline:
    rows: list[Row]
    totals: Row
    #: How many listings the totals cover (the rows show the most active ``limit`` of them).
    listings: int = 0
    months: list[str] = field(default_factory=list)
    #: reason value -> counts per month (aligned with ``months``)
    declines: dict[str, list[int]] = field(default_factory=dict)


def pipeline(organisation_id: int, days: int | None = None, listing_id: int | None = None,
             limit: int = 50) -> Pipeline:
    """The funnel per listing of a university (optionally one listing, optionally recent days)."""
    since = timezones.today() - timedelta(days=days) if days else None
    since_dt = datetime.combine(since, datetime.min.time(), BEIJING).astimezone(UTC) if since else None
    listing_filter = [Listing.organisation_id == organisation_id,
                      Listing.state != ListingState.DRAFT]
    if listing_id is not None:
        listing_filter.append(Listing.id == listing_id)
    views = select(ListingViewDay.listing_id, func.sum(ListingViewDay.views).label("n")) \
        .group_by(ListingViewDay.listing_id)
    if since:
        views = views.where(ListingViewDay.day >= since)
    views = views.subquery()
    counted = select(
        Interest.listing_id,
        func.count().label("interests"),
        func.count(Interest.accepted_at).label("discussion"),
        func.sum(sa.case((Interest.status == InterestStatus.DEAL, 1), else_=0)).label("deals"),
    ).group_by(Interest.listing_id)
    if since_dt:
        counted = counted.where(Interest.created_at >= since_dt)
    counted = counted.subquery()
    query = (select(Listing, func.coalesce(views.c.n, 0), func.coalesce(counted.c.interests, 0),
                    func.coalesce(counted.c.discussion, 0), func.coalesce(counted.c.deals, 0))
             .outerjoin(views, views.c.listing_id == Listing.id)
             .outerjoin(counted, counted.c.listing_id == Listing.id)
             .where(*listing_filter)
             .order_by(func.coalesce(counted.c.interests, 0).desc(),
                       func.coalesce(views.c.n, 0).desc(), Listing.id)
             .limit(limit))
    rows = [Row(listing, int(v), int(i), int(d), int(n)) for listing, v, i, d, n in
            db.session.execute(query).all()]
    totals = _totals(organisation_id, since, since_dt, listing_id)
    result = Pipeline(rows=rows, totals=totals, listings=db.session.scalar(
        select(func.count()).select_from(Listing).where(*listing_filter)))
    _declines(result, organisation_id, listing_id)
    return result


def _totals(organisation_id, since, since_dt, listing_id) -> Row:
    """Totals over every listing (not only the rows shown)."""
    scope = select(Listing.id).where(Listing.organisation_id == organisation_id,
                                     Listing.state != ListingState.DRAFT)
    if listing_id is not None:
        scope = scope.where(Listing.id == listing_id)
    views = select(func.coalesce(func.sum(ListingViewDay.views), 0)).where(
        ListingViewDay.listing_id.in_(scope))
    if since:
        views = views.where(ListingViewDay.day >= since)
    counts = select(func.count(), func.count(Interest.accepted_at),
                    func.coalesce(func.sum(sa.case((Interest.status == InterestStatus.DEAL, 1),
                                                   else_=0)), 0)).where(
        Interest.listing_id.in_(scope))
    if since_dt:
        counts = counts.where(Interest.created_at >= since_dt)
    interests, discussion, deals = db.session.execute(counts).one()
    return Row(listing=None, views=int(db.session.scalar(views)), interests=int(interests),
               discussion=int(discussion), deals=int(deals))


def _declines(result: Pipeline, organisation_id: int, listing_id: int | None,
              months: int = 12) -> None:
    """Declined interests by month (local time) and reason, for the last ``months`` months."""
    now = datetime.now(UTC).astimezone(BEIJING)
    keys = []
    year, month = now.year, now.month
    for _ in range(months):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    keys.reverse()
    start = datetime(int(keys[0][:4]), int(keys[0][5:]), 1, tzinfo=BEIJING).astimezone(UTC)
    query = (select(Interest.closed_at, Interest.decline_reason).join(Listing)
             .where(Listing.organisation_id == organisation_id,
                    Interest.status == InterestStatus.DECLINED, Interest.closed_at >= start))
    if listing_id is not None:
        query = query.where(Interest.listing_id == listing_id)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for closed_at, reason in db.session.execute(query):
        counts[(reason or DeclineReason.OTHER).value][closed_at.astimezone(BEIJING).strftime("%Y-%m")] += 1
    result.months = keys
    result.declines = {reason.value: [counts[reason.value][key] for key in keys]
                       for reason in DeclineReason}
