"""Payments, webhook events, revenue splits and the ledger.

Revision ID: 68a214191349
Revises: 30e1045cff9f
Create Date: 2026-11-27 05:30:00

"""
from alembic import op
import sqlalchemy as sa
import marketplace.db_types  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '68a214191349'
down_revision = '30e1045cff9f'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
