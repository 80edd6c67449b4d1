"""Computing and storing matches: for a need, a preference profile, or a changed listing.

Candidates come from the search index, never from a scan of the listings: the demand's heaviest
key terms (at most ``QUERY_TERMS``, whose postings sum to at most ``POSTINGS_BUDGET``) are OR-ed
into one full-text query ranked by bm25 (SQLite FTS5) or ts_rank (PostgreSQL), and the best
``CANDIDATES`` published listings are scored by ``scoring.score``. Term weights use document
frequencies read from the index (SQLite: the ``listing_search_vocab`` fts5vocab table;
PostgreSQL: a count per term through the GIN index), cached per process for
``MATCH_TERM_STATS_SECONDS``. A profile without keywords takes the newest
listings of its fields through the field index instead.

A changed listing is scored against every active need and profile (there are far fewer of those
than listings); a need keeps at most ``KEEP`` matches, the best.
"""

import json
import threading
import time

import sqlalchemy as sa
from flask import current_app

from marketplace import timezones
from marketplace.db_types import utcnow
from marketplace.extensions import db
from marketplace.listings import search
from marketplace.listings.models import ConversionMode, Listing, ListingMode, ListingState
from marketplace.needs import scoring
from marketplace.needs.models import Match, Need, NeedState, PreferenceProfile

#: Terms of a demand put into the candidate query (the heaviest by weight × idf).
QUERY_TERMS = 12
#: A term in more than this share of listings is too common to find candidates with.
COMMON_SHARE = 0.25
#: A term in at most this many listings is never too common (small catalogues).
ALWAYS_SPECIFIC = 100
#: Most listings (summed over the query's terms) the candidate query may have to rank.
POSTINGS_BUDGET = 6000
#: Candidates scored per demand.
CANDIDATES = 200
#: Matches kept per need or profile.
KEEP = 30
#: A match below this score is not stored.
MIN_SCORE = 30

_stats_lock = threading.Lock()
_stats: dict = {}


def _stats_seconds() -> float:
    if current_app.testing:
        return 0.0
    return float(current_app.config.get("MATCH_TERM_STATS_SECONDS", 600))


def _cached(key, compute):
    ttl = _stats_seconds()
    now = time.monotonic()
    if ttl:
        with _stats_lock:
            found = _stats.get(key)
        if found and found[0] > now:
            return found[1]
    value = compute()
    if ttl:
        with _stats_lock:
            if len(_stats) > 50_000:
                _stats.clear()
            _stats[key] = (now + ttl, value)
    return value


def _scope() -> str:
    return db.engine.url.render_as_string(hide_password=True)


def published_total() -> int:
    return _cached((_scope(), "total"), lambda: db.session.scalar(
        sa.select(sa.func.count()).select_from(Listing).where(
            Listing.state == ListingState.PUBLISHED)) or 0)


def document_frequencies(terms) -> dict[str, int]:
    """How many indexed listings contain each term."""
    scope, result, missing = _scope(), {}, []
    for term in terms:
        key = (scope, "df", term)
        with _stats_lock:
            found = _stats.get(key)
        if found and found[0] > time.monotonic() and _stats_seconds():
            result[term] = found[1]
        else:
            missing.append(term)
    if missing:
        fresh = _read_frequencies(missing)
        for term in missing:
            result[term] = _cached((scope, "df", term), lambda t=term: fresh.get(t, 0))
    return result


def _read_frequencies(terms: list[str]) -> dict[str, int]:
    if db.engine.dialect.name == "postgresql":
        statement = sa.text(
            f"SELECT t.term, (SELECT count(*) FROM {search.INDEX_TABLE} "  # noqa: S608
            "WHERE document @@ plainto_tsquery('simple'::regconfig, t.term)) "
            "FROM unnest(CAST(:terms AS text[])) AS t(term)")
        return dict(db.session.execute(statement, {"terms": list(terms)}).all())
    statement = sa.text(f"SELECT term, doc FROM {search.INDEX_TABLE}_vocab WHERE term IN "  # noqa: S608
                        "(SELECT value FROM json_each(:terms))")
    return dict(db.session.execute(statement, {"terms": json.dumps(list(terms))}).all())


