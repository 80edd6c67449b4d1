"""Login throttles: the login lockout per account and per network address, kept in the database.

Revision ID: 5c31e8a0d4b7
Revises: e20e7b4c10c2
Create Date: 2026-12-06 06:71:00

"""
from alembic import op
import sqlalchemy as sa
import marketplace.db_types  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '5c31e8a0d4b7'
down_revision = 'e20e7b4c10c2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_throttles',
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_started_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('last_failure_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('locked_until', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_login_throttles'))
    )
    with op.batch_alter_table('login_throttles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_throttles_last_failure_at'), ['last_failure_at'], unique=False)


def downgrade():
    with op.batch_alter_table('login_throttles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_throttles_last_failure_at'))

    op.drop_table('login_throttles')
