"""Ranking partial matches: listings with every word first, then those covering most of the query.

A query of several words matches the listings that have any of its selective words (``terms``),
and its results are ordered in two tiers:

1. Listings with every word, ranked by bm25 / ts_rank exactly as a one-word query is
   (``search_sql.best_matches``).
2. Then the others, by their *coverage*: the sum of the weights of the query's words they
   contain (``terms.weights``: bm25's idf, the rarer the word the heavier), so a listing with a
   rare word of the query comes before one with a common word only. Among the first
   ``search.RANK_CANDIDATES`` of them (by coverage, then the newest), the better grade and then
   the newest come first within equal coverage (the same words found); the others follow by
   coverage, newest first.

The listings with every word are ranked by the index (bm25 / ts_rank of the newest matches);
only when they do not fill the page are the others split into tiers. Both come from
``coverage``, read once per query and transaction and shared with the facets and the words each
result lacks: each word's listings as a bitset (``facet_bitmaps.bits``), a selective word's all
of them (kept by the process for a frequent word, ``word_sets``), another word's read among the
matches only (the index intersects them without reading a row's document). The matches are the
union of the selective words' bitsets, and each listing's *mask* (which words it has) splits
them, in Python. The filters and the published state then apply as bitset ANDs, as the facet
counts do, so the page, its total and its facets are the same listings. Only the first
``RANK_CANDIDATES`` partial matches (and past them the page's) are looked up in ``listings``
(state, grade, date), and only the page's come back. A word is one branch with its synonyms
(``terms.equivalents``): a listing with any of them has the word.
"""

from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from marketplace.extensions import db
from marketplace.listings import facet_bitmaps, search, search_sql, terms, word_sets
from marketplace.listings.models import Listing

_MEMO = "search_coverage"
#: Up to this many words, a query's tiers are made by splitting bitsets (``Coverage.tiers``).
SPLIT_WORDS = 8


class Coverage:
    """The listings a query matches (any selective word) and, read when needed, which of its
    words each one has: its *mask* (bit ``i``: the listing has ``tokens[i]`` or an equivalent).

    Each word's listings are a bitset: a selective word's are all the listings with it
    (``word_sets``: a process keeps a frequent word's); another word's are read among the
    matches only (the index intersects them), unless the process keeps that word's already.
    """

    def __init__(self, tokens: list[str]):
        self.tokens = tuple(tokens)
        self.chosen = terms.selective(list(tokens))
        self._has: dict[str, int] = {}
        self._matched: int | None = None
        #: Listings known to have every word (the ranking found them so), masks read or not.
        self.complete: set[int] = set()

    @property
    def every(self) -> int:
        """The mask of a listing with every word."""
        return (1 << len(self.tokens)) - 1

    def matched(self) -> int:
        """The bitset of every matched listing, in the index (published or not, any filter)."""
        if self._matched is None:
            self._matched = 0
            for token in self.chosen:
                self._matched |= self._word(token)
        return self._matched

    def _word(self, token: str) -> int:
        """The matched listings with ``token``."""
        if token not in self._has:
            if token in self.chosen:
                found = word_sets.listings_with(token)
            else:
                found = word_sets.kept(token)
                if found is None:  # the index intersects it with the matches
                    found = word_sets.read(("all", [terms.equivalents(token),
                                                    search_sql.words(list(self.tokens))]))
                found &= self.matched()
            self._has[token] = found
        return self._has[token]

    def tiers(self, weights: dict[str, int], shown: int) -> list[tuple[int, int | list[int]]]:
        """The listings of ``shown`` (within the matches) by coverage, the highest first: each
        tier a bitset, or (for a query of many words) a list of ids, the newest first.

        Up to ``SPLIT_WORDS`` words, the bitset is split by each word in turn (at most one part
        per combination of words); past that, each listing's coverage is summed word by word
        (the work grows with the listings, not with the combinations)."""
        if len(self.tokens) <= SPLIT_WORDS:
            parts = {0: shown} if shown else {}
            for position, token in enumerate(self.tokens):
                has, split = self._word(token), {}
                for mask, found in parts.items():
                    if found & has:
                        split[mask | 1 << position] = found & has
                    if found & ~has:
                        split[mask] = found & ~has
                parts = split
            by_value: dict[int, int] = defaultdict(int)
            for mask, found in parts.items():
                by_value[sum(weights[token] for position, token in enumerate(self.tokens)
                             if mask >> position & 1)] |= found
            return sorted(by_value.items(), reverse=True)
        sums: dict[int, int] = defaultdict(int)
        for token in self.tokens:
            for listing_id in facet_bitmaps.members(self._word(token) & shown):
                sums[listing_id] += weights[token]
        grouped: dict[int, list[int]] = defaultdict(list)
        for listing_id, value in sums.items():
            grouped[value].append(listing_id)
        return [(value, sorted(ids, reverse=True)) for value, ids in sorted(grouped.items(),
                                                                             reverse=True)]

    def masks_of(self, ids: list[int]) -> dict[int, int]:
        """Listing id -> its mask, for ``ids`` (nothing read when the ranking found every one of
        them to have every word)."""
        if all(i in self.complete for i in ids):
            return dict.fromkeys(ids, self.every)
        return {i: sum(1 << position for position, token in enumerate(self.tokens)
                       if self._word(token) >> i & 1) for i in ids}