def query_terms(weights: dict[str, float], frequencies: dict[str, int], total: int) -> list[str]:
    """The terms to look candidates up with: the heaviest, within a budget of postings.

    Terms are taken by weight (the rarer, the heavier); one whose listings would push the sum of
    postings over ``POSTINGS_BUDGET`` is skipped for a rarer one, so the full-text query ranks a
    bounded set of matches however common the demand's words are. Skipped terms still count in
    the score.
    """
    ordered = sorted(weights, key=lambda term: (-weights[term], term))
    chosen, postings = [], 0
    for term in ordered:
        df = frequencies.get(term, 0)
        if df > max(COMMON_SHARE * total, ALWAYS_SPECIFIC) \
                or (chosen and postings + df > POSTINGS_BUDGET):
            continue
        chosen.append(term)
        postings += df
        if len(chosen) >= QUERY_TERMS:
            break
    if not chosen and ordered:
        chosen = [min(ordered, key=lambda term: (frequencies.get(term, 0), term))]
    return chosen


def candidate_ids(terms: list[str], limit: int = CANDIDATES) -> list[int]:
    """Published listings best matching any of ``terms``, by the index's own ranking."""
    if not terms:
        return []
    if db.engine.dialect.name == "postgresql":
        # The OR of the terms is built once (a materialised CTE), not once per ranked row.
        parts = [sa.func.plainto_tsquery(sa.literal_column("'simple'::regconfig"), term)
                 for term in terms]
        combined = parts[0]
        for part in parts[1:]:
            combined = combined.op("||")(part)
        query = sa.select(combined.label("q")).cte("query").prefix_with("MATERIALIZED")
        index = sa.table(search.INDEX_TABLE, sa.column("listing_id"), sa.column("document"))
        rank = sa.func.ts_rank(index.c.document, query.c.q)
        statement = (sa.select(index.c.listing_id).select_from(query)
                     .join(index, index.c.document.bool_op("@@")(query.c.q))
                     .join(Listing, Listing.id == index.c.listing_id)
                     .where(Listing.state == ListingState.PUBLISHED)
                     .order_by(rank.desc(), index.c.listing_id.desc()).limit(limit))
        return list(db.session.scalars(statement))
    # SQLite: FTS5 ranks its matches without reading a listing; the best are then checked to be
    # published. Should index rows of unpublished listings crowd them out, rank with the join.
    expression = " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)
    fts = sa.literal_column(search.INDEX_TABLE)
    index = sa.table(search.INDEX_TABLE, sa.column("rowid"))
    ranked = (sa.select(index.c.rowid.label("id"), sa.func.bm25(fts, 10.0, 1.0).label("rank"))
              .where(fts.op("MATCH")(expression)).order_by(sa.text("rank"), index.c.rowid.desc()))
    for inner in (ranked.limit(limit * 2), ranked):
        best = inner.subquery("best")
        rows = db.session.execute(
            sa.select(best.c.id, Listing.state).outerjoin(Listing, Listing.id == best.c.id)
            .order_by(best.c.rank, best.c.id.desc())).all()
        found = [row.id for row in rows if row.state is ListingState.PUBLISHED][:limit]
        if len(found) >= limit or len(rows) < limit * 2:
            break
    return found


def _field_candidates(fields, limit: int = CANDIDATES) -> list[int]:
    return list(db.session.scalars(
        sa.select(Listing.id).where(Listing.state == ListingState.PUBLISHED,
                                    Listing.field.in_(list(fields)))
        .order_by(Listing.published_at.desc(), Listing.id.desc()).limit(limit)))


