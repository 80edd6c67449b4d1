"""Suggestions as you type in a search box: dictionary terms, industry fields, listing titles.

``suggest(text)`` asks each source in ``SOURCES`` in turn; a source is a function
``(normal, limit) -> list[Suggestion]`` given the normalised text (``suggest_index.compact``)
and how many it may return. Every source matches a prefix first and then any other part
(infix), so Chinese typed without spaces is found wherever it stands. Titles come from the title
index in the database (published listings only); the short lists (the terms of the synonym
dictionary, ``synonyms.all_terms()``, and the field names) from ``TermIndex`` in memory.
"""

from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

from flask import url_for
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l

from marketplace.listings import suggest_index, synonyms
from marketplace.listings.models import FIELDS

#: At most this many suggestions in all, and at most this many from each short list.
LIMIT = 8
SHORT_LIST_LIMIT = 3
#: Longest text accepted (the search boxes' maxlength).
MAX_LENGTH = 100


@dataclass(frozen=True)
class Suggestion:
    kind: str
    text: str
    url: str
    #: [start, end) of the matched part of ``text``, for highlighting.
    match: tuple[int, int] | None = None

    def as_json(self) -> dict:
        return {"text": self.text, "url": self.url,
                "match": list(self.match) if self.match else None}


def _match_span(text: str, normal: str) -> tuple[int, int] | None:
    """Where ``normal`` (compact) occurs in ``text``, in ``text``'s own character offsets."""
    compacted, offsets = suggest_index.compact_with_offsets(text)
    start = compacted.find(normal)
    if start < 0:
        return None
    return offsets[start], offsets[start + len(normal) - 1] + 1


class TermIndex:
    """A short list of (text, value) matched by prefix (a sorted key list and bisection) and then
    infix (one search through all keys joined), on normalised text."""

    def __init__(self, entries):
        keyed = sorted({(suggest_index.compact(text), text, value) for text, value in entries
                        if suggest_index.compact(text)})
        self._keys = [key for key, _, _ in keyed]
        self._entries = [(text, value) for _, text, value in keyed]
        self._haystack = "\x00".join(self._keys)
        self._starts = []
        position = 0
        for key in self._keys:
            self._starts.append(position)
            position += len(key) + 1

    def find(self, normal: str, limit: int) -> list[tuple[str, object]]:
        """Up to ``limit`` entries whose text starts with ``normal``, then ones that contain it."""
        found = []
        position = bisect_left(self._keys, normal)
        while position < len(self._keys) and self._keys[position].startswith(normal) \
                and len(found) < limit:
            found.append(position)
            position += 1
        at = self._haystack.find(normal)
        while at >= 0 and len(found) < limit:
            entry = bisect_left(self._starts, at + 1) - 1
            if entry not in found:
                found.append(entry)
            at = self._haystack.find(normal, self._starts[entry] + len(self._keys[entry]) + 1)
        return [self._entries[position] for position in found]


@lru_cache(maxsize=8)
def _field_index(locale: str) -> TermIndex:
    """Field names in ``locale`` and in English (the names people also type), to their keys."""
    with force_locale("en"):
        english = [(str(label), key) for key, label in FIELDS.items()]
    return TermIndex([(str(label), key) for key, label in FIELDS.items()] + english)


@lru_cache(maxsize=1)
def _term_index() -> TermIndex:
    """The synonym dictionary's terms, as written in the file (a change needs a restart, as the
    dictionary itself does)."""
    return TermIndex((term, term) for term in synonyms.all_terms())


def terms(normal: str, limit: int) -> list[Suggestion]:
    """Dictionary terms that match: searching one also finds its synonyms."""
    return [Suggestion("term", text, url_for("listings.search", q=text), _match_span(text, normal))
            for text, _ in _term_index().find(normal, min(limit, SHORT_LIST_LIMIT))]


def titles(normal: str, limit: int) -> list[Suggestion]:
    """Published listings whose title starts with, then contains, the text; newest first. Of
    listings with the same title only the newest is suggested (the search shows them all)."""
    found = suggest_index.find(normal, limit * 2, prefix=True)
    if len(found) < limit * 2:
        found += suggest_index.find(normal, limit * 2 - len(found), prefix=False,
                                    exclude=[listing_id for listing_id, _ in found])
    seen, result = set(), []
    for listing_id, title in found:
        if title not in seen and len(result) < limit:
            seen.add(title)
            result.append(Suggestion("title", title, url_for("listings.detail", listing_id=listing_id),
                                     _match_span(title, normal)))
    return result


def fields(normal: str, limit: int) -> list[Suggestion]:
    """Industry fields whose name (in the user's language or English) matches: filter by it."""
    labels = {key: str(label) for key, label in FIELDS.items()}
    seen, result = set(), []
    for _, key in _field_index(str(get_locale())).find(normal, SHORT_LIST_LIMIT * 2):
        if key in seen or len(result) >= min(limit, SHORT_LIST_LIMIT):
            continue
        seen.add(key)
        result.append(Suggestion("field", labels[key], url_for("listings.search", field=key),
                                 _match_span(labels[key], normal)))
    return result


#: (kind, group label, source), in the order the groups are shown; titles fill what is left.
SOURCES = [
    ("term", _l("Search terms"), terms),
    ("field", _l("Fields"), fields),
    ("title", _l("Patents and achievements"), titles),
]


def suggest(text: str, limit: int = LIMIT) -> list[tuple[str, str, list[Suggestion]]]:
    """(kind, group label, suggestions) for each source with a suggestion, at most ``limit`` in
    all; nothing for text without a letter or digit."""
    normal = suggest_index.compact(text)[:MAX_LENGTH]
    groups = []
    if not normal:
        return groups
    left = limit
    for kind, label, source in SOURCES:
        if left <= 0:
            break
        found = source(normal, left)
        if found:
            groups.append((kind, str(label), found))
            left -= len(found)
    return groups
