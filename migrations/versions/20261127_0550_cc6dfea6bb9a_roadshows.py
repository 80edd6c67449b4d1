"""Roadshows, agenda and registrations.

Revision ID: cc6dfea6bb9a
Revises: d1dd57398052
Create Date: 2026-11-27 05:50:00

"""
from alembic import op
import sqlalchemy as sa
import marketplace.db_types  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = 'cc6dfea6bb9a'
down_revision = 'd1dd57398052'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
