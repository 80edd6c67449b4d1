"""Open-licence declarations, agreements, trial and royalty licences.

Revision ID: d1dd57398052
Revises: 68a214191349
Create Date: 2026-11-27 05:40:00

"""
from alembic import op
import sqlalchemy as sa
import marketplace.db_types  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = 'd1dd57398052'
down_revision = '68a214191349'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('open_licence_declarations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('draft', 'submitted', 'announced', 'withdrawn', name='declarationstate', native_enum=False, length=32), nullable=False),
    sa.Column('payment_method', sa.Enum('lump_sum', 'royalty', 'entry_plus_royalty', 'free', name='paymentmethod', native_enum=False, length=32), nullable=False),
    sa.Column('fee_amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('royalty_base', sa.Enum('net_sales', 'profit', name='royaltybase', native_enum=False, length=32), nullable=True),
    sa.Column('royalty_rate', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('payment_standard', sa.Text(), nullable=False),
    sa.Column('term_end', sa.Date(), nullable=False),
    sa.Column('other_terms', sa.Text(), nullable=True),
    sa.Column('trial_days', sa.Integer(), nullable=True),
    sa.Column('trial_trigger', sa.Enum('trial_end', 'first_revenue', name='trialtrigger', native_enum=False, length=32), nullable=True),
    sa.Column('notice_email', sa.String(length=254), nullable=False),
    sa.Column('notice_address', sa.String(length=300), nullable=False),
    sa.Column('notice_phone', sa.String(length=32), nullable=True),
    sa.Column('fees_paid_declared_on', sa.Date(), nullable=True),
    sa.Column('fees_paid_declared_by_id', sa.Integer(), nullable=True),
    sa.Column('pledged', sa.Boolean(), nullable=False),
    sa.Column('pledgee', sa.String(length=200), nullable=True),
    sa.Column('pledgee_consent_on', sa.Date(), nullable=True),
    sa.Column('evaluation_report', sa.String(length=100), nullable=True),
    sa.Column('announcement_number', sa.String(length=64), nullable=True),
    sa.Column('announced_on', sa.Date(), nullable=True),
    sa.Column('withdrawal_reason', sa.Text(), nullable=True),
    sa.Column('withdrawn_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('submitted_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.CheckConstraint('fee_amount IS NULL OR fee_amount >= 0', name=op.f('ck_open_licence_declarations_fee_not_negative')),
    sa.CheckConstraint('royalty_rate IS NULL OR (royalty_rate > 0 AND royalty_rate <= 100)', name=op.f('ck_open_licence_declarations_rate_range')),
    sa.CheckConstraint('trial_days IS NULL OR trial_days > 0', name=op.f('ck_open_licence_declarations_trial_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_open_licence_declarations_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['fees_paid_declared_by_id'], ['users.id'], name=op.f('fk_open_licence_declarations_fees_paid_declared_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_open_licence_declarations_listing_id_listings'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_open_licence_declarations_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open_licence_declarations'))
    )
    with op.batch_alter_table('open_licence_declarations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_open_licence_declarations_listing_id'), ['listing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_open_licence_declarations_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_open_licence_declarations_state'), ['state'], unique=False)

    op.create_table('recorded_agreements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('ordinary_licence', 'sole_licence', 'exclusive_licence', 'transfer', 'equity', name='agreementkind', native_enum=False, length=32), nullable=False),
    sa.Column('counterparty', sa.String(length=200), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('document_name', sa.String(length=200), nullable=True),
    sa.Column('stored_name', sa.String(length=64), nullable=True),
    sa.Column('document_sha256', sa.String(length=64), nullable=True),
    sa.Column('terminated_on', sa.Date(), nullable=True),
    sa.Column('termination_reason', sa.Text(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.CheckConstraint('amount IS NULL OR amount >= 0', name=op.f('ck_recorded_agreements_amount_not_negative')),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_recorded_agreements_listing_id_listings'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_recorded_agreements_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_recorded_agreements_recorded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recorded_agreements')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_recorded_agreements_stored_name'))
    )
    with op.batch_alter_table('recorded_agreements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recorded_agreements_listing_id'), ['listing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recorded_agreements_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('open_licence_co_owners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('declaration_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('consented', sa.Boolean(), nullable=False),
    sa.Column('consented_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['declaration_id'], ['open_licence_declarations.id'], name=op.f('fk_open_licence_co_owners_declaration_id_open_licence_declarations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open_licence_co_owners'))
    )
    with op.batch_alter_table('open_licence_co_owners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_open_licence_co_owners_declaration_id'), ['declaration_id'], unique=False)

    op.create_table('open_licences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('declaration_id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('licensor_id', sa.Integer(), nullable=False),
    sa.Column('licensee_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('awaiting_payment', 'trial', 'payment_overdue', 'effective', 'exited', 'terminated', name='licencestate', native_enum=False, length=32), nullable=False),
    sa.Column('is_trial', sa.Boolean(), nullable=False),
    sa.Column('fee_amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('document', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('signer_id', sa.Integer(), nullable=True),
    sa.Column('signer_name', sa.String(length=80), nullable=False),
    sa.Column('signer_title', sa.String(length=80), nullable=False),
    sa.Column('signed_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('signed_ip', sa.String(length=45), nullable=True),
    sa.Column('signed_user_agent', sa.String(length=255), nullable=True),
    sa.Column('notice_delivered_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('fee_paid_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('fee_payment_id', sa.Integer(), nullable=True),
    sa.Column('effective_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('trial_ends_on', sa.Date(), nullable=True),
    sa.Column('trial_trigger', sa.Enum('trial_end', 'first_revenue', name='trialtrigger', native_enum=False, length=32), nullable=True),
    sa.Column('first_revenue_on', sa.Date(), nullable=True),
    sa.Column('payment_due_on', sa.Date(), nullable=True),
    sa.Column('trial_reminder_sent_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('overdue_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('record_due_on', sa.Date(), nullable=True),
    sa.Column('record_number', sa.String(length=64), nullable=True),
    sa.Column('recorded_on', sa.Date(), nullable=True),
    sa.Column('record_reminder_sent_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('certificate_pdf', sa.LargeBinary(), nullable=True),
    sa.Column('certificate_sha256', sa.String(length=64), nullable=True),
    sa.Column('ended_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('end_reason', sa.Text(), nullable=True),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.CheckConstraint('fee_amount >= 0', name=op.f('ck_open_licences_fee_not_negative')),
    sa.ForeignKeyConstraint(['declaration_id'], ['open_licence_declarations.id'], name=op.f('fk_open_licences_declaration_id_open_licence_declarations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['fee_payment_id'], ['payments.id'], name=op.f('fk_open_licences_fee_payment_id_payments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['licensee_id'], ['organisations.id'], name=op.f('fk_open_licences_licensee_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['licensor_id'], ['organisations.id'], name=op.f('fk_open_licences_licensor_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_open_licences_listing_id_listings'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['signer_id'], ['users.id'], name=op.f('fk_open_licences_signer_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open_licences')),
    sa.UniqueConstraint('sha256', name=op.f('uq_open_licences_sha256'))
    )
    with op.batch_alter_table('open_licences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_open_licences_certificate_sha256'), ['certificate_sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_open_licences_declaration_id'), ['declaration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_open_licences_licensee_id'), ['licensee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_open_licences_licensor_id'), ['licensor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_open_licences_listing_id'), ['listing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_open_licences_record_due_on'), ['record_due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_open_licences_state'), ['state'], unique=False)

    op.create_table('royalty_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('licence_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('royalty_base', sa.Enum('net_sales', 'profit', name='royaltybase', native_enum=False, length=32), nullable=False),
    sa.Column('base_amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('rate', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('royalty', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('state', sa.Enum('due', 'paid', 'nil', name='reportstate', native_enum=False, length=32), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('paid_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('filed_by_id', sa.Integer(), nullable=True),
    sa.Column('filed_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.CheckConstraint('base_amount >= 0', name=op.f('ck_royalty_reports_base_not_negative')),
    sa.CheckConstraint('period_end >= period_start', name=op.f('ck_royalty_reports_period_order')),
    sa.CheckConstraint('royalty >= 0', name=op.f('ck_royalty_reports_royalty_not_negative')),
    sa.ForeignKeyConstraint(['filed_by_id'], ['users.id'], name=op.f('fk_royalty_reports_filed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['licence_id'], ['open_licences.id'], name=op.f('fk_royalty_reports_licence_id_open_licences'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_royalty_reports_payment_id_payments'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_royalty_reports'))
    )
    with op.batch_alter_table('royalty_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_royalty_reports_licence_id'), ['licence_id'], unique=False)



def downgrade():
    with op.batch_alter_table('royalty_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_royalty_reports_licence_id'))

    op.drop_table('royalty_reports')
    with op.batch_alter_table('open_licences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_open_licences_state'))
        batch_op.drop_index(batch_op.f('ix_open_licences_record_due_on'))
        batch_op.drop_index(batch_op.f('ix_open_licences_listing_id'))
        batch_op.drop_index(batch_op.f('ix_open_licences_licensor_id'))
        batch_op.drop_index(batch_op.f('ix_open_licences_licensee_id'))
        batch_op.drop_index(batch_op.f('ix_open_licences_declaration_id'))
        batch_op.drop_index(batch_op.f('ix_open_licences_certificate_sha256'))

    op.drop_table('open_licences')
    with op.batch_alter_table('open_licence_co_owners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_open_licence_co_owners_declaration_id'))

    op.drop_table('open_licence_co_owners')
    with op.batch_alter_table('recorded_agreements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recorded_agreements_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_recorded_agreements_listing_id'))

    op.drop_table('recorded_agreements')
    with op.batch_alter_table('open_licence_declarations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_open_licence_declarations_state'))
        batch_op.drop_index(batch_op.f('ix_open_licence_declarations_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_open_licence_declarations_listing_id'))

    op.drop_table('open_licence_declarations')
