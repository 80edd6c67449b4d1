"""Reading listings: the public search with facets, highlighting and paging."""

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

import sqlalchemy as sa
from markupsafe import Markup, escape
from sqlalchemy.orm import selectinload

from marketplace.extensions import db
from marketplace.listings import (
    cache,
    facet_counts,
    identifiers,
    ranking,
    search_sql,
    suggestions,
    synonyms,
)
from marketplace.listings.models import (
    FIELDS,
    LISTING_MODES,
    ConversionMode,
    Grade,
    LegalStatus,
    Listing,
    ListingKind,
    ListingState,
    listing_inventor_users,
)
from marketplace.pagination import parse_page
from marketplace.text import matchable

PER_PAGE = 20
MAX_PAGE = 500
SORTS = ("relevance", "newest", "trl")
MAX_QUERY_LENGTH = 100


@dataclass
class SearchQuery:
    """The parameters of a search, parsed and bounded from request arguments."""

    q: str = ""
    field: str | None = None
    grade: Grade | None = None
    trl: int | None = None
    kind: ListingKind | None = None
    mode: ConversionMode | None = None
    university: int | None = None
    legal_status: LegalStatus | None = None
    sort: str = "relevance"
    page: int = 1

    @classmethod
    def from_args(cls, args) -> "SearchQuery":
        def enum_arg(name, members):
            value = args.get(name)
            return next((member for member in members if member.value == value), None)

        def int_arg(name, low, high):
            value = args.get(name, "")
            return int(value) if value.isascii() and value.isdigit() and low <= int(value) <= high else None

        sort = args.get("sort", "relevance")
        return cls(
            q=" ".join(args.get("q", "").split())[:MAX_QUERY_LENGTH],
            field=args.get("field") if args.get("field") in FIELDS else None,
            grade=enum_arg("grade", Grade), trl=int_arg("trl", 1, 9),
            kind=enum_arg("kind", ListingKind), mode=enum_arg("mode", LISTING_MODES),
            university=int_arg("university", 1, 2**31 - 1),
            legal_status=enum_arg("legal_status", LegalStatus),
            sort=sort if sort in SORTS else "relevance",
            page=parse_page(args.get("page"), MAX_PAGE))

    #: URL arguments, in the order ``args`` gives them.
    ARG_NAMES: ClassVar[tuple[str, ...]] = ("q", "field", "grade", "trl", "kind", "mode",
                                            "university", "legal_status", "sort", "page")

    def args(self, **changes) -> dict:
        """URL arguments for this query with some changed (None removes one)."""
        values = {name: getattr(self, name) for name in self.ARG_NAMES}
        values["page"] = None
        values.update(changes)
        out = {}
        for key, value in values.items():
            if value is None or value == "" or (key == "sort" and value == "relevance"):
                continue
            out[key] = value.value if hasattr(value, "value") else value
        return out

    @property
    def active_filters(self) -> dict:
        return {key: value for key, value in self.args().items()
                if key not in ("q", "sort", "page")}


@dataclass
class SearchResult:
    query: SearchQuery
    tokens: list[str]
    #: ``Listing`` objects, or what the ``load`` given to ``run_search`` returns.
    items: list
    total: int
    facets: dict[str, list[tuple[object, int]]] = field(default_factory=dict)
    #: Listing id -> the words of the query it lacks (results with every word are not in it).
    missing: dict[int, list[str]] = field(default_factory=dict)
    #: When nothing matches: what to search instead (``suggestions.Suggestions``), else None.
    suggestions: "suggestions.Suggestions | None" = None

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / PER_PAGE))


def _cache_key(kind: str, query: SearchQuery, tokens: list[str], *extra) -> tuple:
    """Queries with the same tokens and filters have the same results, whatever their spelling."""
    filters = (query.field, query.grade, query.trl, query.kind, query.mode, query.university,
               query.legal_status)
    return (kind, cache.scope(), tuple(tokens), filters, *extra)


def _summary(query: SearchQuery, tokens: list[str], with_facets: bool) -> tuple[int, dict]:
    """(total, facets), cached while the index does not change; callers get their own lists."""
    facets_key = _cache_key("facets", query, tokens)
    found = cache.get(facets_key)
    if found is None and with_facets:
        found = cache.cached(facets_key, lambda: facet_counts.facets(query, tokens))
    if found is not None:
        total, facets = found
        return total, ({name: list(values) for name, values in facets.items()} if with_facets else {})
    return cache.cached(_cache_key("total", query, tokens), lambda: search_sql.count(query, tokens)), {}


def load_listings(ids: list[int]) -> list[Listing]:
    """The listings ``ids`` with their organisations and modes, in that order."""
    if not ids:
        return []
    loaded = {listing.id: listing for listing in db.session.scalars(
        sa.select(Listing).where(Listing.id.in_(ids))
        .options(selectinload(Listing.organisation), selectinload(Listing.modes)))}
    return [loaded[i] for i in ids if i in loaded]


