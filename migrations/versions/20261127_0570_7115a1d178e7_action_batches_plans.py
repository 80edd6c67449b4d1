"""Action batches, enrolments, implementation plans and annual reports.

Revision ID: 7115a1d178e7
Revises: 0038a12ebe1e
Create Date: 2026-11-27 05:70:00

"""
from alembic import op
import sqlalchemy as sa
import marketplace.db_types  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '7115a1d178e7'
down_revision = '0038a12ebe1e'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
