"""Facet counts of a search: the total and how many matches have each value of each facet.

They come from the per-process bitsets of ``facet_bitmaps``: the published listings with each
facet value, kept exact as listings change. Browsing everything or by filters reads no listing
row; a text search takes its matches from the index (``ranking.coverage``: one read, shared with
the ranking) and counts them against the bitsets, so the cost does not grow with the facets or
their values.
"""

from collections import Counter

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.listings import facet_bitmaps, ranking, search_sql
from marketplace.listings.models import (
    ConversionMode,
    Grade,
    LegalStatus,
    Listing,
    ListingKind,
)
from marketplace.orgs.models import Organisation

#: Facet name -> (column, how a stored value becomes the value ``SearchResult.facets`` shows).
FACETS = {
    "field": (Listing.field, str),
    "grade": (Listing.grade, Grade),
    "trl": (Listing.trl, int),
    "kind": (Listing.kind, ListingKind),
    "legal_status": (Listing.legal_status, LegalStatus),
    "university": (Listing.organisation_id, int),
}


def _ordered(counter: Counter) -> list[tuple[object, int]]:
    return sorted(counter.items(), key=lambda item: (-item[1], str(item[0])))


def facets(query, tokens: list[str]) -> tuple[int, dict[str, list[tuple[object, int]]]]:
    """The total and the facet counts: value -> count, most frequent first.

    University values are ``(id, name)``; the others are what the columns hold (enums, ints).
    """
    match = facet_bitmaps.filtered(query, search_sql.filter_items(query),
                                   ranking.coverage(tokens).matched() if tokens else None)
    total, counted = facet_bitmaps.counts(match)
    if not total:
        return 0, {}
    result = {name: _ordered(Counter({convert(value): n for value, n in counted[name].items()}))
              for name, (_, convert) in FACETS.items()}
    result["mode"] = _ordered(Counter({ConversionMode(value): n
                                       for value, n in counted["mode"].items()}))
    ids = [value for value, _ in result["university"]]
    names = dict(db.session.execute(sa.select(Organisation.id, Organisation.name).where(
        search_sql.among(Organisation.id, ids))).all())
    result["university"] = [((value, names.get(value, "")), n) for value, n in result["university"]]
    return total, result
