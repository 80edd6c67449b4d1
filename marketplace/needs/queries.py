"""Reading needs and stored matches: the public list with filters, ranked matches, recommendations."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from marketplace import amounts, text, timezones
from marketplace.extensions import db
from marketplace.listings.models import FIELDS, LISTING_MODES, ConversionMode, Listing, ListingState
from marketplace.needs import services
from marketplace.needs.models import (
    Match,
    Need,
    NeedState,
    PreferenceProfile,
    Proposal,
)
from marketplace.pagination import paginate, parse_page
from marketplace.permissions.needs import university_has_access, visible_private_needs

PER_PAGE = 20
MAX_PAGE = 500
SORTS = ("newest", "deadline", "budget")


@dataclass
class NeedQuery:
    """The public list's parameters, parsed and bounded from request arguments."""

    q: str = ""
    field: str | None = None
    mode: ConversionMode | None = None
    trl: int | None = None
    #: Only needs whose budget reaches at least this many yuan.
    budget: Decimal | None = None
    sort: str = "newest"
    page: int = 1

    @classmethod
    def from_args(cls, args) -> "NeedQuery":
        def number(name, low, high):
            value = args.get(name, "")
            return int(value) if value.isascii() and value.isdigit() and low <= int(value) <= high \
                else None

        mode = args.get("mode")
        try:
            budget = amounts.parse(args["budget"]) if args.get("budget") else None
        except amounts.BadNumber:
            budget = None
        if budget is not None and not (0 <= budget < Decimal("1e10")):
            budget = None
        sort = args.get("sort", "newest")
        return cls(q=" ".join(args.get("q", "").split())[:100],
                   field=args.get("field") if args.get("field") in FIELDS else None,
                   mode=ConversionMode(mode) if mode in {m.value for m in LISTING_MODES} else None,
                   trl=number("trl", 1, 9), budget=budget,
                   sort=sort if sort in SORTS else "newest",
                   page=parse_page(args.get("page"), MAX_PAGE))

    def args(self, **changes) -> dict:
        values = {"q": self.q, "field": self.field, "mode": self.mode, "trl": self.trl,
                  "budget": self.budget, "sort": self.sort, **changes}
        return {key: (value.value if hasattr(value, "value") else value)
                for key, value in values.items()
                if value not in (None, "") and not (key == "sort" and value == "newest")}


def open_condition():
    """Published needs that take proposals: open and not past their deadline."""
    return sa.and_(Need.state == NeedState.OPEN,
                   sa.or_(Need.deadline.is_(None), Need.deadline >= timezones.today()))


def public_needs(query: NeedQuery):
    """A page of public open needs matching the query."""
    statement = sa.select(Need).where(Need.is_public.is_(True), open_condition())
    for word in query.q.split():  # as typed or in the normal form's characters (鋰電 finds 锂电)
        patterns = ["%" + spelling.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
                    for spelling in text.variants(word)]
        statement = statement.where(sa.or_(*(column.ilike(pattern, escape="\\") for pattern in patterns
                                             for column in (Need.title, Need.description,
                                                            Need.keywords))))
    if query.field:
        statement = statement.where(Need.field == query.field)
    if query.mode:
        statement = statement.where(sa.or_(Need.mode == query.mode, Need.mode.is_(None)))
    if query.trl:
        statement = statement.where(Need.trl_min <= query.trl, Need.trl_max >= query.trl)
    if query.budget is not None:
        statement = statement.where(sa.or_(Need.budget_max.is_(None), Need.budget_max >= query.budget))
    order = {"newest": [Need.opened_at.desc(), Need.id.desc()],
             "deadline": [Need.deadline.is_(None), Need.deadline, Need.id.desc()],
             "budget": [Need.budget_max.is_(None), Need.budget_max.desc(), Need.id.desc()]}
    statement = statement.order_by(*order[query.sort]).options(selectinload(Need.organisation))
    return paginate(statement, per_page=PER_PAGE, page=query.page)


