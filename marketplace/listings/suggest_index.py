"""The title index behind suggestions as you type: any part of a published listing's title.

A title is normalised (``compact``: the platform's normal form, letters and digits only, so
full width, traditional characters, case, spaces and punctuation do not matter) and indexed as
its overlapping character pairs in the side table ``listing_search_titles`` (FTS5 on SQLite; a
positional ``tsvector`` with a GIN index on PostgreSQL; both made by the migrations, not ORM
models; ``flask search reindex`` rebuilds it with the search index). A typed fragment of two or
more characters is then the *phrase* of its pairs, which matches exactly the titles that contain
it; a first token ``START`` + the title's first character makes "the title starts with it" a
phrase too. One character looks for pairs that start with it. Chinese needs no word breaking:
every position of the title can be found. The published-only rule is kept the way the search
index keeps it, in the transaction that changes the listing.
"""

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from marketplace.extensions import db
from marketplace.listings.models import Listing, ListingState
from marketplace.text import matchable, normalise

TABLE = "listing_search_titles"
#: Marks the title's first character (a private-use character: never in normalised text).
START = "\ue000"
#: Listing attributes the title index is made of.
WATCHED = ("state", "title")


def compact(text: str) -> str:
    """``text`` as it is matched: the platform's normal form (``marketplace.text.normalise``:
    NFKC, traditional to simplified, case folded), letters and digits only."""
    return "".join(char for char in normalise(text) if char.isalnum())


def compact_with_offsets(text: str) -> tuple[str, list[int]]:
    """``compact(text)`` and, for each of its characters, the index in ``text`` it came from."""
    normal, origins = matchable(text or "")
    kept = [(char, origin) for char, origin in zip(normal, origins, strict=True) if char.isalnum()]
    return "".join(char for char, _ in kept), [origin for _, origin in kept]


def grams(normal: str) -> list[str]:
    """The tokens of a normalised title, in order: ``START`` + first character, then each pair
    (the last character alone closes it)."""
    if not normal:
        return []
    return [START + normal[0]] + [normal[index:index + 2] for index in range(len(normal))]


def _pairs(normal: str) -> list[str]:
    return [normal[index:index + 2] for index in range(len(normal) - 1)]


def match_expression(normal: str, dialect: str, *, prefix: bool) -> str:
    """The full-text query for titles that contain ``normal`` (``prefix``: that start with it)."""
    tokens = ([START + normal[0]] if prefix else []) + _pairs(normal)
    if dialect == "postgresql":
        if not tokens:  # one character, anywhere: a pair that starts with it
            return f"'{normal}':*"
        return " <-> ".join(f"'{token}'" for token in tokens)
    if not tokens:
        return f'"{normal}"*'
    return '"' + " ".join(tokens) + '"'


def _row(listing_id: int, title: str, dialect: str) -> dict:
    tokens = grams(compact(title))
    if dialect == "postgresql":
        document = " ".join(f"'{token}':{position}" for position, token in enumerate(tokens, 1))
        return {"id": listing_id, "grams": document}
    return {"id": listing_id, "grams": " ".join(tokens)}


def insert_statement(dialect: str) -> sa.TextClause:
    """The INSERT of one title row (``_row`` gives its parameters)."""
    if dialect == "postgresql":
        return sa.text(f"INSERT INTO {TABLE} (listing_id, grams) "  # noqa: S608  (constants)
                       "VALUES (:id, CAST(:grams AS tsvector))")
    return sa.text(f"INSERT INTO {TABLE} (rowid, grams) VALUES (:id, :grams)")  # noqa: S608


def _delete(listing_id: int, session, dialect: str) -> None:
    column = "listing_id" if dialect == "postgresql" else "rowid"
    statement = sa.text(f"DELETE FROM {TABLE} WHERE {column} = :id")  # noqa: S608  (constants)
    session.execute(statement, {"id": listing_id})


def index(listing, session) -> None:
    """Put a listing's title in the index (replacing what was there)."""
    dialect = session.get_bind().dialect.name
    _delete(listing.id, session, dialect)
    session.execute(insert_statement(dialect), _row(listing.id, listing.title, dialect))


def rebuild(connection) -> int:
    """Index every published listing's title again (bulk loads); returns how many."""
    dialect = connection.dialect.name
    connection.execute(sa.text(f"DELETE FROM {TABLE}"))  # noqa: S608  (a constant)
    rows = connection.execute(sa.select(Listing.id, Listing.title)
                              .where(Listing.state == ListingState.PUBLISHED)).all()
    if rows:
        connection.execute(insert_statement(dialect),
                           [_row(listing_id, title, dialect) for listing_id, title in rows])
    return len(rows)


def find(normal: str, limit: int, *, prefix: bool, exclude=()) -> list[tuple[int, str]]:
    """Up to ``limit`` (id, title) of published listings whose title contains ``normal`` (or
    starts with it), newest first.

    The listing's own row is joined: its title and its state are read from it, so a row the
    index still holds for a listing a bulk change took down is never shown.
    """
    dialect = db.session.get_bind().dialect.name
    column = "t.listing_id" if dialect == "postgresql" else "t.rowid"
    skip = "".join(f" AND {column} <> {int(value)}" for value in exclude)
    if dialect == "postgresql":
        where = "t.grams @@ CAST(:q AS tsquery)"
    else:
        where = f"{TABLE} MATCH :q"
    # Constants and integers only: the typed text is the bound parameter :q.
    statement = (f"SELECT l.id, l.title FROM {TABLE} AS t JOIN listings AS l ON l.id = {column} "  # noqa: S608
                 f"WHERE {where} AND l.state = 'published'{skip} "
                 f"ORDER BY {column} DESC LIMIT :limit")
    return [tuple(row) for row in db.session.execute(sa.text(statement), {
        "q": match_expression(normal, dialect, prefix=prefix), "limit": limit})]


@event.listens_for(Session, "after_flush")
def _follow_titles(session, flush_context) -> None:
    """Keep the title index in step with the listings: published ones only, current titles."""
    for listing in [*session.new, *session.dirty, *session.deleted]:
        if not isinstance(listing, Listing):
            continue
        dialect = session.get_bind().dialect.name
        if listing in session.deleted:
            _delete(listing.id, session, dialect)
            continue
        state = sa.inspect(listing)
        if listing not in session.new and not any(
                state.attrs[name].history.has_changes() for name in WATCHED):
            continue
        if listing.state is ListingState.PUBLISHED:
            index(listing, session)
        elif listing not in session.new:
            _delete(listing.id, session, dialect)
