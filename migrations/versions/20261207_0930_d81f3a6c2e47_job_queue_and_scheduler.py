"""A real job queue and one scheduler: a job's attempts, next attempt and heartbeat; the periodic
tasks' last runs (claimed atomically); when a need's owners were told it expired.

Revision ID: d81f3a6c2e47
Revises: e5a9c1f3b7d2
Create Date: 2026-12-07 09:30:00

"""
from alembic import op
import sqlalchemy as sa
import marketplace.db_types  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = 'd81f3a6c2e47'
down_revision = 'e5a9c1f3b7d2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('next_attempt_at', marketplace.db_types.UTCDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column('heartbeat_at', marketplace.db_types.UTCDateTime(),
                                      nullable=True))
        batch_op.create_index(batch_op.f('ix_jobs_state'), ['state'], unique=False)
    op.create_table('scheduled_tasks',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('last_run_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('last_finished_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('last_result', sa.JSON(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduled_tasks'))
    )
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expiry_notified_at', marketplace.db_types.UTCDateTime(),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.drop_column('expiry_notified_at')
    op.drop_table('scheduled_tasks')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobs_state'))
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('attempts')
