"""Search document tokens for filters (issue 3 performance).

The search side table gains the listing's filter values as terms of its document (SQLite: a third
FTS5 column ``tags``; PostgreSQL: lexemes ``"<filter> <value>"``) and, on PostgreSQL, the facet
values as columns, so text plus filters is one full-text lookup and facet counts read no listing.
The GIN index is rebuilt with ``fastupdate = off`` (no pending list for searches to scan).
Existing rows are carried over in SQL: the indexed words are kept, the terms are added from the
listings (``marketplace.listings.search.filter_term`` spells them the same way).

Revision ID: 6c7213b86312
Revises: 99bbf6bbb291
Create Date: 2026-11-27 05:00:00

"""
from alembic import op
import sqlalchemy as sa  # noqa: F401
import marketplace.db_types  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '6c7213b86312'
down_revision = '99bbf6bbb291'
branch_labels = None
depends_on = None

#: SQLite: the filter terms of listing ``l`` (one token each: name and value, letters and digits).
_SQLITE_TAGS = (
    "'field' || replace(lower(l.field), '_', '') || ' grade' || lower(l.grade)"
    " || ' trl' || l.trl || ' kind' || replace(l.kind, '_', '')"
    " || ' legalstatus' || replace(l.legal_status, '_', '') || ' university' || l.organisation_id"
    " || coalesce(' ' || (SELECT group_concat('mode' || replace(m.mode, '_', ''), ' ')"
    " FROM (SELECT mode FROM listing_modes WHERE listing_id = l.id ORDER BY mode) AS m), '')")
#: PostgreSQL: the filter lexemes of listing ``l``.
_PG_TERMS = (
    "ARRAY['field ' || l.field, 'grade ' || l.grade, 'trl ' || l.trl, 'kind ' || l.kind,"
    " 'legal_status ' || l.legal_status, 'university ' || l.organisation_id]"
    " || ARRAY(SELECT 'mode ' || m.mode FROM listing_modes AS m WHERE m.listing_id = l.id)")
_PG_MODES = "ARRAY(SELECT m.mode::text FROM listing_modes AS m WHERE m.listing_id = l.id ORDER BY m.mode)"


def upgrade():
    if op.get_context().dialect.name == 'postgresql':
        op.execute('ALTER TABLE listing_search RENAME TO listing_search_old')
        op.execute('ALTER TABLE listing_search_old RENAME CONSTRAINT listing_search_pkey'
                   ' TO listing_search_old_pkey')
        op.execute('ALTER TABLE listing_search_old RENAME CONSTRAINT listing_search_listing_id_fkey'
                   ' TO listing_search_old_listing_id_fkey')
        op.execute('ALTER INDEX ix_listing_search_document RENAME TO ix_listing_search_old')
        op.execute(
            'CREATE TABLE listing_search ('
            ' listing_id INTEGER PRIMARY KEY REFERENCES listings (id) ON DELETE CASCADE,'
            ' document tsvector NOT NULL,'
            ' field VARCHAR(32) NOT NULL, grade VARCHAR(1) NOT NULL, trl SMALLINT NOT NULL,'
            ' kind VARCHAR(32) NOT NULL, legal_status VARCHAR(32) NOT NULL,'
            ' organisation_id INTEGER NOT NULL, modes TEXT[] NOT NULL)')
        op.execute(
            'INSERT INTO listing_search (listing_id, document, field, grade, trl, kind,'
            ' legal_status, organisation_id, modes)'
            f' SELECT l.id, s.document || array_to_tsvector({_PG_TERMS}), l.field, l.grade, l.trl,'
            f' l.kind, l.legal_status, l.organisation_id, {_PG_MODES}'
            ' FROM listing_search_old AS s JOIN listings AS l ON l.id = s.listing_id')
        op.execute('DROP TABLE listing_search_old')
        op.execute('CREATE INDEX ix_listing_search_document ON listing_search'
                   ' USING gin (document) WITH (fastupdate = off)')
    else:
        op.execute('ALTER TABLE listing_search RENAME TO listing_search_old')
        op.execute(
            "CREATE VIRTUAL TABLE listing_search USING fts5("
            "title, body, tags, tokenize = 'unicode61 remove_diacritics 0')")
        op.execute(
            'INSERT INTO listing_search (rowid, title, body, tags)'
            f' SELECT s.rowid, s.title, s.body, {_SQLITE_TAGS}'
            ' FROM listing_search_old AS s JOIN listings AS l ON l.id = s.rowid')
        op.execute('DROP TABLE listing_search_old')


def downgrade():
    if op.get_context().dialect.name == 'postgresql':
        op.execute('DROP INDEX ix_listing_search_document')
        op.execute("UPDATE listing_search SET document = ts_delete(document, ARRAY("
                   "SELECT lexeme FROM unnest(document) WHERE lexeme LIKE '% %'))")
        for column in ('field', 'grade', 'trl', 'kind', 'legal_status', 'organisation_id', 'modes'):
            op.execute(f'ALTER TABLE listing_search DROP COLUMN {column}')
        op.execute('CREATE INDEX ix_listing_search_document ON listing_search USING gin (document)')
    else:
        op.execute('ALTER TABLE listing_search RENAME TO listing_search_new')
        op.execute(
            "CREATE VIRTUAL TABLE listing_search USING fts5("
            "title, body, tokenize = 'unicode61 remove_diacritics 0')")
        op.execute('INSERT INTO listing_search (rowid, title, body)'
                   ' SELECT rowid, title, body FROM listing_search_new')
        op.execute('DROP TABLE listing_search_new')