def need_matches(need: Need, limit: int = 20) -> list[Match]:
    """A need's stored matches, best first, of listings still published."""
    return list(db.session.scalars(
        sa.select(Match).join(Listing, Listing.id == Match.listing_id)
        .where(Match.need_id == need.id, Listing.state == ListingState.PUBLISHED)
        .order_by(Match.score.desc(), Match.listing_id.desc()).limit(limit)
        .options(selectinload(Match.listing).selectinload(Listing.organisation),
                 selectinload(Match.listing).selectinload(Listing.modes))))


def listing_needs(listing: Listing, organisation_id: int) -> list[Match]:
    """Needs ranked for a listing, as its university may see them (drafts never)."""
    rows = db.session.scalars(
        sa.select(Match).join(Need, Need.id == Match.need_id)
        .where(Match.listing_id == listing.id, open_condition())
        .order_by(Match.score.desc(), Match.need_id.desc())
        .options(selectinload(Match.need).selectinload(Need.organisation))).all()
    return [row for row in rows if row.need.is_public
            or university_has_access(organisation_id, row.need)]


def university_matches(organisation_id: int, limit: int = 100) -> list[Match]:
    """The best open-need matches of a university's published listings."""
    return list(db.session.scalars(
        sa.select(Match).join(Need, Need.id == Match.need_id)
        .join(Listing, Listing.id == Match.listing_id)
        .where(Listing.organisation_id == organisation_id, Listing.state == ListingState.PUBLISHED,
               open_condition())
        .order_by(Match.score.desc(), Match.id.desc()).limit(limit)
        .options(selectinload(Match.need).selectinload(Need.organisation),
                 selectinload(Match.listing))))


def shared_private_needs(organisation_id: int) -> list[Need]:
    """Open private needs shared with a university."""
    return list(db.session.scalars(visible_private_needs(organisation_id)
                                   .where(open_condition()).order_by(Need.opened_at.desc())
                                   .options(selectinload(Need.organisation))))


def proposals_of(organisation_id: int) -> list[Proposal]:
    return list(db.session.scalars(
        sa.select(Proposal).where(Proposal.organisation_id == organisation_id)
        .order_by(Proposal.created_at.desc())
        .options(selectinload(Proposal.need), selectinload(Proposal.listing))))


@dataclass
class Recommendation:
    listing: Listing
    score: int
    reasons: dict
    #: The open need it came from, or None for the preference profile.
    need: Need | None
    #: When the match was computed (the workbench counts those after the user's last visit).
    computed_at: datetime | None = None


def recommendations(user, limit: int = 20) -> list[Recommendation]:
    """"为您推荐": the profile's matches and, for a company, its open needs' matches, merged.

    A listing recommended twice keeps its best score (and that explanation).
    """
    best: dict[int, Recommendation] = {}
    profile = services.profile_of(user)
    rows = []
    if profile is not None:
        rows += db.session.scalars(sa.select(Match).where(Match.profile_id == profile.id)).all()
    if user.organisation_id is not None:
        rows += db.session.scalars(
            sa.select(Match).join(Need, Need.id == Match.need_id)
            .where(Need.organisation_id == user.organisation_id, open_condition())
            .options(selectinload(Match.need))).all()
    for row in rows:
        found = best.get(row.listing_id)
        if found is None or row.score > found.score:
            best[row.listing_id] = Recommendation(None, row.score, row.reasons,
                                                  row.need if row.need_id else None,
                                                  row.computed_at)
    listings = {listing.id: listing for listing in db.session.scalars(
        sa.select(Listing).where(Listing.id.in_(best), Listing.state == ListingState.PUBLISHED)
        .options(selectinload(Listing.organisation), selectinload(Listing.modes)))}
    result = []
    for listing_id, item in best.items():
        if listing_id in listings:
            item.listing = listings[listing_id]
            result.append(item)
    result.sort(key=lambda item: (-item.score, -item.listing.id))
    return result[:limit]


def new_recommendations(user, limit: int = 20) -> list[Recommendation]:
    """The recommendations computed since the user last opened the recommendations page."""
    seen = user.recommendations_seen_at
    return [item for item in recommendations(user, limit)
            if seen is None or (item.computed_at is not None and item.computed_at > seen)]


def has_profile(user) -> bool:
    return db.session.scalar(sa.select(sa.exists().where(PreferenceProfile.user_id == user.id)))
