"""The search page's links to itself, and its facets as (link, label, count) rows.

The results block links every facet value (up to about 130 of them: 90 universities) to the
search with that value set or cleared. Built with ``url_for`` and ``SearchQuery.args`` in the
template they cost about a third of rendering the block; they differ only in one argument of
their query strings, so the path is built once with ``url_for`` and each query string is joined
from arguments encoded once, exactly as werkzeug encodes them (tests compare with ``url_for``).
"""

from dataclasses import dataclass
from urllib.parse import quote_plus
from weakref import WeakKeyDictionary

from flask import url_for
from flask_babel import get_translations

from marketplace.listings.forms import GRADE_LABELS, KIND_LABELS, LEGAL_LABELS, MODE_LABELS
from marketplace.listings.models import FIELDS

#: What werkzeug's URL builder leaves unescaped in a query string (``werkzeug.urls._urlencode``).
SAFE = "!$'()*,/:;?@"
#: The facets in the order the page shows them.
FACET_ORDER = ("grade", "mode", "field", "kind", "trl", "legal_status", "university")
#: The label tables of the results block, under their template names.
_TABLES = {"GRADE_LABELS": GRADE_LABELS, "MODE_LABELS": MODE_LABELS, "KIND_LABELS": KIND_LABELS,
           "LEGAL_LABELS": LEGAL_LABELS, "FIELDS": FIELDS}
_FACET_TABLES = {"grade": "GRADE_LABELS", "mode": "MODE_LABELS", "kind": "KIND_LABELS",
                 "legal_status": "LEGAL_LABELS", "field": "FIELDS"}


#: Translated label tables per catalogue (Flask-Babel keeps one per app and language).
_translated: "WeakKeyDictionary[object, dict[str, dict]]" = WeakKeyDictionary()


def translated_labels() -> dict[str, dict]:
    """The label tables, translated: a lazy label looks its translation up each time it is shown
    (about 120 times on a results block). Passed to the block, they replace the lazy ones.
    Translated once per catalogue; do not change the tables."""
    translations = get_translations()
    tables = _translated.get(translations)
    if tables is None:
        tables = _translated[translations] = {
            name: {key: str(label) for key, label in table.items()}
            for name, table in _TABLES.items()}
    return tables


def _encoded(name: str, value) -> str:
    """``name=value`` as ``urllib.parse.urlencode`` writes it with werkzeug's safe characters."""
    return quote_plus(name, safe=SAFE) + "=" + quote_plus(str(value), safe=SAFE)


def _value_encoder(name: str):
    """``_encoded`` for one argument name, the name encoded once."""
    prefix = quote_plus(name, safe=SAFE) + "="
    return lambda value: prefix + quote_plus(str(value), safe=SAFE)


class SearchLinks:
    """``url_for("listings.search", **query.args(**{name: value}))`` for one query, cheaply."""

    def __init__(self, query):
        self.base = url_for("listings.search")
        self.args = query.args()
        self._names = query.ARG_NAMES
        self._pairs = {name: _encoded(name, value) for name, value in self.args.items()}
        self._around: dict[str, tuple[list[str], list[str], object]] = {}

    def changed(self, name: str, value) -> str:
        """The search with argument ``name`` (one of ``SearchQuery.ARG_NAMES``) set to ``value``,
        or left out for None (a facet value: not empty, not an enum)."""
        around = self._around.get(name)
        if around is None:
            position = self._names.index(name)
            around = self._around[name] = (
                [self._pairs[n] for n in self._names[:position] if n in self._pairs],
                [self._pairs[n] for n in self._names[position + 1:] if n in self._pairs],
                _value_encoder(name))
        before, after, encoded = around
        pairs = [*before, encoded(value), *after] if value is not None else before + after
        return self.base + "?" + "&".join(pairs) if pairs else self.base


@dataclass(frozen=True, slots=True)
class FacetLink:
    href: str
    label: object
    count: int
    #: The query has this value: the link clears it.
    on: bool


def _key_and_label(name: str, value, labels: dict) -> tuple[object, object]:
    if name == "university":
        return value[0], value[1]
    if name == "field":
        return value, labels["FIELDS"].get(value, "")
    if name == "trl":
        return value, f"TRL {value}"
    return value.value, labels[_FACET_TABLES[name]][value]


def facet_links(query, facets: dict, labels: dict | None = None
                ) -> list[tuple[str, list[FacetLink]]]:
    """(facet name, its rows) for every facet with values, in the page's order; ``labels`` as
    ``translated_labels`` gives them."""
    links = SearchLinks(query)
    labels = labels or translated_labels()
    shown = []
    for name in FACET_ORDER:
        current = links.args.get(name)
        rows = []
        for value, count in facets.get(name) or ():
            key, label = _key_and_label(name, value, labels)
            on = current is not None and str(current) == str(key)
            rows.append(FacetLink(links.changed(name, None if on else key), label, count, on))
        if rows:
            shown.append((name, rows))
    return shown
