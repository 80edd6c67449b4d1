"""Suggestions as you type: the title index (every character pair of each published listing's
normalised title), FTS5 on SQLite, a positional tsvector with a GIN index on PostgreSQL.

Revision ID: a4c7d2e9b513
Revises: cb98ec816075
Create Date: 2026-12-07 07:10:00

"""
import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a4c7d2e9b513'
down_revision = 'cb98ec816075'
branch_labels = None
depends_on = None

#: As marketplace/listings/suggest_index.py at this revision (migrations do not import the app).
START = '\ue000'


def _grams(title):
    folded = unicodedata.normalize('NFKC', title or '').casefold()
    normal = ''.join(char for char in folded if char.isalnum())
    if not normal:
        return []
    return [START + normal[0]] + [normal[index:index + 2] for index in range(len(normal))]


def upgrade():
    connection = op.get_bind()
    postgres = connection.dialect.name == 'postgresql'
    if postgres:
        op.execute('CREATE TABLE listing_search_titles ('
                   ' listing_id INTEGER PRIMARY KEY REFERENCES listings (id) ON DELETE CASCADE,'
                   ' grams tsvector NOT NULL)')
        op.execute('CREATE INDEX ix_listing_search_titles_grams ON listing_search_titles '
                   'USING gin (grams)')
        insert = sa.text('INSERT INTO listing_search_titles (listing_id, grams) '
                         'VALUES (:id, CAST(:grams AS tsvector))')
    else:  # no column sizes: nothing ranks these rows by bm25
        op.execute("CREATE VIRTUAL TABLE listing_search_titles USING fts5("
                   "grams, tokenize = 'unicode61 remove_diacritics 0', columnsize = 0)")
        insert = sa.text('INSERT INTO listing_search_titles (rowid, grams) VALUES (:id, :grams)')
    rows = []
    for listing_id, title in connection.execute(
            sa.text("SELECT id, title FROM listings WHERE state = 'published'")):
        tokens = _grams(title)
        if postgres:
            grams = ' '.join(f"'{token}':{position}" for position, token in enumerate(tokens, 1))
        else:
            grams = ' '.join(tokens)
        rows.append({'id': listing_id, 'grams': grams})
    if rows:
        connection.execute(insert, rows)


def downgrade():
    op.execute('DROP TABLE IF EXISTS listing_search_titles')
