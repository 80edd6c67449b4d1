"""Open-licence declarations, agreements, trial and royalty licences.

Revision ID: d1dd57398052
Revises: 68a214191349
Create Date: 2026-11-27 05:40:00

"""
from alembic import op
import sqlalchemy as sa
import marketplace.db_types  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = 'd1dd57398052'
down_revision = '68a214191349'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
