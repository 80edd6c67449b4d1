"""The SQL behind ``queries.run_search``: matching, the page of ids, the total and facet counts.

Two rules keep every query shape bounded at 100,000 listings (see README, "Performance"):

- The full-text index drives the join. On SQLite the join condition reads the FTS5 rowid through
  a unary ``+``, which stops the planner from probing FTS5 once per listing (a full MATCH each
  time: 40 s for one query at 100k) and makes it scan the matches and look listings up by key.
- PostgreSQL ranks at most ``search.RANK_CANDIDATES`` matches (``ts_rank`` reads every vector it
  scores), taken after the filters; the total and the facets count every match.

The total and the facets come from one statement: the matches (id and six short columns) are
materialised once and grouped seven ways, so only the counts travel to Python, instead of a count
and seven GROUP BYs that each evaluated the match again. The page without text or filters counts
each column from its own index instead (no listing row is read).
"""

from collections import Counter

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.listings import search
from marketplace.listings.models import (
    ConversionMode,
    Grade,
    LegalStatus,
    Listing,
    ListingKind,
    ListingMode,
    ListingState,
)
from marketplace.orgs.models import Organisation

INDEX = sa.table(search.INDEX_TABLE, sa.column("rowid", sa.Integer),
                 sa.column("listing_id", sa.Integer), sa.column("document"))
#: Facet name -> (column, how a stored value becomes the value ``SearchResult.facets`` shows).
FACETS = {
    "field": (Listing.field, str),
    "grade": (Listing.grade, Grade),
    "trl": (Listing.trl, int),
    "kind": (Listing.kind, ListingKind),
    "legal_status": (Listing.legal_status, LegalStatus),
    "university": (Listing.organisation_id, int),
}


def filters(query, counting: bool = False) -> list:
    """Published listings and the query's filters (not the text).

    ``counting`` (without text): the mode is an IN over its index, and on SQLite the state test is
    written ``+listings.state``, since without ANALYZE statistics SQLite would otherwise read every
    published listing through the (state, published_at) index instead of the few the filter's own
    index finds.
    """
    published = Listing.state == ListingState.PUBLISHED
    if counting and _filtered(query) and db.engine.dialect.name == "sqlite":
        published = sa.literal_column("+listings.state", Listing.state.type) == ListingState.PUBLISHED
    conditions = [published]
    for column, value in ((Listing.field, query.field), (Listing.grade, query.grade),
                          (Listing.trl, query.trl), (Listing.kind, query.kind),
                          (Listing.organisation_id, query.university),
                          (Listing.legal_status, query.legal_status)):
        if value is not None:
            conditions.append(column == value)
    if query.mode is not None and counting:  # all listings with the mode, from its index
        conditions.append(Listing.id.in_(
            sa.select(ListingMode.listing_id).where(ListingMode.mode == query.mode)))
    elif query.mode is not None:  # checked listing by listing, on the few the text matched
        conditions.append(sa.exists().where(ListingMode.listing_id == Listing.id,
                                            ListingMode.mode == query.mode))
    return conditions


def _tsquery(tokens: list[str]):
    return sa.func.plainto_tsquery(sa.literal_column("'simple'::regconfig"), " ".join(tokens))


def matched(columns: list, query, tokens: list[str], counting: bool = False
            ) -> tuple[sa.Select, object]:
    """SELECT ``columns`` of listings matching text and filters, and the rank expression (or None).

    Lower rank is better; the rank is only valid in this statement.
    """
    statement = sa.select(*columns).select_from(Listing.__table__).where(
        *filters(query, counting and not tokens))
    if not tokens:
        return statement, None
    if db.engine.dialect.name == "postgresql":
        tsquery = _tsquery(tokens)
        statement = statement.join(INDEX, INDEX.c.listing_id == Listing.id).where(
            INDEX.c.document.bool_op("@@")(tsquery))
        return statement, -sa.func.ts_rank(INDEX.c.document, tsquery)
    fts = sa.literal_column(search.INDEX_TABLE)
    expression = " AND ".join('"' + token.replace('"', '""') + '"' for token in tokens)
    statement = statement.join(
        INDEX, Listing.id == sa.literal_column(f"+{search.INDEX_TABLE}.rowid")
    ).where(fts.op("MATCH")(expression))
    return statement, sa.func.bm25(fts, 10.0, 1.0)


def page_ids(query, tokens: list[str], per_page: int) -> list[int]:
    """The ids of one page of results, in order."""
    order = {"newest": [Listing.published_at.desc(), Listing.id.desc()],
             "trl": [Listing.trl.desc(), Listing.published_at.desc(), Listing.id.desc()]}
    offset = (query.page - 1) * per_page
    ranked = bool(tokens) and query.sort == "relevance"
    if ranked and db.engine.dialect.name == "postgresql":
        statement, _ = matched([Listing.id.label("id"), INDEX.c.document], query, tokens)
        candidates = statement.limit(search.RANK_CANDIDATES).subquery("candidates")
        rank = -sa.func.ts_rank(candidates.c.document, _tsquery(tokens))
        statement = (sa.select(candidates.c.id)
                     .order_by(rank, candidates.c.id.desc()).limit(per_page).offset(offset))
        return list(db.session.scalars(statement))
    if ranked and not _filtered(query):
        found = _best_published(tokens, offset + per_page)
        if found is not None:
            return found[offset:]
    statement, rank = matched([Listing.id], query, tokens)
    ordering = order.get(query.sort) or ([rank, Listing.id.desc()] if ranked else order["newest"])
    return list(db.session.scalars(statement.order_by(*ordering).limit(per_page).offset(offset)))


