"""The SQL behind ``queries.run_search``: matching, the page of ids and the total.

Two rules keep every query shape bounded at 100,000 listings (docs/performance.md, "Search at
100,000 listings"):

- The full-text index drives the join. On SQLite the join condition reads the FTS5 rowid through
  a unary ``+``, which stops the planner from probing FTS5 once per listing (a full MATCH each
  time: 40 s for one query at 100k) and makes it scan the matches and look listings up by key.
- Ranking is bounded on both databases: ``ts_rank`` (PostgreSQL) and ``bm25`` (SQLite) order the
  newest ``search.RANK_CANDIDATES`` matches, taken after the filters (each reads every match it
  scores: ~13–30 ms for a word in 15 % of 100,000 listings); matches past that window follow,
  newest first, so every match is on exactly one page. The total and the facets count every match.

The facet counts (and the total with them) are ``facet_counts``'.

A query of several words matches the listings with any of its selective words (``terms``: the
rarest ones, within a budget of postings), as one OR in the index; the total, the facets and the
date and readiness sorts all read that set. Ranked by relevance, ``ranking`` orders it: the
listings with every word first (this module's bounded ranking, with an AND), then the others by
coverage. A one-word query is ranked here, as before.
"""

from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, TSQUERY

from marketplace.extensions import db
from marketplace.listings import identifiers, search, terms
from marketplace.listings.models import Listing, ListingMode, ListingState

INDEX = sa.table(search.INDEX_TABLE, sa.column("rowid", sa.Integer),
                 sa.column("listing_id", sa.Integer), sa.column("document"),
                 *(sa.column(name) for name in ("field", "grade", "trl", "kind", "legal_status",
                                                "organisation_id", "modes")))
#: SQLite, sorted by date: with at least this many matches, walk the listings newest first and
#: stop at the page (few steps when many listings match) instead of sorting every match.
NEWEST_WALK_MATCHES = 1000
_OTHER_STATES = [state for state in ListingState if state is not ListingState.PUBLISHED]
#: A query without filters, for the lookups that must not apply them (a word's count, a page's
#: missing words).
UNFILTERED = SimpleNamespace(**{name: None for name in (
    "field", "grade", "trl", "kind", "legal_status", "university", "mode")})


def _postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def among(column, ids: list[int]):
    """``column IN ids``; on PostgreSQL one array parameter (psycopg parses a statement of more
    than 50 parameters afresh on every execution and never prepares it)."""
    if _postgres():
        return column == sa.any_(sa.literal(list(ids), ARRAY(sa.Integer)))
    return column.in_(ids)


def filter_items(query) -> list[tuple[str, object]]:
    """The query's filters as (filter name, value) pairs, named as in ``search.FILTERS``."""
    values = {"field": query.field, "grade": query.grade, "trl": query.trl, "kind": query.kind,
              "legal_status": query.legal_status, "university": query.university,
              "mode": query.mode}
    return [(name, values[name]) for name in search.FILTERS if values[name] is not None]


def filters(query, counting: bool = False) -> list:
    """Published listings and the query's filters (not the text), on the listing's own columns.

    ``counting`` (without text): the mode is an IN over its index, and the state is tested on the
    listings the filter's own index finds (``published_by_key``).
    """
    published = Listing.state == ListingState.PUBLISHED
    if counting and _filtered(query):
        published = published_by_key()
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


def published_by_key():
    """``listings.state`` is published, tested on listings found another way (by key, by a
    filter's index): on SQLite written ``+listings.state``, since without ANALYZE statistics
    SQLite would otherwise walk every published listing through a (state, …) index to find the
    few it is given."""
    if _postgres():
        return Listing.state == ListingState.PUBLISHED
    return sa.literal_column("+listings.state", Listing.state.type) == ListingState.PUBLISHED


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def words(tokens, every: bool = False):
    """The words a match asks for, as a node: ``("any", parts)``, ``("all", parts)``,
    ``("but", node, other)`` (node and not other), or a word. ``tokens`` may be a node already.

    A list of tokens (query words) is any of its selective words (``terms.selective``), or with
    ``every`` all of them, each word as the node of its equivalents (``terms.equivalents``: the
    word or any of its synonyms). A leaf is a word as the index holds it, or an IPC term
    (``identifiers.IPC_TERM``), matched as the indexed IPC symbols.
    """
    if isinstance(tokens, tuple | str):
        return tokens
    chosen = list(tokens) if every else terms.selective(tokens)
    return ("all" if every else "any", [terms.equivalents(token) for token in chosen])


