"""A listing offers the open-licence mode exactly while it has an announced declaration.

Until now a tto could tick "open licence" on a listing by hand (and the demo generator did, for
about a third of its listings), so the 开放许可 chip and facet showed listings with nothing a
company could accept. From now on the mode follows the declaration (``licences.services`` adds it
at the announcement and removes it at the withdrawal; the listing form refuses it by hand). This
revision brings the data in line: the mode is removed from listings without an announced
declaration and added to those with one, and the search index's filter terms follow (SQLite:
the ``tags`` column of the FTS5 table; PostgreSQL: the ``mode open_licence`` lexeme and the
``modes`` array). Downgrading leaves the corrected data as it is: what was ticked by hand is not
known any more, and the schema does not change.

Revision ID: f3b9c2d4e6a1
Revises: c1fe0a2444a7
Create Date: 2026-12-07 06:90:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3b9c2d4e6a1'
down_revision = 'c1fe0a2444a7'
branch_labels = None
depends_on = None

MODE = 'open_licence'
#: The filter term of the mode in the search index (``search.filter_term``).
SQLITE_TAG = 'modeopenlicence'
PG_LEXEME = 'mode open_licence'

listing_modes = sa.table('listing_modes', sa.column('listing_id', sa.Integer()),
                         sa.column('mode', sa.String(32)))
declarations = sa.table('open_licence_declarations', sa.column('listing_id', sa.Integer()),
                        sa.column('state', sa.String(32)))
listings = sa.table('listings', sa.column('id', sa.Integer()), sa.column('state', sa.String(32)))


def _announced():
    return sa.select(declarations.c.listing_id).where(declarations.c.state == 'announced')


def _reindex(connection, ids: list[int], added: bool) -> None:
    """Add or remove the mode's filter term in the index rows of ``ids`` (published listings only
    have one)."""
    if not ids:
        return
    if connection.dialect.name == 'postgresql':
        if added:
            statement = ("UPDATE listing_search SET document = document || "
                         "array_to_tsvector(ARRAY[:lexeme]), modes = array_append(modes, :mode) "
                         "WHERE listing_id = ANY(:ids) AND NOT (:mode = ANY(modes))")
        else:
            statement = ("UPDATE listing_search SET document = ts_delete(document, ARRAY[:lexeme]), "
                         "modes = array_remove(modes, :mode) WHERE listing_id = ANY(:ids)")
        connection.execute(sa.text(statement), {"lexeme": PG_LEXEME, "mode": MODE, "ids": ids})
        return
    for id_ in ids:
        tags = connection.execute(sa.text("SELECT tags FROM listing_search WHERE rowid = :id"),
                                  {"id": id_}).scalar()
        if tags is None:
            continue
        terms = [term for term in tags.split() if term != SQLITE_TAG]
        if added:
            terms.append(SQLITE_TAG)
        connection.execute(sa.text("UPDATE listing_search SET tags = :tags WHERE rowid = :id"),
                           {"tags": " ".join(terms), "id": id_})


def upgrade():
    connection = op.get_bind()
    undeclared = [row[0] for row in connection.execute(
        sa.select(listing_modes.c.listing_id).where(listing_modes.c.mode == MODE,
                                                     listing_modes.c.listing_id.not_in(_announced())))]
    if undeclared:
        connection.execute(listing_modes.delete().where(listing_modes.c.mode == MODE,
                                                        listing_modes.c.listing_id.in_(undeclared)))
    offered = sa.select(listing_modes.c.listing_id).where(listing_modes.c.mode == MODE)
    missing = [row[0] for row in connection.execute(
        sa.select(listings.c.id).where(listings.c.id.in_(_announced()),
                                       listings.c.id.not_in(offered)))]
    if missing:
        connection.execute(listing_modes.insert(), [{"listing_id": id_, "mode": MODE}
                                                    for id_ in missing])
    _reindex(connection, undeclared, added=False)
    _reindex(connection, missing, added=True)
    # The search cache lives in the serving processes for SEARCH_CACHE_SECONDS: nothing to drop here.


def downgrade():
    pass
