"""Live room: questions, votes, polls, chat and the sequenced event log.

Revision ID: 0038a12ebe1e
Revises: cc6dfea6bb9a
Create Date: 2026-11-27 05:60:00

"""
from alembic import op
import sqlalchemy as sa
import marketplace.db_types  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '0038a12ebe1e'
down_revision = 'cc6dfea6bb9a'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
