"""Jobs remember the request that submitted them: ``jobs.request_id`` (its X-Request-ID), so the
job's log lines carry the same id as the request's (marketplace/request_log.py).

Revision ID: e1f3a5b7c9d2
Revises: d81f3a6c2e47
Create Date: 2026-12-08 01:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e1f3a5b7c9d2'
down_revision = 'd81f3a6c2e47'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('jobs') as batch_op:
        batch_op.add_column(sa.Column('request_id', sa.String(length=128), nullable=True))


def downgrade():
    with op.batch_alter_table('jobs') as batch_op:
        batch_op.drop_column('request_id')
