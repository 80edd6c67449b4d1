"""One conversion-mode enum: an interest's intent "trial" is stored as "try_first".

An interest's intent is a ``ConversionMode``, so "try first, pay later" is stored as on listings
and needs; the "new interest" notifications that name the intent follow. The column stays a
VARCHAR(32) (no native enum type, no CHECK constraint), so only values change.

Revision ID: c1fe0a2444a7
Revises: 5c31e8a0d4b7
Create Date: 2026-12-07 06:80:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c1fe0a2444a7'
down_revision = '5c31e8a0d4b7'
branch_labels = None
depends_on = None

#: The stored values that change: (before this revision, after it).
RENAMED = [('trial', 'try_first')]
#: The notification kind whose ``intent`` parameter holds an intent's stored value.
NOTIFICATION_KIND = 'interests.created'

interests = sa.table('interests', sa.column('intent', sa.String(32)))
notifications = sa.table('notifications', sa.column('id', sa.Integer()),
                         sa.column('kind', sa.String(64)), sa.column('params', sa.JSON()))


def _rename(values: dict[str, str]) -> None:
    for old, new in values.items():
        op.execute(interests.update().where(interests.c.intent == old).values(intent=new))
    connection = op.get_bind()
    rows = connection.execute(sa.select(notifications.c.id, notifications.c.params)
                              .where(notifications.c.kind == NOTIFICATION_KIND)).all()
    for id_, params in rows:
        if isinstance(params, dict) and params.get('intent') in values:
            connection.execute(notifications.update().where(notifications.c.id == id_)
                               .values(params={**params, 'intent': values[params['intent']]}))


def upgrade():
    _rename(dict(RENAMED))


def downgrade():
    _rename({new: old for old, new in RENAMED})
