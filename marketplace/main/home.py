"""What the home page shows: new high-value listings, upcoming roadshows, open licences and the
action's figures, each from one small query (counts and LIMITed lists on indexed columns).

Roadshows belong to the ``events`` extension, which ``marketplace`` never imports: it registers
its two queries with ``register_roadshows`` (``events/home.py``); without it the page shows no
roadshow block.

The page is the most visited one, so the view serves it through ``listings.cache.page`` (kept per
viewer, language and database for ``SEARCH_CACHE_SECONDS``): a listing published or withdrawn
drops it at once in this process (the search index changes); a roadshow or a declaration
appears at the latest when the entry expires.
"""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from marketplace.action.sources import GRANTED_STATES
from marketplace.extensions import db
from marketplace.interests.models import Interest, InterestStatus
from marketplace.licences.models import (
    DeclarationState,
    OpenLicence,
    OpenLicenceDeclaration,
    RecordedAgreement,
)
from marketplace.listings import terms
from marketplace.listings.models import Listing, ListingState
from marketplace.orgs.models import Organisation, OrgKind, OrgStatus

LISTINGS = 6
ROADSHOWS = 3
LICENCES = 4


@dataclass(frozen=True)
class RoadshowSource:
    #: ``upcoming(limit)``: published or live roadshows not yet over, soonest first.
    upcoming: Callable[[int], list]
    #: ``held()``: how many roadshows have been held (ended).
    held: Callable[[], int]


_sources: dict[str, RoadshowSource] = {}


def register_roadshows(upcoming: Callable[[int], list], held: Callable[[], int]) -> None:
    """Called by the ``events`` extension when it is loaded."""
    _sources["roadshows"] = RoadshowSource(upcoming, held)


@dataclass(frozen=True)
class Figures:
    universities: int
    listings: int
    roadshows_held: int | None
    licences_granted: int
    deals: int


def new_listings(limit: int = LISTINGS) -> list[Listing]:
    """Published listings, grade A first, newest first within a grade."""
    return list(db.session.scalars(
        select(Listing).where(Listing.state == ListingState.PUBLISHED)
        .options(selectinload(Listing.organisation), selectinload(Listing.modes))
        .order_by(Listing.grade, Listing.published_at.desc(), Listing.id.desc()).limit(limit)))


def open_licences(limit: int = LICENCES) -> list[OpenLicenceDeclaration]:
    """Announced declarations (any company may accept them), newest announcement first."""
    return list(db.session.scalars(
        select(OpenLicenceDeclaration)
        .where(OpenLicenceDeclaration.state == DeclarationState.ANNOUNCED)
        .options(selectinload(OpenLicenceDeclaration.listing),
                 selectinload(OpenLicenceDeclaration.organisation))
        .order_by(OpenLicenceDeclaration.announced_on.desc(), OpenLicenceDeclaration.id.desc())
        .limit(limit)))


def upcoming_roadshows(limit: int = ROADSHOWS) -> list | None:
    """The next roadshows, or None when no roadshow feature is loaded."""
    source = _sources.get("roadshows")
    return source.upcoming(limit) if source else None


def _count(query) -> int:
    return db.session.scalar(query) or 0


def figures() -> Figures:
    """The action's figures on the platform, all time. Deals are interests concluded as deals
    plus agreements recorded on listings; licences granted are open licences accepted or in force
    (as the action's reports count them)."""
    source = _sources.get("roadshows")
    return Figures(
        universities=_count(select(func.count()).select_from(Organisation).where(
            Organisation.kind == OrgKind.UNIVERSITY, Organisation.status == OrgStatus.VERIFIED)),
        listings=terms.published_total(),  # the facet bitsets' count: no row is read
        roadshows_held=source.held() if source else None,
        licences_granted=_count(select(func.count()).select_from(OpenLicence)
                                .where(OpenLicence.state.in_(GRANTED_STATES))),
        deals=_count(select(func.count()).select_from(Interest)
                     .where(Interest.status == InterestStatus.DEAL))
        + _count(select(func.count()).select_from(RecordedAgreement)))


def page_data() -> dict:
    """Everything ``templates/main/index.html`` shows."""
    return {"listings": new_listings(), "roadshows": upcoming_roadshows(),
            "licences": open_licences(), "figures": figures()}
