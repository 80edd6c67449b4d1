"""The listings with each frequent word, kept by every process as a bitset, exact as listings
change.

A search reads the listings that have each of its selective words (``ranking.Coverage``; the
facets count them, the ranking splits them by the words they have). For a word in many listings
that read is most of what the search costs: PostgreSQL visits every matching row of the index
(about 1.3 µs each: 17 ms for a word in 13,000 of 100,000 listings), SQLite walks the word's
doclist. So a process keeps the bitset (``facet_bitmaps.bits``) of a word in at least
``KEEP_FROM`` listings once it has read it, for up to ``KEPT`` words per database (the least
recently used go first; 12.5 kB each at 100,000 listings).

**Exact as listings change.** A kept bitset is labelled with the index generation
(``facet_bitmaps``) at which it was read. Used at a later generation it is brought up to date
first: the listings changed since (``facet_bitmaps.changes``; indexing or unindexing a listing
always records it) are looked up in the index for the word, and their bits cleared and set
again. When more than ``RETEST_AT_MOST`` listings changed, or the changes are not known one by
one (an old generation, a reindex), the word is read again. Each bit thus shows its listing as
of the label's generation or later, as the facet bitsets do. A transaction that has changed the
index itself reads its words from the index.
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from marketplace.extensions import db
from marketplace.listings import cache, facet_bitmaps, search_sql, terms

#: A word in at least this many listings is kept once read.
KEEP_FROM = 1000
#: Words kept per database.
KEPT = 256
#: More changed listings than this since a word was kept: the word is read again.
RETEST_AT_MOST = 50


@dataclass(frozen=True)
class _Kept:
    epoch: str | None
    generation: int
    bitset: int


_lock = threading.Lock()
_kept: dict[str, OrderedDict[str, _Kept]] = {}


def read(node, ids: list[int] | None = None) -> int:
    """The bitset of the indexed listings matching ``node`` (``search_sql.words``: a word, or
    words combined), among ``ids`` if given."""
    id_column = search_sql.index_id()
    statement = sa.select(id_column).select_from(search_sql.INDEX).where(
        search_sql.text_match(search_sql.UNFILTERED, node))
    if ids is not None:
        statement = statement.where(search_sql.among(id_column, ids))
    return facet_bitmaps.bits(db.session.scalars(statement).all())


def listings_with(token: str) -> int:
    """The bitset of the indexed listings with ``token`` (or one of its equivalents)."""
    found = kept(token)
    if found is None:
        found = read(terms.equivalents(token))
        if found.bit_count() >= KEEP_FROM and not _changing():
            _keep(token, facet_bitmaps.current(), found)
    return found


def kept(token: str) -> int | None:
    """The kept bitset of ``token``, brought up to the current generation; None if the process
    keeps none (or it would take reading the word again)."""
    if _changing():
        return None
    snapshot = facet_bitmaps.current()
    with _lock:
        words = _kept.get(cache.scope())
        entry = words.get(token) if words is not None else None
        if entry is not None:
            words.move_to_end(token)
    if entry is None or entry.epoch != snapshot.epoch or entry.generation > snapshot.generation:
        return None  # another database, or a generation this request does not know of yet
    if entry.generation == snapshot.generation:
        return entry.bitset
    changed = _changes_since(entry.generation, snapshot.generation)
    if changed is None or len(changed) > RETEST_AT_MOST:
        return None
    ids = sorted(changed)
    bitset = (entry.bitset & ~facet_bitmaps.bits(ids)) | read(terms.equivalents(token), ids)
    _keep(token, snapshot, bitset)
    return bitset


def forget() -> None:
    """Drop every kept word (tests that change what a word matches, such as the synonyms)."""
    with _lock:
        _kept.clear()


def _changing() -> bool:
    """Whether this transaction has changed the index (its words are not yet committed)."""
    return bool(db.session.info.get(facet_bitmaps.CHANGED))


_CHANGES = "word_sets_changes"


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_changes(session: Session, *_args) -> None:
    session.info.pop(_CHANGES, None)


def _changes_since(since: int, until: int) -> set[int] | None:
    """``facet_bitmaps.changes``, read once per transaction for each pair of generations."""
    memo = db.session.info.setdefault(_CHANGES, {})
    if (since, until) not in memo:
        memo[(since, until)] = facet_bitmaps.changes(since, until)
    return memo[(since, until)]


def _keep(token: str, snapshot, bitset: int) -> None:
    with _lock:
        words = _kept.setdefault(cache.scope(), OrderedDict())
        # The last read wins: its label is never newer than what it read, so a later request
        # at a newer generation brings it up to date (a database restored to an older
        # generation replaces the words kept from the newer one).
        words[token] = _Kept(snapshot.epoch, snapshot.generation, bitset)
        words.move_to_end(token)
        while len(words) > KEPT:
            words.popitem(last=False)
