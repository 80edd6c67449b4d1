"""Ranking partial matches: listings with every word first, then those covering most of the query.

A query of several words matches the listings that have any of them (``search_sql``: an OR in
the full-text index), and its results are ordered in two tiers:

1. Listings with every word, ranked by bm25 / ts_rank exactly as a one-word query is
   (``search_sql.best_matches``).
2. Then the others, by their *coverage*: the sum of the weights of the query's words they
   contain, a word weighing its inverse document frequency (bm25's idf: the rarer the word in
   the index, the heavier), so a listing with a rare word of the query comes before one with a
   common word only. Among equal coverage (the same words found), the better grade, then the
   newest, come first.

Coverage is read from the full-text index alone: one index lookup per word (an FTS5 doclist, the
GIN index on PostgreSQL) yields the ids containing it, summed per id (UNION ALL … GROUP BY); no
listing row is read but the ``search.RANK_CANDIDATES`` best, whose grade, date and state order
them. Past that window, partial matches follow by coverage, then newest, so every match is on
exactly one page. The same lookups, restricted to a page's ids, tell which words each result
lacks (``missing_terms``).
"""

import math
from types import SimpleNamespace

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.listings import cache, search, search_sql
from marketplace.listings.models import Listing, ListingState

#: Weights are kept as integers (idf × this) so that equal sets of words sum to equal coverage.
WEIGHT_SCALE = 1_000_000
#: A query without filters, for the index lookups that must not apply them (document frequencies).
_UNFILTERED = SimpleNamespace(**{name: None for name in (
    "field", "grade", "trl", "kind", "legal_status", "university", "mode")})


def _published_total() -> int:
    return cache.cached(("published-total", cache.scope()), lambda: db.session.scalar(
        sa.select(sa.func.count()).select_from(Listing).where(
            Listing.state == ListingState.PUBLISHED)) or 0)


def document_frequency(token: str) -> int:
    """How many indexed listings contain ``token`` (an index count, cached with the results)."""
    return cache.cached(("df", cache.scope(), token), lambda: db.session.scalar(
        sa.select(sa.func.count()).select_from(search_sql.INDEX).where(
            search_sql.text_match(_UNFILTERED, [token]))) or 0)


def weights(tokens: list[str]) -> dict[str, int]:
    """Each word's weight: bm25's inverse document frequency, scaled to an integer."""
    total = _published_total()
    result = {}
    for token in tokens:
        df = document_frequency(token)
        idf = math.log(1 + (max(total - df, 0) + 0.5) / (df + 0.5))
        result[token] = max(1, round(idf * WEIGHT_SCALE))
    return result


def _hits(query, tokens: list[str], token_weights: dict[str, int] | None = None,
          ids: list[int] | None = None) -> sa.Subquery:
    """Rows (id, weight, bit): one per listing and word of the query it contains."""
    id_column = search_sql.index_id()
    branches = []
    for position, token in enumerate(tokens):
        weight = (token_weights or {}).get(token, 0)
        # Integers written into the statement: no parameter whose type a UNION must guess.
        branch = sa.select(id_column.label("id"), sa.literal_column(str(int(weight))).label("weight"),
                           sa.literal_column(str(1 << position)).label("bit")
                           ).select_from(search_sql.INDEX).where(
            search_sql.text_match(query, [token]))
        if ids is not None:
            branch = branch.where(id_column.in_(ids))
        branches.append(branch)
    return sa.union_all(*branches).subquery("hits")


def _partial(query, tokens: list[str], wanted: int) -> list[int]:
    """The ``wanted`` first partial matches (some words, not every one), in order."""
    hits = _hits(query, tokens, weights(tokens))
    coverage = sa.func.sum(hits.c.weight).label("coverage")
    rows = db.session.execute(
        sa.select(hits.c.id, coverage).group_by(hits.c.id)
        .having(sa.func.sum(hits.c.bit) < (1 << len(tokens)) - 1)
        .order_by(sa.desc("coverage"), hits.c.id.desc())
        .limit(max(search.RANK_CANDIDATES, wanted))).all()
    listed = dict(rows)
    known = {row.id: row for row in db.session.execute(
        sa.select(Listing.id, Listing.state, Listing.grade, Listing.published_at)
        .where(Listing.id.in_(list(listed)))).all()} if listed else {}
    ordered = [i for i, _ in rows if i in known and known[i].state is ListingState.PUBLISHED]
    window = search.RANK_CANDIDATES
    ordered[:window] = sorted(ordered[:window], key=lambda i: (
        -listed[i], known[i].grade.value, -known[i].published_at.timestamp(), -i))
    return ordered[:wanted]


def ranked_ids(query, tokens: list[str], wanted: int) -> list[int]:
    """The ``wanted`` best matches of a query of several words: every word first, then partial."""
    complete = search_sql.best_matches(query, tokens, wanted, every=True)
    if len(complete) >= wanted:
        return complete
    # Every listing with all the words is in ``complete``; the partial ones follow.
    return complete + _partial(query, tokens, wanted - len(complete))


def missing_terms(tokens: list[str], ids: list[int]) -> dict[int, list[str]]:
    """For each listing of ``ids``, the words of the query it lacks (only those that lack some)."""
    if len(tokens) < 2 or not ids:
        return {}
    hits = _hits(_UNFILTERED, tokens, ids=ids)
    masks = dict(db.session.execute(
        sa.select(hits.c.id, sa.func.sum(hits.c.bit)).group_by(hits.c.id)).all())
    result = {}
    for listing_id in ids:
        mask = masks.get(listing_id, 0)
        lacking = [token for position, token in enumerate(tokens) if not mask & (1 << position)]
        if lacking:
            result[listing_id] = lacking
    return result
