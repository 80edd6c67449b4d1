"""Money to the fen, with one precision (issue 13 §7).

Every money column becomes Numeric(14, 2), the type of ``marketplace.db_types.Money``: the
columns that were Numeric(12, 2) are widened. SQLite has no fixed-point type and kept what was
typed (a fee of 0.001 stayed 0.001 while the pages showed ¥0.00): every money column is rounded to
the fen, so what is stored is what was shown. PostgreSQL already held them at scale 2.

Downgrade narrows the widened columns back to Numeric(12, 2); it fails on PostgreSQL if an amount
above ¥9,999,999,999.99 was stored meanwhile. The rounding is not undone.

Revision ID: e20e7b4c10c2
Revises: a5c0e7d13f29
Create Date: 2026-12-06 06:47:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e20e7b4c10c2'
down_revision = 'a5c0e7d13f29'
branch_labels = None
depends_on = None

#: Money columns that were Numeric(12, 2).
WIDENED = {
    'interests': ('budget_min', 'budget_max'),
    'ledger_lines': ('amount',),
    'listings': ('asking_price',),
    'needs': ('budget_min', 'budget_max'),
    'payments': ('amount',),
    'preference_profiles': ('budget_max',),
}
#: Money columns that were already Numeric(14, 2).
ALREADY = {
    'action_plans': ('target_amount',),
    'open_licence_declarations': ('fee_amount',),
    'open_licences': ('fee_amount',),
    'recorded_agreements': ('amount',),
    'royalty_reports': ('base_amount', 'royalty'),
}


def _round_to_the_fen():
    for table, columns in {**WIDENED, **ALREADY}.items():
        for column in columns:
            op.execute(f'UPDATE {table} SET {column} = ROUND({column}, 2) '  # our own names
                       f'WHERE {column} <> ROUND({column}, 2)')


def _retype(columns_of: dict, old, new):
    for table, columns in columns_of.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.alter_column(column, existing_type=old, type_=new)


def upgrade():
    if op.get_bind().dialect.name == 'sqlite':
        _round_to_the_fen()
    _retype(WIDENED, sa.Numeric(precision=12, scale=2), sa.Numeric(precision=14, scale=2))


def downgrade():
    _retype(WIDENED, sa.Numeric(precision=14, scale=2), sa.Numeric(precision=12, scale=2))
