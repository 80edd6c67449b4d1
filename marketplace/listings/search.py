"""Chinese full-text search over published listings.

Text is segmented with rjieba (jieba's dictionary plus ``patent_terms.txt``) when a listing is
published, and the tokens go to a side table ``listing_search``: an FTS5 table ranked by bm25 on
SQLite, a ``tsvector`` with a GIN index ranked by ``ts_rank`` on PostgreSQL. Both are made by
the migrations; they are not ORM models (see ``include_object``).

The document also carries the listing's filter values (field, grade, TRL, kind, legal status,
university, conversion modes) as *filter terms*, so that text plus filters is one lookup in the
full-text index instead of a join after matching. A user can never type one: on SQLite they live
in their own column ``tags`` (weight 0 in bm25), which the words of a query never address; on
PostgreSQL they are lexemes with a space in them, which the text parser never makes, and they are
left out of ``ts_rank``. They are never shown: highlights and snippets use the query's words only.
PostgreSQL also keeps the facet values in columns of ``listing_search``, so that facet counts are
read from the matched index rows alone.
"""

import re
from functools import lru_cache
from pathlib import Path

import rjieba
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from marketplace.extensions import db
from marketplace.listings import cache, facet_bitmaps, identifiers, synonyms
from marketplace.listings.models import Listing, ListingState
from marketplace.text import normalise

INDEX_TABLE = "listing_search"
#: Both databases rank at most this many matches, the newest (ts_rank and bm25 read every match
#: they score); the rest follow, newest first.
RANK_CANDIDATES = 500
#: Filter names, in the order of the facet columns on PostgreSQL (``mode`` is an array there).
FILTERS = ("field", "grade", "trl", "kind", "legal_status", "university", "mode")
_TERMS_FILE = Path(__file__).with_name("patent_terms.txt")
_WORD = re.compile(r"\w", re.UNICODE)
_STOP = frozenset("的 了 和 与 及 或 其 一种 及其 一 是 在 对 用于 基于 方法 装置 系统".split())


@lru_cache(maxsize=1)
def _load_dictionary() -> bool:
    for line in _TERMS_FILE.read_text(encoding="utf-8").splitlines():
        term = line.strip()
        if term and not term.startswith("#"):
            rjieba.add_word(term, 20000, None)
    for term in synonyms.segmentation_terms():  # a synonym typed alone stays one word
        rjieba.add_word(term, 20000, None)
    return True


def _clean(tokens) -> list[str]:
    result = []
    for token in tokens:
        token = token.strip()
        if token and _WORD.search(token) and token not in _STOP:
            result.append(token)
    return result


def tokens_for_index(text: str) -> list[str]:
    """Tokens to index: words and, for long words, their dictionary sub-words, of the text's
    normal form (``marketplace.text.normalise``: full width, traditional characters and case
    are indexed as their ordinary, simplified, lower-case forms)."""
    _load_dictionary()
    return _clean(rjieba.cut_for_search(normalise(text)))


def tokens_for_query(text: str) -> list[str]:
    """The words of a query (in order of appearance, without repeats), of the query's normal form,
    as the index holds them: ＡＩ, ai and AI, 鋰電池 and 锂电池 find the same. ``ranking`` puts
    the listings with all of them first, then those with some."""
    _load_dictionary()
    seen, result = set(), []
    for token in _clean(rjieba.cut(normalise(text))):
        if token not in seen:
            seen.add(token)
            result.append(token)
    return result


def sub_words(word: str) -> list[str]:
    """The dictionary words inside ``word`` (in order, without ``word`` itself): what the index
    holds of a long word besides the word, 预测 of 预测性, 关键 and 设备 of 关键设备."""
    _load_dictionary()
    seen, result = {word}, []
    for token in _clean(rjieba.cut_for_search(word)):
        if token not in seen:
            seen.add(token)
            result.append(token)
    return result


def _plain(value) -> str:
    return str(value.value if hasattr(value, "value") else value)


def filter_values(listing) -> dict[str, list[str]]:
    """A listing's value of every filter (``mode``: one per conversion mode offered)."""
    values = {"field": listing.field, "grade": listing.grade, "trl": listing.trl,
              "kind": listing.kind, "legal_status": listing.legal_status,
              "university": listing.organisation_id}
    result = {name: [_plain(value)] for name, value in values.items()}
    result["mode"] = sorted(_plain(mode) for mode in listing.mode_set)
    return result