def _fts_words(node) -> str:
    if isinstance(node, str):
        return identifiers.ipc_fts(node) if identifiers.IPC_TERM.match(node) else _quoted(node)
    if node[0] == "but":
        return f"({_fts_words(node[1])} NOT {_fts_words(node[2])})"
    return "(" + (" AND " if node[0] == "all" else " OR ").join(map(_fts_words, node[1])) + ")"


def fts_expression(query, tokens, every: bool = False) -> str:
    """SQLite: the MATCH expression: the words (``words``) in the title or body, every filter in
    the tags."""
    expression = "{title body} : " + _fts_words(words(tokens, every))
    terms_ = [search.filter_term(name, value, "sqlite") for name, value in filter_items(query)]
    if terms_:
        expression += " AND tags : (" + " AND ".join(map(_quoted, terms_)) + ")"
    return expression


def _plain_tsquery(text: str):
    return sa.func.plainto_tsquery(sa.literal_column("'simple'::regconfig"), text)


def _text_tsquery(tokens, every: bool = False):
    """PostgreSQL: the tsquery of the words (``words``); a word the parser splits in several
    lexemes needs them all."""
    node = words(tokens, every)
    if isinstance(node, str) and identifiers.IPC_TERM.match(node):
        return sa.func.to_tsquery(sa.literal_column("'simple'::regconfig"),
                                  identifiers.ipc_tsquery_text(node))
    if isinstance(node, str):
        return _plain_tsquery(node)
    if node[0] == "but":
        return _text_tsquery(node[1]).op("&&")(sa.func.tsquery_not(_text_tsquery(node[2])))
    parts = [_text_tsquery(part) for part in node[1]]
    combined = parts[0]
    for part in parts[1:]:
        combined = combined.op("&&" if node[0] == "all" else "||")(part)
    return combined


def _tsquery(query, tokens, every: bool = False):
    """PostgreSQL: the words (``words``), and every filter lexeme (quoted as is: no parser
    touches them); without words, the filters alone."""
    terms_ = [search.filter_term(name, value, "postgresql") for name, value in filter_items(query)]
    if not terms_:
        return _text_tsquery(tokens, every)
    lexemes = " & ".join("'" + term.replace("\\", "\\\\").replace("'", "''") + "'" for term in terms_)
    filters_query = sa.cast(sa.literal(lexemes, sa.String), TSQUERY)
    return _text_tsquery(tokens, every).op("&&")(filters_query) if tokens else filters_query


def _fts_match(query, tokens: list[str], every: bool = False):
    fts = sa.literal_column(search.INDEX_TABLE)
    return fts.op("MATCH")(fts_expression(query, tokens, every))


def text_match(query, tokens: list[str], every: bool = False):
    """The condition on ``INDEX`` rows: the words (any; ``every``: all) and the filters."""
    if _postgres():
        return INDEX.c.document.bool_op("@@")(_tsquery(query, tokens, every))
    return _fts_match(query, tokens, every)


def index_id():
    """The listing id column of ``INDEX`` on this database."""
    return INDEX.c.listing_id if _postgres() else INDEX.c.rowid


def _bm25():
    return sa.func.bm25(sa.literal_column(search.INDEX_TABLE), 10.0, 1.0, 0.0)


def matched(columns: list, query, tokens: list[str], counting: bool = False,
            every: bool = False) -> tuple[sa.Select, object]:
    """SELECT ``columns`` of listings matching text and filters, and the rank expression (or None).

    A listing matches if it has any of the words (``every``: all of them): the search shows
    partial matches too. With text, the filters are matched in the index and checked again on
    the listing's columns. Lower rank is better; the rank is only valid in this statement.
    """
    statement = sa.select(*columns).select_from(Listing.__table__).where(
        *filters(query, counting and not tokens))
    if not tokens:
        return statement, None
    if _postgres():
        statement = statement.join(INDEX, INDEX.c.listing_id == Listing.id).where(
            INDEX.c.document.bool_op("@@")(_tsquery(query, tokens, every)))
        return statement, -sa.func.ts_rank(INDEX.c.document, _text_tsquery(tokens, every))
    statement = statement.join(
        INDEX, Listing.id == sa.literal_column(f"+{search.INDEX_TABLE}.rowid")
    ).where(_fts_match(query, tokens, every))
    return statement, _bm25()


