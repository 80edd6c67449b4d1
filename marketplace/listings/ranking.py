"""Ranking partial matches: listings with every word first, then those covering most of the query.

A query of several words matches the listings that have any of its selective words (``terms``),
and its results are ordered in two tiers:

1. Listings with every word, ranked by bm25 / ts_rank exactly as a one-word query is
   (``search_sql.best_matches``).
2. Then the others, by their *coverage*: the sum of the weights of the query's words they
   contain (``terms.weights``: bm25's idf, the rarer the word the heavier), so a listing with a
   rare word of the query comes before one with a common word only. Among equal coverage (the
   same words found), the better grade, then the newest, come first.

Coverage is read from the full-text index alone: one index lookup per word (an FTS5 doclist, the
GIN index on PostgreSQL), each word intersected with the selective ones in the index, yields the
ids containing it, summed per id (UNION ALL … GROUP BY). The sum runs over the newest
``COVERAGE_WINDOW`` partial matches; older ones follow, newest first, so every match is on
exactly one page. Only the ``search.RANK_CANDIDATES`` best read their listing (state, grade,
date). The same lookups, restricted to a page's ids, tell which words each result lacks
(``missing_terms``). A word is one branch with its synonyms (``terms.equivalents``): a listing
with any of them has the word.
"""

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.listings import search, search_sql, terms
from marketplace.listings.models import Listing, ListingState

#: The partial matches whose coverage is summed, the newest (the others follow, newest first).
COVERAGE_WINDOW = 10000


def _hits(query, branches: list, token_weights: list[int], restrict) -> sa.Subquery:
    """Rows (id, weight, bit): one per listing and branch (a word, as a node) it matches."""
    id_column = search_sql.index_id()
    selects = []
    for position, (node, weight) in enumerate(zip(branches, token_weights, strict=True)):
        # Integers written into the statement: no parameter whose type a UNION must guess.
        selects.append(sa.select(id_column.label("id"),
                                 sa.literal_column(str(int(weight))).label("weight"),
                                 sa.literal_column(str(1 << position)).label("bit"))
                       .select_from(search_sql.INDEX)
                       .where(search_sql.text_match(query, node), restrict(id_column)))
    return sa.union_all(*selects).subquery("hits")


def _covered_sqlite(query, tokens: list[str], partial, weights: dict, limit: int
                    ) -> tuple[dict[int, int], int | None]:
    """SQLite: the window's floor, then each word's ids in it from FTS5 (a doclist walked from
    the floor, newest first), summed per id."""
    id_column = search_sql.index_id()
    newest = (sa.select(id_column.label("id")).select_from(search_sql.INDEX)
              .where(search_sql.text_match(query, partial))
              .order_by(id_column.desc()).limit(COVERAGE_WINDOW).subquery("newest"))
    floor = db.session.scalar(sa.select(sa.func.min(newest.c.id)))
    if floor is None:
        return {}, None
    shown = partial[1]
    hits = _hits(query, [("all", [terms.equivalents(token), shown]) for token in tokens],
                 [weights[token] for token in tokens], lambda column: column >= floor)
    coverage = sa.func.sum(hits.c.weight).label("coverage")
    return dict(db.session.execute(
        sa.select(hits.c.id, coverage).group_by(hits.c.id)
        .having(sa.func.sum(hits.c.bit) < (1 << len(tokens)) - 1)
        .order_by(sa.desc("coverage"), hits.c.id.desc()).limit(limit)).all()), floor