def run_search(query: SearchQuery, with_facets: bool = True,
               load: Callable[[list[int]], list] = load_listings) -> SearchResult:
    """Published listings matching the text and filters, a page of them, and facet counts.

    ``load`` turns the page's ids into its items: ``Listing`` objects by default, the search
    page's lighter ``cards.load``.
    """
    tokens = identifiers.query_tokens(query.q)
    # The page first: when its ranking reads which words each match has (``ranking.coverage``),
    # the facets count the same read instead of reading the matches again.
    page_ids, missing = cache.cached(_cache_key("page", query, tokens, query.sort, query.page),
                                     lambda: _page(query, tokens))
    total, facets = _summary(query, tokens, with_facets)
    if not total:
        page_ids, missing = [], {}
    offered = None
    if not total and tokens and with_facets and not query.active_filters:
        offered = cache.cached(_cache_key("suggestions", query, tokens),
                               lambda: suggestions.suggest(tokens))
    return SearchResult(query=query, tokens=tokens, items=load(page_ids), total=total,
                        facets=facets, missing=missing, suggestions=offered)


def _page(query: SearchQuery, tokens: list[str]) -> tuple[list[int], dict[int, list[str]]]:
    """A page's ids in order, and the words of the query each lacks."""
    ids = search_sql.page_ids(query, tokens, PER_PAGE)
    return ids, ranking.missing_terms(tokens, ids)


def highlight(text: str, tokens: list[str], limit: int | None = None) -> Markup:
    """Escape ``text`` and wrap the query's tokens (and their synonyms) in <mark>; cut to a window
    around the first.

    The tokens are in the normal form (``marketplace.text.normalise``); they are found in the
    text's normal form and marked in the text as typed, so 锂离子 marks 鋰離子 and ai marks ＡＩ.
    """
    text = text or ""
    tokens = synonyms.highlighted(tokens)
    folded, origins = matchable(text)
    before = after = ""
    if limit and len(text) > limit:
        first = min((folded.find(t) for t in tokens if folded.find(t) >= 0), default=0)
        start = max(0, (origins[first] if first < len(origins) else 0) - limit // 4)
        one_for_one = len(folded) == len(text)  # each character gave one (see ``matchable``)
        before, after, text = ("…" if start else ""), "…", text[start:start + limit]
        if one_for_one:
            folded, origins = folded[start:start + limit], list(range(len(text)))
        else:
            folded, origins = matchable(text)
    spans = []
    for token in sorted(tokens, key=len, reverse=True):
        start = folded.find(token) if token else -1
        while start >= 0:
            end = start + len(token)
            if not any(s < end and start < e for s, e in spans):
                spans.append((start, end))
            start = folded.find(token, end)
    merged: list[list[int]] = []
    for start, end in sorted(spans):  # adjacent tokens of one word get one <mark>
        start, end = origins[start], origins[end - 1] + 1  # back to the text as typed
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    # Joined as plain strings (every piece of text escaped), then marked safe once: a card's two
    # highlights cost half its rendering when each piece was a Markup added to the next.
    out, position = [before], 0
    for start, end in merged:
        out += (escape(text[position:start]), "<mark>", escape(text[start:end]), "</mark>")
        position = end
    out += (escape(text[position:]), after)
    return Markup("".join(out))  # noqa: S704


def related(listing: Listing, limit: int = 4) -> list[Listing]:
    """Other published listings of the same field, the same university's first; within each,
    grade A first, then the newest. Two walks of ``ix_listings_field_grade_newest`` that stop at
    ``limit`` rows (one sort of the whole field took 26 ms at 100,000 listings)."""
    def walk(same_university: bool, wanted: int) -> list[Listing]:
        university = Listing.organisation_id == listing.organisation_id
        return list(db.session.scalars(
            sa.select(Listing).where(Listing.state == ListingState.PUBLISHED,
                                     Listing.field == listing.field, Listing.id != listing.id,
                                     university if same_university else ~university)
            .order_by(Listing.grade, Listing.published_at.desc(), Listing.id.desc())
            .limit(wanted).options(selectinload(Listing.organisation), selectinload(Listing.modes))))

    found = walk(True, limit)
    return found + (walk(False, limit - len(found)) if len(found) < limit else [])


def inventor_listings(user_id: int) -> sa.Select:
    """The listings a user is named on as an inventor, most recently changed first."""
    return (sa.select(Listing).join(listing_inventor_users,
                                    listing_inventor_users.c.listing_id == Listing.id)
            .where(listing_inventor_users.c.user_id == user_id)
            .order_by(Listing.updated_at.desc(), Listing.id.desc()))