def index_tokens(ids: list[int]) -> dict[int, tuple[set[str], set[str]]]:
    """listing id -> (title tokens, all tokens), read from the search index (no re-segmenting)."""
    if db.engine.dialect.name == "postgresql":
        statement = sa.text(
            f"SELECT listing_id, tsvector_to_array(ts_filter(document, '{{a}}')), "  # noqa: S608
            f"tsvector_to_array(document) FROM {search.INDEX_TABLE} "
            "WHERE listing_id = ANY(CAST(:ids AS integer[]))")
        rows = db.session.execute(statement, {"ids": list(ids)})
        return {row[0]: (set(row[1]), set(row[2])) for row in rows}
    statement = sa.text(f"SELECT rowid, title, body FROM {search.INDEX_TABLE} "  # noqa: S608
                        "WHERE rowid IN (SELECT value FROM json_each(:ids))")
    rows = db.session.execute(statement, {"ids": json.dumps(list(ids))})
    result = {}
    for listing_id, title, body in rows:
        title_tokens = set(title.split())
        result[listing_id] = (title_tokens, title_tokens | set(body.split()))
    return result


def candidates(ids: list[int]) -> list[scoring.Candidate]:
    """The scorer's view of published listings, their tokens taken from the search index."""
    if not ids:
        return []
    columns = (Listing.id, Listing.title, Listing.abstract, Listing.keywords, Listing.field,
               Listing.trl, Listing.asking_price)
    rows = db.session.execute(sa.select(*columns).where(
        Listing.id.in_(ids), Listing.state == ListingState.PUBLISHED)).all()
    modes: dict[int, set] = {}
    for listing_id, mode in db.session.execute(sa.select(ListingMode.listing_id, ListingMode.mode)
                                               .where(ListingMode.listing_id.in_(ids))):
        modes.setdefault(listing_id, set()).add(mode)
    tokens = index_tokens(ids)
    result = []
    for row in rows:
        title_tokens, all_tokens = tokens.get(row.id, (None, None))
        result.append(scoring.Candidate(
            id=row.id, title=row.title, text=" ".join(filter(None, [row.abstract, row.keywords])),
            field=row.field, trl=row.trl, modes=frozenset(modes.get(row.id, ())),
            price=row.asking_price, _title_tokens=title_tokens, _tokens=all_tokens))
    return result


def to_candidate(listing: Listing) -> scoring.Candidate:
    return scoring.Candidate(
        id=listing.id, title=listing.title,
        text=" ".join(filter(None, [listing.abstract, listing.keywords])), field=listing.field,
        trl=listing.trl, modes=frozenset(listing.mode_set), price=listing.asking_price)


# -- demands --------------------------------------------------------------------------------------

def need_demand(need: Need) -> scoring.Demand:
    return scoring.Demand(
        terms=scoring.demand_terms(need.title, need.description, need.keywords),
        text=" ".join(filter(None, [need.title, need.keywords, need.description])),
        fields=(need.field,), modes=(need.mode,) if need.mode else (),
        trl_min=need.trl_min, trl_max=need.trl_max,
        budget_min=need.budget_min, budget_max=need.budget_max)


def profile_demand(profile: PreferenceProfile) -> scoring.Demand:
    return scoring.Demand(
        terms=scoring.demand_terms("", "", profile.keywords), text=profile.keywords or "",
        fields=tuple(profile.fields or ()),
        modes=tuple(ConversionMode(m) for m in profile.modes or ()),
        trl_min=profile.trl_min, trl_max=profile.trl_max, budget_max=profile.budget_max)


def rank(demand: scoring.Demand, limit: int = KEEP) -> list[tuple[int, int, dict]]:
    """[(listing id, score, reasons)] best first: the demand's matches among the candidates."""
    total = published_total()
    frequencies = document_frequencies(demand.terms) if demand.terms else {}
    weights = scoring.weighted_terms(demand, frequencies, total)
    if weights:
        ids = candidate_ids(query_terms(weights, frequencies, total))
    elif demand.fields and not demand.terms:
        ids = _field_candidates(demand.fields)
    else:
        ids = []
    scored = []
    for candidate in candidates(ids):
        result = scoring.score(demand, weights, candidate, explain=False)
        if result and result[0] >= MIN_SCORE:
            scored.append((result[0], candidate))
    scored.sort(key=lambda row: (-row[0], -row[1].id))
    return [(candidate.id, *scoring.score(demand, weights, candidate))
            for _, candidate in scored[:limit]]


