"""The words of a query as the search matches and weighs them: what each word matches (itself,
its synonyms, an IPC code's symbols), how many listings have it, its weight, and which of them
bring listings into the results.

A word is matched as a node of ``search_sql.words``' tree (``equivalents``): itself, or any of
its synonyms (``synonyms``: OR within the group, each synonym of several words needing all of
them); an IPC term (``identifiers.IPC_TERM``) matches the indexed IPC symbols (the leaf is
rendered by ``search_sql``). A word counts as present in a listing when any of its equivalents
is: in its frequency, its weight, the coverage and the missing words alike.

A word's weight is bm25's inverse document frequency, so a rare word of the query counts for more
than a common one. A listing is shown when it has one of the query's *selective* words: the rarest
words (in query order), as long as the listings they are in add up to at most ``POSTINGS_BUDGET``;
the rarest word found anywhere is always one of them. A listing with only the query's common
words is not shown (it would be a listing with only 设备 for 设备预测性维护), but common words still
count in the coverage of the listings shown. This keeps every search's matches, facets and
ranking bounded by the rare words' listings, as a one-word search of the rarest word is; while the
query's words together are in fewer than ``POSTINGS_BUDGET`` listings, any word brings a listing in.

Frequencies are index counts (FTS5 doclists, the GIN index; a word whose listings the process
keeps, ``word_sets``, from its bitset, the same count), kept by each process until the index changes
(its generation, ``facet_bitmaps``), whether or not search results are cached.
"""

import math
import threading
from collections import OrderedDict

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from marketplace.extensions import db
from marketplace.listings import cache, facet_bitmaps, identifiers, search, synonyms, term_stats

POSTINGS_BUDGET = 5000
#: Weights are integers (idf × this), so that equal sets of words sum to equal coverage.
WEIGHT_SCALE = 1_000_000
_MEMO = "search_term_counts"
#: Words whose counts a process keeps for the current index generation (the first counted go
#: first when there are more).
COUNTS_KEPT = 20_000
_counts_lock = threading.Lock()
#: Per database: ((epoch, generation, this process's invalidations), {key: count}).
_counts: dict[str, tuple[tuple, OrderedDict]] = {}


def equivalents(token: str):
    """The node (``search_sql.words``) one query word matches: the word itself (a leaf), or
    ``("any", …)`` of it and its synonyms, a synonym of several words as ``("all", words)``."""
    if identifiers.IPC_TERM.match(token):
        return token
    options = synonyms.alternatives(token, search.tokens_for_query)
    if len(options) == 1 and len(options[0]) == 1:
        return options[0][0]
    return ("any", [words[0] if len(words) == 1 else ("all", list(words)) for words in options])


def _leaves(node) -> list[str] | None:
    """The words of an equivalents node that is a word or any of several words, else None."""
    if isinstance(node, str):
        return [node]
    if node[0] == "any" and all(isinstance(part, str) for part in node[1]):
        return list(node[1])
    return None


def _count(token: str) -> int:
    """Listings with the word or one of its equivalents (one index lookup).

    On PostgreSQL a common word's count is the statistics' estimate (``term_stats``); a word with
    synonyms, one of them common, is at most the sum of its words' counts (they rarely overlap).
    Any other word is counted exactly: from its listings if the process keeps them
    (``word_sets``), else in the index. So every process counts a word alike, whatever it keeps
    (the counts choose the selective words and weigh them).
    """
    from marketplace.listings import word_sets  # builds on this module

    node = equivalents(token)
    leaves = None if identifiers.IPC_TERM.match(token) else _leaves(node)
    if leaves:
        estimates = [term_stats.estimate(leaf) for leaf in leaves]
        if any(estimates):
            total = sum(found if found else _count_node(leaf)
                        for leaf, found in zip(leaves, estimates, strict=True))
            return min(total, published_total())
    kept = word_sets.kept(token)
    return kept.bit_count() if kept is not None else _count_node(node)


def _count_node(node) -> int:
    from marketplace.listings import search_sql  # builds on this module

    statement = sa.select(sa.func.count()).select_from(search_sql.INDEX).where(
        search_sql.text_match(search_sql.UNFILTERED, node))
    return db.session.scalar(statement) or 0


def _remembered(key, compute):
    """``compute()``, read once per transaction (a search asks for a word's count several
    times) and once per process and index generation (``facet_bitmaps``: the generation moves
    with every committed change of the index, so a count kept under it is never stale)."""
    memo = db.session.info.setdefault(_MEMO, {})
    if key in memo:
        return memo[key]
    if db.session.info.get(facet_bitmaps.CHANGED):  # this transaction changed the index
        memo[key] = compute()
        return memo[key]
    snapshot = facet_bitmaps.current()
    # cache.generation(): this process's own invalidations (it changed the index, a reindex).
    at, scope = (snapshot.epoch, snapshot.generation, cache.generation()), cache.scope()
    with _counts_lock:
        held = _counts.get(scope)
        value = held[1].get(key) if held is not None and held[0] == at else None
    if value is None:
        value = compute()
        with _counts_lock:
            held = _counts.get(scope)
            if held is None or held[0] != at:  # the index changed: the counts kept are not of it
                held = _counts[scope] = (at, OrderedDict())
            held[1][key] = value
            while len(held[1]) > COUNTS_KEPT:
                held[1].popitem(last=False)
    memo[key] = value
    return value


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget(session, *_args) -> None:
    """A flush may change the index; a new transaction may see others' changes."""
    session.info.pop(_MEMO, None)


def document_frequency(token: str) -> int:
    """How many indexed listings contain ``token``."""
    return _remembered(("df", token), lambda: _count(token))


def published_total() -> int:
    """How many listings are published (the facet bitsets hold them: no count is run)."""
    return facet_bitmaps.current().published.bit_count()


def weights(tokens: list[str]) -> dict[str, int]:
    """Each word's weight: bm25's inverse document frequency, scaled to an integer."""
    total = published_total()
    result = {}
    for token in tokens:
        df = document_frequency(token)
        idf = math.log(1 + (max(total - df, 0) + 0.5) / (df + 0.5))
        result[token] = max(1, round(idf * WEIGHT_SCALE))
    return result


def known_words(tokens: list[str]) -> list[str]:
    """The query's words as the index knows them: a word in no listing is replaced by the
    dictionary words inside it that are (``search.sub_words``), so 设备预测性维护 looks for 预测 when
    no listing says 预测性, and 关键设备 for 关键 and 设备. Words with synonyms stay as typed."""
    result = []
    for token in tokens:
        parts = []
        if not identifiers.IPC_TERM.match(token) and document_frequency(token) == 0:
            parts = [part for part in search.sub_words(token) if document_frequency(part)]
        for word in parts or [token]:
            if word not in result:
                result.append(word)
    return result


def selective(tokens: list[str]) -> list[str]:
    """The words that bring listings into the results (see the module docstring), in query order;
    all of them when none is in any listing."""
    if len(tokens) < 2:
        return list(tokens)
    found = {token: document_frequency(token) for token in tokens}
    chosen, postings = set(), 0
    for token in sorted((t for t in tokens if found[t]), key=lambda t: (found[t], tokens.index(t))):
        if chosen and postings + found[token] > POSTINGS_BUDGET:
            break
        chosen.add(token)
        postings += found[token]
    return [token for token in tokens if token in chosen] or list(tokens)