def filter_term(name: str, value, dialect: str) -> str:
    """The document term of one filter value (see the module docstring)."""
    if dialect == "postgresql":
        return f"{name} {_plain(value)}"
    return re.sub(r"[^0-9a-z]", "", f"{name}{_plain(value)}".lower())


def document(listing, dialect: str) -> dict:
    """The parameters of ``insert_statement``: token strings, filter terms and facet values."""
    title = " ".join(tokens_for_index(listing.title))
    body_text = " ".join(filter(None, [
        listing.abstract, listing.keywords, identifiers.canonical_ipc(listing.ipc_codes),
        listing.inventors,
        listing.organisation.name if listing.organisation else "", listing.application_number]))
    values = filter_values(listing)
    terms = [filter_term(name, value, dialect) for name in FILTERS for value in values[name]]
    # Inventors' names also as whole words, for a search by name (``identifiers``).
    body = tokens_for_index(body_text) + identifiers.name_tokens(listing.inventors)
    row = {"id": listing.id, "title": title, "body": " ".join(body)}
    if dialect == "postgresql":
        row.update({name: values[name][0] for name in FILTERS if name != "mode"},
                   trl=int(listing.trl), university=int(listing.organisation_id),
                   modes=values["mode"], terms=terms)
    else:
        row["tags"] = " ".join(terms)
    return row


def insert_statement(dialect: str) -> sa.TextClause:
    """The INSERT that ``index`` runs with the parameters ``document`` returns.

    Bulk loaders (``bench/``) run the same statement with executemany, so they index exactly alike.
    """
    if dialect == "postgresql":
        return sa.text(
            f"INSERT INTO {INDEX_TABLE} (listing_id, document, field, grade, trl, kind, "
            "legal_status, organisation_id, modes) VALUES (:id, "
            "setweight(to_tsvector('simple', :title), 'A') || "
            "setweight(to_tsvector('simple', :body), 'B') || "
            "array_to_tsvector(CAST(:terms AS text[])), "
            ":field, :grade, :trl, :kind, :legal_status, :university, CAST(:modes AS text[]))")
    return sa.text(f"INSERT INTO {INDEX_TABLE} (rowid, title, body, tags) "
                   "VALUES (:id, :title, :body, :tags)")


def index(listing, session=None) -> None:
    """Put a listing in the search index (replacing what was there); cached results are dropped."""
    session = session or db.session
    unindex(listing.id, session)
    dialect = session.get_bind().dialect.name
    session.execute(insert_statement(dialect), document(listing, dialect))
    facet_bitmaps.changed(session, listing.id)


def unindex(listing_id: int, session=None) -> None:
    """Remove a listing from the search index; cached search results are dropped."""
    session = session or db.session
    column = "listing_id" if session.get_bind().dialect.name == "postgresql" else "rowid"
    session.execute(sa.text(f"DELETE FROM {INDEX_TABLE} WHERE {column} = :id"),
                    {"id": listing_id})
    facet_bitmaps.changed(session, listing_id)
    cache.invalidate(session)


#: Listing attributes the search document is made of (its words, filters and state).
INDEXED_ATTRIBUTES = ("state", "title", "abstract", "keywords", "ipc_codes", "inventors",
                      "application_number", "field", "grade", "trl", "kind", "legal_status",
                      "organisation_id", "modes")


@event.listens_for(Session, "after_flush")
def _follow_listings(session, flush_context) -> None:
    """Keep the index in step with the listings, in the transaction that changes them.

    Whatever changes a listing through the ORM (the listings service, an import, another
    feature's service), a published listing whose words, filters or state changed is indexed
    again, and one that left the published state (or was deleted) is taken out, so the filter
    terms and the published-only rule always hold. Bulk UPDATEs that bypass the ORM must call
    ``index`` / ``unindex`` themselves.
    """
    for listing in [*session.new, *session.dirty, *session.deleted]:
        if not isinstance(listing, Listing):
            continue
        state = sa.inspect(listing)
        if listing in session.deleted:
            unindex(listing.id, session)
        elif listing in session.new or any(state.attrs[name].history.has_changes()
                                           for name in INDEXED_ATTRIBUTES):
            if listing.state is ListingState.PUBLISHED:
                index(listing, session)
            elif listing not in session.new:
                unindex(listing.id, session)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """For Alembic: the search side tables are dialect-specific and not in the models."""
    if type_ == "table" and name and name.startswith(INDEX_TABLE):
        return False
    return True