def page_ids(query, tokens: list[str], per_page: int) -> list[int]:
    """The ids of one page of results, in order."""
    order = {"newest": [Listing.published_at.desc(), Listing.id.desc()],
             "trl": [Listing.trl.desc(), Listing.published_at.desc(), Listing.id.desc()]}
    offset = (query.page - 1) * per_page
    if tokens and query.sort == "relevance" and len(tokens) > 1:
        # Breaks a cycle: ranking builds on this module's matching.
        from marketplace.listings import ranking
        return ranking.ranked_ids(query, tokens, offset + per_page)[offset:]
    if tokens and query.sort == "relevance":
        return best_matches(query, tokens, offset + per_page)[offset:]
    ordering = order.get(query.sort) or order["newest"]
    if tokens and query.sort == "newest" and not _postgres() and _index_count(query, tokens) >= \
            NEWEST_WALK_MATCHES:
        # The (state, published_at) index, newest first, keeping the listings in the matches.
        statement = sa.select(Listing.id).where(
            Listing.state == ListingState.PUBLISHED,
            Listing.id.in_(sa.select(INDEX.c.rowid).where(_fts_match(query, tokens))))
    else:
        statement, _ = matched([Listing.id], query, tokens)
    return db.session.scalars(statement.order_by(*ordering).limit(per_page).offset(offset)).all()


def _filtered(query) -> bool:
    return query.mode is not None or _column_filtered(query)


def _column_filtered(query) -> bool:
    return any(value is not None for value in (query.field, query.grade, query.trl, query.kind,
                                               query.university, query.legal_status))


def _index_count(query, tokens: list[str]) -> int:
    """SQLite: how many index rows match (FTS5 counts its doclists without reading a row)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(INDEX)
                             .where(_fts_match(query, tokens)))


def best_matches(query, tokens: list[str], wanted: int, every: bool = False) -> list[int]:
    """The ``wanted`` best matches of any word (``every``: of every word), bounded-ranked."""
    found = _best_published(query, tokens, wanted, every)
    return _ranked_by_join(query, tokens, wanted, every) if found is None else found


def _window_ranked(base: sa.Select, tokens: list[str], wanted: int, every: bool = False
                   ) -> list[int]:
    """PostgreSQL's bounded ranking: ts_rank orders the newest ``RANK_CANDIDATES`` matches of
    ``base`` (columns ``id`` and ``document``); matches past that window follow, newest first."""
    window = base.order_by(base.selected_columns.id.desc()).limit(search.RANK_CANDIDATES)
    candidates = window.subquery("candidates")
    rank = -sa.func.ts_rank(candidates.c.document, _text_tsquery(tokens, every))
    ids = db.session.scalars(sa.select(candidates.c.id).order_by(
        rank, candidates.c.id.desc()).limit(wanted)).all()
    if wanted > search.RANK_CANDIDATES and len(ids) == search.RANK_CANDIDATES:
        tail = base.with_only_columns(base.selected_columns.id).order_by(
            base.selected_columns.id.desc()).offset(search.RANK_CANDIDATES)
        ids += db.session.scalars(tail.limit(wanted - search.RANK_CANDIDATES)).all()
    return ids


def _window_floor(matches: sa.Select, id_column) -> sa.ScalarSelect:
    """SQLite: the smallest id among the newest ``RANK_CANDIDATES`` of ``matches`` (its ids)."""
    newest = matches.with_only_columns(id_column.label("id")).order_by(id_column.desc()).limit(
        search.RANK_CANDIDATES).subquery("newest")
    return sa.select(sa.func.min(newest.c.id)).scalar_subquery()


def _ranked_by_join(query, tokens: list[str], wanted: int, every: bool = False) -> list[int]:
    """The ``wanted`` best matches, checking state and filters on the listings' columns."""
    if _postgres():
        base, _ = matched([Listing.id.label("id"), INDEX.c.document], query, tokens, every=every)
        return _window_ranked(base, tokens, wanted, every)
    statement, rank = matched([Listing.id], query, tokens, every=every)
    floor = _window_floor(statement, Listing.id)
    ids = db.session.scalars(statement.where(Listing.id >= floor).order_by(
        rank, Listing.id.desc()).limit(wanted)).all()
    if wanted > search.RANK_CANDIDATES and len(ids) == search.RANK_CANDIDATES:
        ids += db.session.scalars(statement.where(Listing.id < floor).order_by(
            Listing.id.desc()).limit(wanted - search.RANK_CANDIDATES)).all()
    return ids


