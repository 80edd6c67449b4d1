"""The search synonyms: groups of equivalent terms from ``synonyms.txt``, and query expansion.

A query word that is a term of a group matches any term of that group (OR within the group);
the words of a query still combine as before. A term of several words (太阳能电池 may be cut into
太阳能 + 电池) matches when all its words do. The terms are added to the segmentation dictionary
(``search._load_dictionary``), so that a term typed alone stays one word.
"""

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

_FILE = Path(__file__).with_name("synonyms.txt")


class DictionaryError(ValueError):
    """The synonyms file is malformed (a term in two groups, a group of one term)."""


def normalise(term: str) -> str:
    """The form terms are compared in: NFKC (full-width to half-width), lower case, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", term or "").lower().split())


def parse(text: str) -> list[frozenset[str]]:
    """The groups of a synonyms file's text; raises ``DictionaryError`` on a malformed line."""
    result, seen = [], {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        terms = [normalise(term) for term in line.split(",")]
        terms = [term for term in terms if term]
        group = frozenset(terms)
        if len(group) < 2:
            raise DictionaryError(f"line {number}: a group needs two different terms: {line!r}")
        for term in terms:
            if term in seen:
                raise DictionaryError(f"line {number}: {term!r} is already in line {seen[term]}")
            seen[term] = number
        result.append(group)
    return result


@lru_cache(maxsize=1)
def _dictionary() -> tuple[tuple[frozenset[str], ...], dict[str, frozenset[str]], dict[str, str]]:
    text = _FILE.read_text(encoding="utf-8")
    found = tuple(parse(text))
    by_term = {term: group for group in found for term in group}
    # Each term as written in the file (the segmenter's dictionary is case-sensitive: 3D打印).
    spelled = {normalise(term): term.strip() for line in text.splitlines()
               for term in line.split("#", 1)[0].split(",") if term.strip()}
    return found, by_term, spelled


def groups() -> list[frozenset[str]]:
    """Every group of equivalent terms, normalised, in the file's order."""
    return list(_dictionary()[0])


def expand(term: str) -> frozenset[str]:
    """``term`` and its equivalents, normalised (just the term when it is in no group)."""
    key = normalise(term)
    return _dictionary()[1].get(key, frozenset({key}))


def all_terms() -> list[str]:
    """Every term of the dictionary, as written in the file."""
    return list(_dictionary()[2].values())


_HAN = re.compile(r"[\u4e00-\u9fff]")


def segmentation_terms() -> list[str]:
    """The terms the segmenter must keep whole: those with Chinese characters, as written and
    in lower case (3D打印, 3d打印)."""
    found = [spelling for term in all_terms() if _HAN.search(term)
             for spelling in (term, normalise(term))]
    return list(dict.fromkeys(found))


def alternatives(token: str, tokens_of) -> list[list[str]]:
    """How a query word may match: a list of alternatives, each the words it needs all of.

    ``tokens_of`` cuts a term into query words (``search.tokens_for_query``). The word itself
    comes first; a word in no group has the one alternative ``[[token]]``.
    """
    found = [[token]]
    spelled = _dictionary()[2]
    for term in sorted(expand(token) - {token}):
        words = tokens_of(spelled[term])
        if words and words not in found:
            found.append(words)
    return found


def highlighted(tokens: list[str]) -> list[str]:
    """The words to mark in a result: the query's and their synonyms (each once)."""
    return list(dict.fromkeys(term for token in tokens for term in (token, *sorted(expand(token)))))
