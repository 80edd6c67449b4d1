"""Technology needs, proposals and match scores.

Revision ID: 30e1045cff9f
Revises: ed82b8140cb8
Create Date: 2026-11-27 05:20:00

"""
from alembic import op
import sqlalchemy as sa
import marketplace.db_types  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '30e1045cff9f'
down_revision = 'ed82b8140cb8'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
