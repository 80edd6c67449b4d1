"""The workbench's "new since your last visit": when a user last opened their recommendations,
and when an inventor last marked the interest in their listings seen.

Revision ID: 7b3e9d21c4a8
Revises: f3b9c2d4e6a1
Create Date: 2026-12-07 06:90:00

"""
from alembic import op
import sqlalchemy as sa
import marketplace.db_types  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '7b3e9d21c4a8'
down_revision = 'f3b9c2d4e6a1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recommendations_seen_at', marketplace.db_types.UTCDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column('interests_seen_at', marketplace.db_types.UTCDateTime(),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('interests_seen_at')
        batch_op.drop_column('recommendations_seen_at')
