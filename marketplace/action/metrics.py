"""The action's own metrics (listings and lists) and its fallback deal source.

Imported by ``marketplace.action.routes`` so they are registered whenever the app is built.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import distinct, func, select

from marketplace import timezones
from marketplace.action.registry import (
    DealRef,
    register_deal_source,
    register_metric,
    year_bounds,
)
from marketplace.audit.models import AuditEvent
from marketplace.extensions import db
from marketplace.listings.models import Grade, Listing, ListingKind, ListingState
from marketplace.lists.models import ListVersion, PublishedList

PATENT_KINDS = (ListingKind.INVENTION, ListingKind.UTILITY_MODEL, ListingKind.DESIGN)


def _published_in(year: int):
    start, end = year_bounds(year)
    return (Listing.published_at >= start) & (Listing.published_at < end)


def listings_published(org_id: int, year: int) -> int:
    """Listings (patents and achievements) first published in the year, whatever became of them."""
    return db.session.scalar(select(func.count()).select_from(Listing).where(
        Listing.organisation_id == org_id, _published_in(year)))


def high_value_patents_published(org_id: int, year: int) -> int:
    """Grade A patents (分级分类 A) first published in the year."""
    return db.session.scalar(select(func.count()).select_from(Listing).where(
        Listing.organisation_id == org_id, _published_in(year), Listing.grade == Grade.A,
        Listing.kind.in_(PATENT_KINDS)))


def lists_published(org_id: int, year: int) -> int:
    """The university's lists with at least one version published in the year."""
    start, end = year_bounds(year)
    return db.session.scalar(
        select(func.count(distinct(ListVersion.list_id)))
        .join(PublishedList, PublishedList.id == ListVersion.list_id)
        .where(PublishedList.organisation_id == org_id, ListVersion.published_at >= start,
               ListVersion.published_at < end))


def converted_listings(org_id: int, year: int) -> list[DealRef]:
    """Listings the university marked converted in the year (the mode and amount are unknown)."""
    start, end = year_bounds(year)
    rows = db.session.execute(
        select(Listing, func.max(AuditEvent.created_at))
        .join(AuditEvent, (AuditEvent.target_type == Listing.__tablename__)
              & (AuditEvent.target_id == Listing.id) & (AuditEvent.event == "listing.converted"))
        .where(Listing.organisation_id == org_id, Listing.state == ListingState.CONVERTED)
        .group_by(Listing.id)
        .having((func.max(AuditEvent.created_at) >= start) & (func.max(AuditEvent.created_at) < end)))
    refs = []
    for listing, at in rows:
        at = at if at.tzinfo else at.replace(tzinfo=start.tzinfo)
        refs.append(DealRef(key=f"listing:{listing.id}", listing_id=listing.id, mode=None,
                            concluded_on=timezones.local_date(at), title=listing.title,
                            extra={"note": listing.state_reason or ""}))
    return refs


register_metric("listings_published", _l("Listings published"), listings_published,
                _l("items"), order=10)
register_metric("high_value_patents_published", _l("High-value (grade A) patents published"),
                high_value_patents_published, _l("items"), order=20)
register_metric("lists_published", _l("Lists published"), lists_published, _l("lists"), order=30)
register_deal_source(converted_listings, name="action.converted_listings", fallback=True)
