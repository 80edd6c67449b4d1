"""PostgreSQL: how many listings have a common word, from the planner's statistics of the index.

Counting the listings with a word on PostgreSQL reads every one of them from the table (the GIN
index of a tsvector must be rechecked on the row): 0.3 s for a word in 65,000 of 100,000
listings. ANALYZE (run by autovacuum as the table changes) keeps the frequency of the ~1,000
most common lexemes of ``listing_search.document`` (``pg_stats.most_common_elems``), within a few
per cent of the truth; for a word that common the estimate is used, and every other word (rarer,
so cheap to count: its few postings) is counted exactly. The estimates only weigh words and pick
the rare ones (``terms``); nothing a user counts (totals, facets) comes from them.

SQLite counts a word from the FTS5 doclist without reading a row (~3 ms for the most common), so
it always counts exactly.
"""

import threading
import time

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.listings import search

#: Seconds the statistics are kept before they are read again (autovacuum analyses far less often).
REFRESH_SECONDS = 300
#: Only words estimated in at least this many listings use the estimate (fewer are cheap to count).
ESTIMATE_FROM = 5000

_lock = threading.Lock()
_stats: dict[str, tuple[float, float, dict[str, float]]] = {}


def _read() -> tuple[float, dict[str, float]]:
    rows = db.session.execute(sa.text(
        "SELECT u.lexeme, u.frequency FROM pg_stats s, "
        "unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) "
        "AS u(lexeme, frequency) WHERE s.schemaname = current_schema() "
        "AND s.tablename = :table AND s.attname = 'document'"),
        {"table": search.INDEX_TABLE}).all()
    tuples = db.session.scalar(sa.text(
        "SELECT reltuples FROM pg_class WHERE oid = to_regclass(:table)"),
        {"table": search.INDEX_TABLE})
    return float(tuples or 0), {lexeme: float(frequency) for lexeme, frequency in rows}


def estimate(lexeme: str) -> int | None:
    """The estimated number of listings with ``lexeme`` when it is common, else None."""
    if db.engine.dialect.name != "postgresql":
        return None
    key = db.engine.url.render_as_string(hide_password=True)
    now = time.monotonic()
    entry = _stats.get(key)
    if entry is None or now - entry[0] > REFRESH_SECONDS:
        with _lock:
            entry = _stats.get(key)
            if entry is None or now - entry[0] > REFRESH_SECONDS:
                _stats[key] = entry = (now, *_read())
    _, tuples, frequencies = entry
    if tuples <= 0 or lexeme not in frequencies:
        return None
    count = round(frequencies[lexeme] * tuples)
    return count if count >= ESTIMATE_FROM else None


def forget() -> None:
    with _lock:
        _stats.clear()
