"""Facet counts from per-process bitmaps: the generation of the published listings' facet values
and the listings each generation changed (marketplace/listings/facet_bitmaps.py), with an
index covering the facet columns the bitsets are built from.

Revision ID: e5a9c1f3b7d2
Revises: a4c7d2e9b513
Create Date: 2026-12-07 07:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e5a9c1f3b7d2'
down_revision = 'a4c7d2e9b513'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'search_generation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('generation', sa.BigInteger(), nullable=False),
        sa.Column('epoch', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_generation')))
    op.create_table(
        'search_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('generation', sa.BigInteger(), nullable=False),
        sa.Column('listing_id', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_changes')))
    op.create_index(op.f('ix_search_changes_generation'), 'search_changes', ['generation'])
    op.create_index('ix_listings_facets', 'listings', ['state', 'id', 'field', 'grade', 'trl',
                                                       'kind', 'legal_status', 'organisation_id'])


def downgrade():
    op.drop_index('ix_listings_facets', table_name='listings')
    op.drop_index(op.f('ix_search_changes_generation'), table_name='search_changes')
    op.drop_table('search_changes')
    op.drop_table('search_generation')