def coverage(tokens: list[str]) -> Coverage:
    """The query's matches, read once per transaction (the facets, the ranking and the missing
    words all ask), without filters.

    Changes not yet flushed are flushed first: the index follows the listings at flush
    (``search``), and the ranking's own statements would flush them half-way through."""
    session = db.session()
    if session.new or session.dirty or session.deleted:
        session.flush()
    memo = session.info.setdefault(_MEMO, {})
    key = tuple(tokens)
    if key not in memo:
        memo[key] = Coverage(tokens)
    return memo[key]


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget(session, *_args) -> None:
    """A flush may change the index; a new transaction may see others' changes."""
    session.info.pop(_MEMO, None)


def ranked_ids(query, tokens: list[str], wanted: int) -> list[int]:
    """The ``wanted`` best matches of a query of several words: every word first, then partial.

    The listings with every word are ranked by the index alone; only when they do not fill the
    page are the others split into tiers. A listing the index ranked is never in a tier, and one
    that the words' bitsets show with every word but the index did not rank (a commit between the
    two reads) comes first among them."""
    found = coverage(tokens)
    complete = search_sql.best_matches(query, tokens, wanted, every=True)
    found.complete.update(complete)
    if len(complete) >= wanted:
        return complete
    shown = facet_bitmaps.filtered(query, search_sql.filter_items(query), found.matched())
    return complete + _partial(found, shown & ~facet_bitmaps.bits(complete),
                               wanted - len(complete))


def _partial(found: Coverage, shown: int, wanted: int) -> list[int]:
    """The ``wanted`` first partial matches among ``shown`` (a bitset), in order: by coverage,
    and within equal coverage by grade and date among the ``RANK_CANDIDATES`` first (by
    coverage, newest first), newest first past them."""
    limit = max(search.RANK_CANDIDATES, wanted)
    result: list[int] = []
    walked = 0  # partial matches taken, in (coverage, newest) order
    for _, tier in found.tiers(terms.weights(list(found.tokens)), shown):
        ids = (facet_bitmaps.members(tier, limit - walked) if isinstance(tier, int)
               else tier[:limit - walked])
        head = ids[:max(0, search.RANK_CANDIDATES - walked)]
        walked += len(ids)
        for part, order in ((head, _BY_GRADE), (ids[len(head):], _NEWEST)):
            if part and len(result) < wanted:
                result += db.session.scalars(
                    sa.select(Listing.id).where(search_sql.among(Listing.id, part),
                                                search_sql.published_by_key())
                    .order_by(*order).limit(wanted - len(result))).all()
        if len(result) >= wanted or walked >= limit:
            break
    return result


_BY_GRADE = (Listing.grade, Listing.published_at.desc(), Listing.id.desc())
_NEWEST = (Listing.id.desc(),)


def missing_terms(tokens: list[str], ids: list[int]) -> dict[int, list[str]]:
    """For each listing of ``ids``, the words of the query it lacks (only those that lack some)."""
    if len(tokens) < 2 or not ids:
        return {}
    masks = coverage(tokens).masks_of(ids)
    result = {}
    for listing_id in ids:
        mask = masks[listing_id]
        lacking = [token for position, token in enumerate(tokens) if not mask & (1 << position)]
        if lacking:
            result[listing_id] = lacking
    return result
