"""Mail preferences: whether a user receives saved-search digests, follow alerts and notifications
by e-mail (turned off from the profile or by a one-click unsubscribe link).

Revision ID: e5b1f7c3a902
Revises: 41f8674b936a
Create Date: 2026-12-08 02:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e5b1f7c3a902'
down_revision = '41f8674b936a'
branch_labels = None
depends_on = None

COLUMNS = ('mail_digests', 'mail_follow_alerts', 'mail_notifications')


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Boolean(), nullable=False,
                                          server_default=sa.true()))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
