"""What to search instead when no word of a query is in any listing.

Everything offered comes from the search index, so it always finds something:

- *Did you mean*: each word of the query replaced by the index term closest to it (one letter or
  character added, dropped or changed after the first, which is kept), the term in most listings
  first.
- *Popular searches*: the technical terms of the dictionary (``patent_terms.txt``) found in the
  most listings.

On SQLite both are read from the FTS5 vocabulary table (``listing_search_vocab``): the terms of
one first character (a range of its sorted terms) and the counts of the dictionary's terms. On
PostgreSQL, which keeps no vocabulary, from ``ts_stat`` over the newest ``VOCABULARY_DOCUMENTS``
documents (ts_stat reads every document it is given), kept with the search results (``cache``)
until the index changes. Nothing is read unless a search found nothing.
"""

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.listings import cache, search
from marketplace.listings.models import FIELDS, ConversionMode, Grade, LegalStatus, ListingKind

VOCABULARY_DOCUMENTS = 2000
POPULAR = 8
_TERMS_FILE = Path(__file__).with_name("patent_terms.txt")
#: SQLite's filter terms (``search.filter_term``) are words of the index too: never offered.
_FILTER_TERM = re.compile(r"^(university|trl)\d+$")


@dataclass(frozen=True)
class Suggestions:
    """Queries to offer instead of an empty result."""

    #: The query with each word replaced by its closest index term ("" when none is close).
    did_you_mean: str = ""
    popular: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.did_you_mean or self.popular)


@lru_cache(maxsize=1)
def _filter_terms() -> frozenset[str]:
    values = {"field": list(FIELDS), "grade": list(Grade), "kind": list(ListingKind),
              "legal_status": list(LegalStatus), "mode": list(ConversionMode)}
    return frozenset(search.filter_term(name, value, "sqlite")
                     for name, members in values.items() for value in members)


def _bounded_vocabulary() -> dict[str, int]:
    """PostgreSQL: term -> listings, over the newest documents."""
    def read():
        rows = db.session.execute(sa.text(
            "SELECT word, ndoc FROM ts_stat('SELECT document FROM "  # noqa: S608
            f"{search.INDEX_TABLE} ORDER BY listing_id DESC LIMIT {int(VOCABULARY_DOCUMENTS)}')"))
        return {word: n for word, n in rows if " " not in word}
    return cache.cached(("vocabulary", cache.scope()), read)


def _shown(term: str) -> bool:
    return term not in _filter_terms() and not _FILTER_TERM.match(term)


def terms_starting(character: str) -> dict[str, int]:
    """Index terms beginning with ``character`` -> how many listings contain each."""
    if db.engine.dialect.name == "postgresql":
        return {term: n for term, n in _bounded_vocabulary().items() if term[:1] == character}
    rows = db.session.execute(sa.text(
        f"SELECT term, doc FROM {search.INDEX_TABLE}_vocab "  # noqa: S608
        "WHERE term >= :low AND term < :high"), {"low": character, "high": chr(ord(character) + 1)})
    return {term: n for term, n in rows if _shown(term)}


def frequencies(words: list[str]) -> dict[str, int]:
    """How many listings contain each of ``words`` (index terms), for those in some."""
    if db.engine.dialect.name == "postgresql":
        vocabulary = _bounded_vocabulary()
        return {word: vocabulary[word] for word in words if vocabulary.get(word)}
    rows = db.session.execute(sa.text(
        f"SELECT term, doc FROM {search.INDEX_TABLE}_vocab "  # noqa: S608
        "WHERE term IN (SELECT value FROM json_each(:words))"), {"words": json.dumps(words)})
    return {term: n for term, n in rows if n}


def _one_edit_apart(a: str, b: str) -> bool:
    """Whether ``b`` is ``a`` with one character added, dropped or changed."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) > len(b):
        a, b = b, a
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return a[i + 1:] == b[i + 1:] if len(a) == len(b) else a[i:] == b[i + 1:]
    return True  # b is a with one character added at the end


def closest(token: str) -> str | None:
    """The index term one edit from ``token`` in most listings (ties: the first in order)."""
    if len(token) < 2:
        return None
    words = terms_starting(token[0])
    close = [word for word in words if len(word) >= 2 and _one_edit_apart(token, word)]
    return max(close, key=lambda word: (words[word], word), default=None)


def popular(limit: int = POPULAR) -> list[str]:
    """The dictionary's technical terms in the most listings."""
    terms = [line.strip() for line in _TERMS_FILE.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    counts = frequencies([term.lower() for term in terms])
    found = [term for term in terms if term.lower() in counts]
    return sorted(found, key=lambda term: -counts[term.lower()])[:limit]


def suggest(tokens: list[str]) -> Suggestions:
    """What to offer for a query whose words (``tokens``) are in no listing."""
    replaced = [closest(token) for token in tokens]
    did_you_mean = " ".join(new or old for new, old in zip(replaced, tokens, strict=True)) \
        if any(replaced) else ""
    return Suggestions(did_you_mean=did_you_mean, popular=popular())
