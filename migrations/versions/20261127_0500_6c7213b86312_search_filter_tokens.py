"""Search document tokens for filters (issue 3 performance).

Revision ID: 6c7213b86312
Revises: 99bbf6bbb291
Create Date: 2026-11-27 05:00:00

"""
from alembic import op
import sqlalchemy as sa
import marketplace.db_types  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '6c7213b86312'
down_revision = '99bbf6bbb291'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
