"""Indexes the home page and a listing page walk instead of sorting every published listing: the
best listings (grade A first, newest within a grade), overall and within a field.

Revision ID: b7c2e4a9d1f6
Revises: e5b1f7c3a902
Create Date: 2026-12-09 01:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b7c2e4a9d1f6'
down_revision = 'e5b1f7c3a902'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_listings_grade_newest', 'listings',
                    ['state', 'grade', sa.text('published_at DESC'), sa.text('id DESC')])
    op.create_index('ix_listings_field_grade_newest', 'listings',
                    ['state', 'field', 'grade', sa.text('published_at DESC'), sa.text('id DESC')])


def downgrade():
    op.drop_index('ix_listings_field_grade_newest', table_name='listings')
    op.drop_index('ix_listings_grade_newest', table_name='listings')
