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
    op.create_table('university_finance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('inventors_pct', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('tto_pct', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('university_pct', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('own_rule_text', sa.Text(), nullable=True),
    sa.Column('own_rule_reference', sa.String(length=200), nullable=True),
    sa.Column('account_name', sa.String(length=120), nullable=True),
    sa.Column('bank_name', sa.String(length=120), nullable=True),
    sa.Column('account_number', sa.String(length=40), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.CheckConstraint('inventors_pct + tto_pct + university_pct = 100', name=op.f('ck_university_finance_pct_total_100')),
    sa.CheckConstraint('inventors_pct >= 0 AND tto_pct >= 0 AND university_pct >= 0', name=op.f('ck_university_finance_pct_not_negative')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_university_finance_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_university_finance_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_university_finance')),
    sa.UniqueConstraint('organisation_id', name=op.f('uq_university_finance_organisation_id'))
    )
    op.create_table('inventor_shares',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('share_pct', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.CheckConstraint('share_pct > 0 AND share_pct <= 100', name=op.f('ck_inventor_shares_share_range')),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_inventor_shares_listing_id_listings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_inventor_shares_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventor_shares')),
    sa.UniqueConstraint('listing_id', 'position', name=op.f('uq_inventor_shares_listing_id'))
    )
    with op.batch_alter_table('inventor_shares', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inventor_shares_listing_id'), ['listing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inventor_shares_user_id'), ['user_id'], unique=False)

    op.create_table('payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('purpose', sa.String(length=40), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('payer_org_id', sa.Integer(), nullable=False),
    sa.Column('payee_org_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('method', sa.Enum('stripe', 'bank_transfer', name='paymentmethod', native_enum=False, length=32), nullable=False),
    sa.Column('state', sa.Enum('pending', 'succeeded', 'failed', 'cancelled', 'refunded', name='paymentstate', native_enum=False, length=32), nullable=False),
    sa.Column('provider_session_id', sa.String(length=255), nullable=True),
    sa.Column('provider_payment_id', sa.String(length=255), nullable=True),
    sa.Column('provider_refund_id', sa.String(length=255), nullable=True),
    sa.Column('checkout_url', sa.Text(), nullable=True),
    sa.Column('bank_reference', sa.String(length=20), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('refunded_by_id', sa.Integer(), nullable=True),
    sa.Column('refund_reason', sa.Text(), nullable=True),
    sa.Column('failure_reason', sa.Text(), nullable=True),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('paid_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('failed_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('refunded_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.CheckConstraint("currency = 'CNY'", name=op.f('ck_payments_currency_cny')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_payments_amount_positive')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], name=op.f('fk_payments_confirmed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_payments_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_payments_listing_id_listings'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['payee_org_id'], ['organisations.id'], name=op.f('fk_payments_payee_org_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['payer_org_id'], ['organisations.id'], name=op.f('fk_payments_payer_org_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['refunded_by_id'], ['users.id'], name=op.f('fk_payments_refunded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('bank_reference', name=op.f('uq_payments_bank_reference')),
    sa.UniqueConstraint('provider_payment_id', name=op.f('uq_payments_provider_payment_id')),
    sa.UniqueConstraint('provider_session_id', name=op.f('uq_payments_provider_session_id')),
    sa.UniqueConstraint('public_id', name=op.f('uq_payments_public_id'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_listing_id'), ['listing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_payee_org_id'), ['payee_org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_payer_org_id'), ['payer_org_id'], unique=False)
        batch_op.create_index('ix_payments_purpose_subject', ['purpose', 'subject_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_state'), ['state'], unique=False)

    op.create_table('ledger_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('entry', sa.Enum('receipt', 'reversal', name='ledgerentry', native_enum=False, length=32), nullable=False),
    sa.Column('party', sa.Enum('inventor', 'tto', 'university', name='ledgerparty', native_enum=False, length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('inventor_name', sa.String(length=80), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('percent', sa.Numeric(precision=9, scale=6), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_ledger_lines_listing_id_listings'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_ledger_lines_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_ledger_lines_payment_id_payments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_ledger_lines_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_lines')),
    sa.UniqueConstraint('payment_id', 'entry', 'position', name=op.f('uq_ledger_lines_payment_id'))
    )
    with op.batch_alter_table('ledger_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_lines_listing_id'), ['listing_id'], unique=False)
        batch_op.create_index('ix_ledger_lines_org_created', ['organisation_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_lines_payment_id'), ['payment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_lines_user_id'), ['user_id'], unique=False)

    op.create_table('payment_webhook_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=20), nullable=False),
    sa.Column('event_id', sa.String(length=255), nullable=False),
    sa.Column('event_type', sa.String(length=80), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=80), nullable=False),
    sa.Column('received_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_payment_webhook_events_payment_id_payments'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_webhook_events')),
    sa.UniqueConstraint('event_id', name=op.f('uq_payment_webhook_events_event_id'))
    )
    with op.batch_alter_table('payment_webhook_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_webhook_events_payment_id'), ['payment_id'], unique=False)



def downgrade():
    with op.batch_alter_table('payment_webhook_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_webhook_events_payment_id'))

    op.drop_table('payment_webhook_events')
    with op.batch_alter_table('ledger_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_lines_user_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_lines_payment_id'))
        batch_op.drop_index('ix_ledger_lines_org_created')
        batch_op.drop_index(batch_op.f('ix_ledger_lines_listing_id'))

    op.drop_table('ledger_lines')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_state'))
        batch_op.drop_index('ix_payments_purpose_subject')
        batch_op.drop_index(batch_op.f('ix_payments_payer_org_id'))
        batch_op.drop_index(batch_op.f('ix_payments_payee_org_id'))
        batch_op.drop_index(batch_op.f('ix_payments_listing_id'))

    op.drop_table('payments')
    with op.batch_alter_table('inventor_shares', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inventor_shares_user_id'))
        batch_op.drop_index(batch_op.f('ix_inventor_shares_listing_id'))

    op.drop_table('inventor_shares')
    op.drop_table('university_finance')
