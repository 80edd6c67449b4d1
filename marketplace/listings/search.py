"""Chinese full-text search over published listings.

Text is segmented with rjieba (jieba's dictionary plus ``patent_terms.txt``) when a listing is
published, and the tokens go to a side table ``listing_search``: an FTS5 table ranked by bm25 on
SQLite, a ``tsvector`` with a GIN index ranked by ``ts_rank`` on PostgreSQL. Both are made by
the migrations; they are not ORM models (see ``include_object``).
"""

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import rjieba
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.listings import cache

INDEX_TABLE = "listing_search"
#: PostgreSQL ranks at most this many matches (ts_rank reads every matched vector).
RANK_CANDIDATES = 1000
_TERMS_FILE = Path(__file__).with_name("patent_terms.txt")
_WORD = re.compile(r"\w", re.UNICODE)
_STOP = frozenset("的 了 和 与 及 或 其 一种 及其 一 是 在 对 用于 基于 方法 装置 系统".split())


@lru_cache(maxsize=1)
def _load_dictionary() -> bool:
    for line in _TERMS_FILE.read_text(encoding="utf-8").splitlines():
        term = line.strip()
        if term and not term.startswith("#"):
            rjieba.add_word(term, 20000, None)
    return True


def _clean(tokens) -> list[str]:
    result = []
    for token in tokens:
        token = unicodedata.normalize("NFKC", token).strip().lower()
        if token and _WORD.search(token) and token not in _STOP:
            result.append(token)
    return result


def tokens_for_index(text: str) -> list[str]:
    """Tokens to index: words and, for long words, their dictionary sub-words."""
    _load_dictionary()
    return _clean(rjieba.cut_for_search(text or ""))


def tokens_for_query(text: str) -> list[str]:
    """Tokens a query must all match (in order of appearance, without repeats)."""
    _load_dictionary()
    seen, result = set(), []
    for token in _clean(rjieba.cut(text or "")):
        if token not in seen:
            seen.add(token)
            result.append(token)
    return result


def document(listing) -> tuple[str, str]:
    """The (title, body) token strings for a listing."""
    title = " ".join(tokens_for_index(listing.title))
    body_text = " ".join(filter(None, [
        listing.abstract, listing.keywords, listing.ipc_codes, listing.inventors,
        listing.organisation.name if listing.organisation else "", listing.application_number]))
    return title, " ".join(tokens_for_index(body_text))


def _dialect() -> str:
    return db.engine.dialect.name


def insert_statement(dialect: str) -> sa.TextClause:
    """The INSERT that ``index`` runs, with parameters ``id``, ``title`` and ``body`` (token strings).

    Bulk loaders (``bench/``) run the same statement with executemany, so they index exactly alike.
    """
    if dialect == "postgresql":
        return sa.text(
            f"INSERT INTO {INDEX_TABLE} (listing_id, document) VALUES (:id, "
            "setweight(to_tsvector('simple', :title), 'A') || "
            "setweight(to_tsvector('simple', :body), 'B'))")
    return sa.text(f"INSERT INTO {INDEX_TABLE} (rowid, title, body) VALUES (:id, :title, :body)")


def index(listing) -> None:
    """Put a listing in the search index (replacing what was there); cached results are dropped."""
    unindex(listing.id)
    title, body = document(listing)
    db.session.execute(insert_statement(_dialect()),
                       {"id": listing.id, "title": title, "body": body})


def unindex(listing_id: int) -> None:
    """Remove a listing from the search index; cached search results are dropped."""
    column = "listing_id" if _dialect() == "postgresql" else "rowid"
    db.session.execute(sa.text(f"DELETE FROM {INDEX_TABLE} WHERE {column} = :id"),
                       {"id": listing_id})
    cache.invalidate(db.session)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """For Alembic: the search side tables are dialect-specific and not in the models."""
    if type_ == "table" and name and name.startswith(INDEX_TABLE):
        return False
    return True