def _covered_postgres(query, tokens: list[str], partial, weights: dict, limit: int
                      ) -> tuple[dict[int, int], int | None]:
    """PostgreSQL: each word's partial matches from the GIN index (the index evaluates the word
    and the partial-match condition together; no row's document is read or tested), summed per
    id in SQL, the best ``limit`` returned.

    The selective words bound the partial matches (``terms.selective``); only when they may
    exceed the window is its floor looked up (a sort of the partial matches' ids) and each word's
    rows kept above it. A lone selective word is in every partial match: it adds the same weight
    to each and is not looked up; the partial matches with none of the other words follow the
    others, newest first.
    """
    id_column = search_sql.index_id()
    selective = terms.selective(tokens)
    floor = 0
    if sum(terms.document_frequency(token) for token in selective) > COVERAGE_WINDOW:
        floor = db.session.scalar(
            sa.select(id_column).select_from(search_sql.INDEX)
            .where(search_sql.text_match(query, partial))
            .order_by(id_column.desc()).offset(COVERAGE_WINDOW - 1).limit(1)) or 0
    counted = [token for token in tokens if not (len(selective) == 1 and token in selective)]
    base = weights[selective[0]] if len(selective) == 1 else 0
    covered = {}
    if counted:
        hits = _hits(query, [("all", [terms.equivalents(token), partial]) for token in counted],
                     [weights[token] for token in counted], lambda column: column >= floor)
        coverage = sa.func.sum(hits.c.weight).label("coverage")
        covered = {listing_id: base + int(value) for listing_id, value in db.session.execute(
            sa.select(hits.c.id, coverage).group_by(hits.c.id)
            .order_by(sa.desc("coverage"), hits.c.id.desc()).limit(limit)).all()}
    if len(covered) < limit and base:  # the lone selective word's listings without another word
        alone = ("but", partial, ("any", [terms.equivalents(token) for token in counted])) \
            if counted else partial
        covered.update((listing_id, base) for listing_id in db.session.scalars(
            sa.select(id_column).select_from(search_sql.INDEX)
            .where(search_sql.text_match(query, alone), id_column >= floor)
            .order_by(id_column.desc()).limit(limit - len(covered))))
    if not covered:
        return {}, None
    return covered, floor


def _partial(query, tokens: list[str], wanted: int) -> list[int]:
    """The ``wanted`` first partial matches (some words, not every one), in order."""
    shown = search_sql.words(tokens)
    partial = ("but", shown, search_sql.words(tokens, every=True))
    id_column = search_sql.index_id()
    weights = terms.weights(tokens)
    limit = max(search.RANK_CANDIDATES, wanted)
    cover = _covered_postgres if search_sql._postgres() else _covered_sqlite
    covered, floor = cover(query, tokens, partial, weights, limit)
    if floor is None:
        return []
    older = []
    if len(covered) < wanted:  # the window is exhausted: older partial matches follow, newest first
        older = list(db.session.scalars(
            sa.select(id_column).select_from(search_sql.INDEX)
            .where(search_sql.text_match(query, partial), id_column < floor)
            .order_by(id_column.desc()).limit(wanted - len(covered))))
    ids = [*covered, *older]
    known = {row.id: row for row in db.session.execute(
        sa.select(Listing.id, Listing.state, Listing.grade, Listing.published_at)
        .where(search_sql.among(Listing.id, ids))).all()} if ids else {}

    def published(some: list[int]) -> list[int]:
        return [i for i in some if i in known and known[i].state is ListingState.PUBLISHED]

    ranked = list(covered)
    best = sorted(published(ranked[:search.RANK_CANDIDATES]), key=lambda i: (
        -covered[i], known[i].grade.value, -known[i].published_at.timestamp(), -i))
    return (best + published(ranked[search.RANK_CANDIDATES:]) + published(older))[:wanted]


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
    hits = _hits(search_sql.UNFILTERED, [terms.equivalents(token) for token in tokens],
                 [0] * len(tokens), lambda column: column.in_(ids))
    masks = dict(db.session.execute(
        sa.select(hits.c.id, sa.func.sum(hits.c.bit)).group_by(hits.c.id)).all())
    result = {}
    for listing_id in ids:
        mask = masks.get(listing_id, 0)
        lacking = [token for position, token in enumerate(tokens) if not mask & (1 << position)]
        if lacking:
            result[listing_id] = lacking
    return result
