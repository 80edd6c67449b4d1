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


def index(listing) -> None:
    """Put a listing in the search index (replacing what was there)."""
    unindex(listing.id)
    title, body = document(listing)
    if _dialect() == "postgresql":
        db.session.execute(sa.text(
            f"INSERT INTO {INDEX_TABLE} (listing_id, document) VALUES (:id, "
            "setweight(to_tsvector('simple', :title), 'A') || "
            "setweight(to_tsvector('simple', :body), 'B'))"),
            {"id": listing.id, "title": title, "body": body})
    else:
        db.session.execute(sa.text(
            f"INSERT INTO {INDEX_TABLE} (rowid, title, body) VALUES (:id, :title, :body)"),
            {"id": listing.id, "title": title, "body": body})


def unindex(listing_id: int) -> None:
    """Remove a listing from the search index."""
    column = "listing_id" if _dialect() == "postgresql" else "rowid"
    db.session.execute(sa.text(f"DELETE FROM {INDEX_TABLE} WHERE {column} = :id"),
                       {"id": listing_id})


def matching_ids(tokens: list[str], ranked: bool):
    """A selectable of (listing_id, rank) for listings matching every token.

    Lower rank is better. Unranked queries return rank 0 and no limit.
    """
    if _dialect() == "postgresql":
        query = sa.text(
            f"SELECT listing_id, 0 AS rank FROM {INDEX_TABLE} "
            "WHERE document @@ plainto_tsquery('simple', :q)")
        if ranked:
            # Rank only a bounded candidate set: ts_rank detoasts every vector it scores.
            query = sa.text(
                "SELECT listing_id, -ts_rank(document, plainto_tsquery('simple', :q)) AS rank FROM ("
                f"SELECT listing_id, document FROM {INDEX_TABLE} "
                "WHERE document @@ plainto_tsquery('simple', :q) "
                f"LIMIT {RANK_CANDIDATES}) AS candidates")
        return query.bindparams(q=" ".join(tokens)).columns(
            listing_id=sa.Integer, rank=sa.Float).subquery("matches")
    expression = " AND ".join('"' + token.replace('"', '""') + '"' for token in tokens)
    rank = f"bm25({INDEX_TABLE}, 10.0, 1.0)" if ranked else "0"
    query = sa.text(
        f"SELECT rowid AS listing_id, {rank} AS rank FROM {INDEX_TABLE} "
        f"WHERE {INDEX_TABLE} MATCH :q")
    return query.bindparams(q=expression).columns(
        listing_id=sa.Integer, rank=sa.Float).subquery("matches")


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """For Alembic: the search side tables are dialect-specific and not in the models."""
    if type_ == "table" and name and name.startswith(INDEX_TABLE):
        return False
    return True
