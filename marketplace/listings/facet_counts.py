"""Facet counts of a search: the total and how many matches have each value of each facet.

Three ways, each chosen for what it has to read:

- Browsing everything (no text, no filter): each column is counted from its own index, then the
  listings in other states (few) are taken away; no listing row is read.
- PostgreSQL, with text or filters: from the facet columns of the matched rows of the search
  index, in one pass (GROUP BY GROUPING SETS); no listing or mode row is read. A filter is a
  lexeme of the documents, so filters without text are one GIN lookup too.
- Otherwise (SQLite): the matches are read once (six short columns each) and every facet's
  values come back as one string, counted here; the modes come from the matched index rows.
  SQLite groups by sorting, and seven sorts of a common word's 15,000 matches cost as much as
  reading the matches.
"""

from collections import Counter

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from marketplace.extensions import db
from marketplace.listings import search_sql
from marketplace.listings.models import (
    ConversionMode,
    Grade,
    LegalStatus,
    Listing,
    ListingKind,
    ListingMode,
    ListingState,
)
from marketplace.listings.search_sql import INDEX
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
#: Between the values of one facet in the strings the SQLite way reads (in no stored value).
SEPARATOR = "\x1f"


def _ordered(counter: Counter) -> list[tuple[object, int]]:
    return sorted(counter.items(), key=lambda item: (-item[1], str(item[0])))


def _counts_of_everything() -> tuple[list[Counter], Counter]:
    """Facet counts of every published listing, for the search page without text or filters.

    Each column is counted over the whole table from its own index, then the listings in other
    states (few) are taken away; this reads no listing row.
    """
    other = Listing.state.in_([s for s in ListingState if s is not ListingState.PUBLISHED])
    counters = []
    for column, _ in FACETS.values():
        value = sa.cast(column, sa.String)
        everything, others = (Counter(dict(db.session.execute(
            sa.select(value, sa.func.count()).where(*where).group_by(column)).all()))
            for where in ((), (other,)))
        counters.append(everything - others)
    modes = sa.select(sa.cast(ListingMode.mode, sa.String), sa.func.count()).group_by(
        ListingMode.mode)
    everything = Counter(dict(db.session.execute(modes).all()))
    others = Counter(dict(db.session.execute(
        modes.join(Listing, Listing.id == ListingMode.listing_id).where(other)).all()))
    return counters, everything - others


def _counts_in_index(query, tokens: list[str]) -> tuple[list[Counter], Counter]:
    """PostgreSQL, text or filters: from the facet columns of the matched index rows, in one pass:
    GROUP BY GROUPING SETS, one set per facet and one for the listing's set of modes (a handful of
    distinct sets, split here)."""
    names = ("field", "grade", "trl", "kind", "legal_status", "organisation_id", "modes")
    columns = [INDEX.c[name] for name in names]
    statement = search_sql.indexed_matches(query, tokens, [*columns, sa.func.count()]).group_by(
        sa.func.grouping_sets(*(sa.tuple_(column) for column in columns)))
    counters = [Counter() for _ in names]
    for *values, count_ in db.session.execute(statement).all():  # one fetch, not one per row
        # Every column is NOT NULL, so the one value present names the set the row counts.
        position = next(i for i, value in enumerate(values) if value is not None)
        if names[position] == "modes":
            for mode in values[position]:
                counters[position][mode] += count_
        else:
            counters[position][str(values[position])] = count_
    return counters[:-1], counters[-1]


def _joined(column) -> sa.Function:
    return sa.func.aggregate_strings(sa.cast(column, sa.String), SEPARATOR)


def _counted(joined: str | None) -> Counter:
    return Counter(joined.split(SEPARATOR)) if joined else Counter()


def _modes_of_matches(query, tokens: list[str]) -> sa.Select:
    """The modes of the matching listings, as one string.

    With text, the modes of the matched index rows (which hold the filter terms too), without
    reading their listings again, leaving out any listing in another state (few: its index finds
    them); without text, the modes of the filtered listings.
    """
    joined = sa.select(_joined(ListingMode.mode))
    if not tokens:
        ids, _ = search_sql.matched([Listing.id], query, tokens, counting=True)
        return joined.where(ListingMode.listing_id.in_(ids))
    others = sa.select(Listing.id).where(Listing.state.in_(search_sql._OTHER_STATES))
    return joined.select_from(INDEX).join(
        ListingMode, ListingMode.listing_id == sa.literal_column(f"+{INDEX.name}.rowid")
    ).where(search_sql._fts_match(query, tokens), ListingMode.listing_id.not_in(others))


def _counts_of_matches(query, tokens: list[str]) -> tuple[list[Counter], Counter]:
    """Facet counts of the matching listings: one statement returns, per facet, the values of
    every match as one string, another the modes of the matches; they are counted here."""
    if (tokens or search_sql._filtered(query)) and search_sql._postgres():
        return _counts_in_index(query, tokens)
    statement, _ = search_sql.matched([_joined(column) for column, _ in FACETS.values()], query,
                                    tokens, counting=True)
    row = db.session.execute(statement).one()
    modes = db.session.scalar(_modes_of_matches(query, tokens))
    return [_counted(joined) for joined in row], _counted(modes)


def facets(query, tokens: list[str]) -> tuple[int, dict[str, list[tuple[object, int]]]]:
    """The total and the facet counts: value -> count, most frequent first.

    University values are ``(id, name)``; the others are what the columns hold (enums, ints).
    """
    browsing = not tokens and not search_sql._filtered(query)
    counters, modes = _counts_of_everything() if browsing else _counts_of_matches(query, tokens)
    total = sum(counters[0].values())
    if not total:
        return 0, {}
    result = {name: _ordered(Counter({convert(value): n for value, n in counter.items()}))
              for (name, (_, convert)), counter in zip(FACETS.items(), counters, strict=True)}
    result["mode"] = _ordered(Counter({ConversionMode(value): n for value, n in modes.items()}))
    ids = [value for value, _ in result["university"]]
    # PostgreSQL: one array parameter; psycopg parses a statement of more than 50 parameters
    # (an IN of ~90 universities) afresh on every execution, and never prepares it.
    named = (Organisation.id == sa.any_(sa.literal(ids, ARRAY(sa.Integer))) if search_sql._postgres()
             else Organisation.id.in_(ids))
    names = dict(db.session.execute(sa.select(Organisation.id, Organisation.name).where(named)).all())
    result["university"] = [((value, names.get(value, "")), n) for value, n in result["university"]]
    return total, result