def _filtered(query) -> bool:
    return query.mode is not None or _column_filtered(query)


def _column_filtered(query) -> bool:
    return any(value is not None for value in (query.field, query.grade, query.trl, query.kind,
                                               query.university, query.legal_status))


def _best_published(tokens: list[str], wanted: int) -> list[int] | None:
    """SQLite: the ``wanted`` best-ranked published matches, ranking in FTS5 alone, or None.

    FTS5 orders its matches by bm25 without reading a listing; only those best ones are then
    checked to be published. The index holds published listings only, so this is normally the
    answer; should unpublished ones have crowded the best out (None), the caller runs the full
    join instead, so the answer is the same either way.
    """
    if db.engine.dialect.name == "postgresql":
        return None
    fts = sa.literal_column(search.INDEX_TABLE)
    expression = " AND ".join('"' + token.replace('"', '""') + '"' for token in tokens)
    best = (sa.select(INDEX.c.rowid.label("id"), sa.func.bm25(fts, 10.0, 1.0).label("rank"))
            .where(fts.op("MATCH")(expression))
            .order_by(sa.text("rank"), INDEX.c.rowid.desc()).limit(wanted).subquery("best"))
    rows = db.session.execute(
        sa.select(best.c.id, Listing.state).outerjoin(Listing, Listing.id == best.c.id)
        .order_by(best.c.rank, best.c.id.desc())).all()
    ids = [row.id for row in rows if row.state is ListingState.PUBLISHED]
    if len(ids) >= wanted or len(rows) < wanted:  # enough, or every match was seen
        return ids[:wanted]
    return None


def count(query, tokens: list[str]) -> int:
    """How many listings match."""
    statement, _ = matched([sa.func.count()], query, tokens, counting=True)
    return db.session.scalar(statement)


def _ordered(counter: Counter) -> list[tuple[object, int]]:
    return sorted(counter.items(), key=lambda item: (-item[1], str(item[0])))


def _counts_of_everything() -> tuple[list[Counter], Counter]:
    """Facet counts of every published listing, for the search page without text or filters.

    Each column is counted over the whole table from its own index, then the listings in other
    states (few) are taken away; this reads no listing row.
    """
    other = Listing.state.in_([s for s in ListingState if s is not ListingState.PUBLISHED])
    counters = []
    for column, _ in FACETS.values():
        value = sa.cast(column, sa.String)
        everything, others = (Counter(dict(db.session.execute(
            sa.select(value, sa.func.count()).where(*where).group_by(column)).all()))
            for where in ((), (other,)))
        counters.append(everything - others)
    modes = sa.select(sa.cast(ListingMode.mode, sa.String), sa.func.count()).group_by(
        ListingMode.mode)
    everything = Counter(dict(db.session.execute(modes).all()))
    others = Counter(dict(db.session.execute(
        modes.join(Listing, Listing.id == ListingMode.listing_id).where(other)).all()))
    return counters, everything - others


def _counts_of_matches(query, tokens: list[str]) -> tuple[list[Counter], Counter]:
    """Facet counts of the matching listings, in one statement that returns only the counts.

    The matches (id and six short columns) are materialised once; each facet is a GROUP BY over
    them, the modes a GROUP BY of the modes of their ids.
    """
    statement, _ = matched([Listing.id, *(column for column, _ in FACETS.values())], query, tokens,
                           counting=True)
    found = statement.cte("found").prefix_with("MATERIALIZED")
    parts = [sa.select(sa.literal(name), sa.cast(found.c[column.key], sa.String), sa.func.count())
             .group_by(found.c[column.key]) for name, (column, _) in FACETS.items()]
    parts.append(sa.select(sa.literal("mode"), sa.cast(ListingMode.mode, sa.String), sa.func.count())
                 .where(ListingMode.listing_id.in_(sa.select(found.c.id)))
                 .group_by(ListingMode.mode))
    counters = {name: Counter() for name in (*FACETS, "mode")}
    for name, value, count_ in db.session.execute(sa.union_all(*parts)):
        counters[name][value] = count_
    return [counters[name] for name in FACETS], counters["mode"]


def facets(query, tokens: list[str]) -> tuple[int, dict[str, list[tuple[object, int]]]]:
    """The total and the facet counts: value -> count, most frequent first.

    University values are ``(id, name)``; the others are what the columns hold (enums, ints).
    """
    browsing = not tokens and not _filtered(query)
    counters, modes = _counts_of_everything() if browsing else _counts_of_matches(query, tokens)
    total = sum(counters[0].values())
    if not total:
        return 0, {}
    result = {name: _ordered(Counter({convert(value): n for value, n in counter.items()}))
              for (name, (_, convert)), counter in zip(FACETS.items(), counters, strict=True)}
    result["mode"] = _ordered(Counter({ConversionMode(value): n for value, n in modes.items()}))
    names = dict(db.session.execute(sa.select(Organisation.id, Organisation.name).where(
        Organisation.id.in_([value for value, _ in result["university"]]))).all())
    result["university"] = [((value, names.get(value, "")), n) for value, n in result["university"]]
    return total, result