# -- storing --------------------------------------------------------------------------------------

def _store(subject: dict, rows: list[tuple[int, int, dict]]) -> None:
    ((column, value),) = subject.items()
    db.session.execute(sa.delete(Match).where(getattr(Match, column) == value))
    now = utcnow()
    if rows:
        db.session.execute(sa.insert(Match), [
            {"listing_id": listing_id, "score": score, "reasons": reasons, "computed_at": now,
             "need_id": None, "profile_id": None, **subject} for listing_id, score, reasons in rows])


def recompute_need(need: Need) -> int:
    """Replace a need's stored matches; return how many. A closed need keeps no matches."""
    rows = rank(need_demand(need)) if need.state is not NeedState.CLOSED else []
    _store({"need_id": need.id}, rows)
    need.matched_at = utcnow()
    db.session.commit()
    return len(rows)


def recompute_profile(profile: PreferenceProfile) -> int:
    """Replace a profile's stored recommendations; return how many."""
    rows = rank(profile_demand(profile))
    _store({"profile_id": profile.id}, rows)
    profile.matched_at = utcnow()
    db.session.commit()
    return len(rows)


def active_needs() -> list[Need]:
    """Needs whose matches follow listing changes: drafts and open needs not past their deadline."""
    today = timezones.today()
    return list(db.session.scalars(sa.select(Need).where(
        Need.state.in_([NeedState.DRAFT, NeedState.OPEN]),
        sa.or_(Need.deadline.is_(None), Need.deadline >= today))))


def recompute_listing(listing: Listing) -> int:
    """Re-score one listing against every active need and profile; return the matches stored.

    The subjects' term statistics are read in one go, the scores computed in Python, and the
    subjects' current match counts read with one grouped query per kind of subject.
    """
    db.session.execute(sa.delete(Match).where(Match.listing_id == listing.id))
    offers = []
    if listing.state is ListingState.PUBLISHED:
        candidate = to_candidate(listing)
        subjects = [("need_id", need.id, need_demand(need)) for need in active_needs()]
        subjects += [("profile_id", profile.id, profile_demand(profile))
                     for profile in db.session.scalars(sa.select(PreferenceProfile))]
        total = published_total()
        frequencies = document_frequencies(
            sorted(set().union(*(demand.terms for _, _, demand in subjects)))) if subjects else {}
        for column, subject_id, demand in subjects:
            weights = scoring.weighted_terms(demand, frequencies, total)
            if demand.terms and not weights:
                continue
            scored = scoring.score(demand, weights, candidate)
            if scored and scored[0] >= MIN_SCORE:
                offers.append((column, subject_id, scored))
    stored = _keep_best(offers, listing.id)
    db.session.commit()
    return stored


def _keep_best(offers: list[tuple[str, int, tuple[int, dict]]], listing_id: int) -> int:
    """Store each offered match that makes its subject's best ``KEEP`` (dropping the worst)."""
    kept: dict[tuple[str, int], tuple[int, int]] = {}
    for column in ("need_id", "profile_id"):
        ids = [subject_id for kind, subject_id, _ in offers if kind == column]
        if ids:
            key = getattr(Match, column)
            for subject_id, count, lowest in db.session.execute(
                    sa.select(key, sa.func.count(), sa.func.min(Match.score))
                    .where(key.in_(ids)).group_by(key)):
                kept[(column, subject_id)] = (count, lowest)
    rows = []
    for column, subject_id, (score, reasons) in offers:
        count, lowest = kept.get((column, subject_id), (0, 0))
        if count >= KEEP:
            if lowest >= score:
                continue
            key = getattr(Match, column)
            worst = db.session.scalar(sa.select(Match.id).where(key == subject_id)
                                      .order_by(Match.score, Match.id.desc()).limit(1))
            db.session.execute(sa.delete(Match).where(Match.id == worst))
        rows.append({"listing_id": listing_id, "score": score, "reasons": reasons,
                     "computed_at": utcnow(), "need_id": None, "profile_id": None,
                     column: subject_id})
    if rows:
        db.session.execute(sa.insert(Match), rows)
    return len(rows)