def _best_published(query, tokens: list[str], wanted: int, every: bool = False
                    ) -> list[int] | None:
    """The ``wanted`` best-ranked published matches, ranking in the index alone, or None.

    The index orders its matches (text and filter terms) without reading a listing; only those
    best ones are then checked to be published. The index holds published listings only, so this
    is normally the answer; should unpublished ones have crowded the best out (None), the caller
    ranks by the join instead, so the answer is the same either way.
    """
    if _postgres():
        base = sa.select(INDEX.c.listing_id.label("id"), INDEX.c.document).where(
            INDEX.c.document.bool_op("@@")(_tsquery(query, tokens, every)))
        found = _window_ranked(base, tokens, wanted, every)
        # The state is read, not tested in SQL (see below).
        states = dict(db.session.execute(sa.select(Listing.id, Listing.state).where(
            among(Listing.id, found))).all()) if found else {}
        rows = [(i, states.get(i)) for i in found]
    else:
        # One statement: the best matches among the newest RANK_CANDIDATES (FTS5 walks a word's
        # rowids newest first and takes the rowid bound as a constraint, so bm25 scores only the
        # window), then their listings' state by key (reading the state rather than testing it,
        # which would let SQLite, without statistics, walk every published listing through the
        # (state, published_at) index).
        match = _fts_match(query, tokens, every)
        floor = _window_floor(sa.select(INDEX.c.rowid).where(match), INDEX.c.rowid)
        best = (sa.select(INDEX.c.rowid.label("id"), _bm25().label("rank"))
                .where(match, INDEX.c.rowid >= floor)
                .order_by(sa.text("rank"), INDEX.c.rowid.desc()).limit(wanted).subquery("best"))
        rows = db.session.execute(
            sa.select(best.c.id, Listing.state).outerjoin(Listing, Listing.id == best.c.id)
            .order_by(best.c.rank, best.c.id.desc())).all()
        if wanted > search.RANK_CANDIDATES and len(rows) == search.RANK_CANDIDATES:
            rest = (sa.select(INDEX.c.rowid.label("id")).where(match, INDEX.c.rowid < floor)
                    .order_by(INDEX.c.rowid.desc()).limit(wanted - len(rows)).subquery("rest"))
            rows += db.session.execute(
                sa.select(rest.c.id, Listing.state).outerjoin(Listing, Listing.id == rest.c.id)
                .order_by(rest.c.id.desc())).all()
    found = [row[0] for row in rows]
    ids = [i for i, state in rows if state is ListingState.PUBLISHED]
    if len(ids) >= wanted or len(found) < wanted:  # enough, or every match was seen
        return ids[:wanted]
    return None


def count(query, tokens: list[str]) -> int:
    """How many listings match."""
    if tokens and _postgres():
        return db.session.scalar(sa.select(sa.func.count()).select_from(indexed_matches(
            query, tokens, []).subquery()))
    statement, _ = matched([sa.func.count()], query, tokens, counting=True)
    return db.session.scalar(statement)


def indexed_matches(query, tokens: list[str], columns: list) -> sa.Select:
    """PostgreSQL: ``columns`` of the index rows matching text and filters (at least one of
    them), reading no listing.

    The index holds published listings only; should a listing in another state (few: the state
    index finds them) have an index row, it is left out.
    """
    stray = sa.exists().where(Listing.id == INDEX.c.listing_id, Listing.state.in_(_OTHER_STATES))
    return sa.select(*(columns or [INDEX.c.listing_id])).select_from(INDEX).where(
        INDEX.c.document.bool_op("@@")(_tsquery(query, tokens)), ~stray)
