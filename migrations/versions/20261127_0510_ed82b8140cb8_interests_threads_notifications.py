"""Interests, private threads, NDA acceptances, notifications, follows and saved searches.

Revision ID: ed82b8140cb8
Revises: 6c7213b86312
Create Date: 2026-11-27 05:10:00

"""
from alembic import op
import sqlalchemy as sa
import marketplace.db_types  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = 'ed82b8140cb8'
down_revision = '6c7213b86312'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=False),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('read_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('emailed_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_notifications_user_unread', ['user_id', 'read_at'], unique=False)

    op.create_table('saved_searches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('query_args', sa.JSON(), nullable=False),
    sa.Column('frequency', sa.Enum('daily', 'weekly', name='frequency', native_enum=False, length=32), nullable=False),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('last_run_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_saved_searches_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_searches'))
    )
    with op.batch_alter_table('saved_searches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_searches_user_id'), ['user_id'], unique=False)

    op.create_table('confidential_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_confidential_files_listing_id_listings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_confidential_files_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_confidential_files')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_confidential_files_stored_name'))
    )
    with op.batch_alter_table('confidential_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_confidential_files_listing_id'), ['listing_id'], unique=False)

    op.create_table('interests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('intent', sa.Enum('ordinary_licence', 'sole_licence', 'exclusive_licence', 'transfer', 'equity', 'open_licence', 'trial', 'investment', name='intent', native_enum=False, length=32), nullable=False),
    sa.Column('budget_min', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('budget_max', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('timeline', sa.Enum('3m', '6m', '12m', 'later', name='timeline', native_enum=False, length=32), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('new', 'in_discussion', 'negotiating', 'deal', 'declined', 'withdrawn', name='intereststatus', native_enum=False, length=32), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('source_detail', sa.String(length=200), nullable=True),
    sa.Column('contacts_shared_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('accepted_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('negotiating_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('deal_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('closed_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('decline_reason', sa.Enum('too_early', 'price', 'field_mismatch', 'already_committed', 'other', name='declinereason', native_enum=False, length=32), nullable=True),
    sa.Column('decline_text', sa.Text(), nullable=True),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('last_message_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('budget_max IS NULL OR budget_min IS NULL OR budget_max >= budget_min', name=op.f('ck_interests_budget_range_ordered')),
    sa.CheckConstraint('budget_min IS NULL OR budget_min >= 0', name=op.f('ck_interests_budget_min_not_negative')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_interests_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_interests_listing_id_listings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_interests_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interests'))
    )
    with op.batch_alter_table('interests', schema=None) as batch_op:
        batch_op.create_index('ix_interests_listing_status', ['listing_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_interests_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('uq_interests_live_per_org', ['organisation_id', 'listing_id'], unique=True, sqlite_where=sa.text("status IN ('new', 'in_discussion', 'negotiating')"), postgresql_where=sa.text("status IN ('new', 'in_discussion', 'negotiating')"))

    op.create_table('listing_follows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('seen_state', sa.String(length=16), nullable=False),
    sa.Column('seen_terms', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_listing_follows_listing_id_listings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_listing_follows_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listing_follows')),
    sa.UniqueConstraint('user_id', 'listing_id', name='uq_listing_follows_user')
    )
    with op.batch_alter_table('listing_follows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listing_follows_listing_id'), ['listing_id'], unique=False)

    op.create_table('listing_view_days',
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('views', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_listing_view_days_listing_id_listings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('listing_id', 'day', name=op.f('pk_listing_view_days'))
    )
    op.create_table('nda_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_nda_versions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_nda_versions_listing_id_listings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nda_versions')),
    sa.UniqueConstraint('listing_id', 'number', name='uq_nda_versions_number')
    )
    with op.batch_alter_table('nda_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nda_versions_listing_id'), ['listing_id'], unique=False)

    op.create_table('saved_search_hits',
    sa.Column('saved_search_id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_saved_search_hits_listing_id_listings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['saved_search_id'], ['saved_searches.id'], name=op.f('fk_saved_search_hits_saved_search_id_saved_searches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('saved_search_id', 'listing_id', name=op.f('pk_saved_search_hits'))
    )
    op.create_table('interest_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interest_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_interest_events_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['interest_id'], ['interests.id'], name=op.f('fk_interest_events_interest_id_interests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_interest_events_organisation_id_organisations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interest_events'))
    )
    with op.batch_alter_table('interest_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interest_events_interest_id'), ['interest_id'], unique=False)

    op.create_table('interest_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interest_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_interest_messages_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['interest_id'], ['interests.id'], name=op.f('fk_interest_messages_interest_id_interests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_interest_messages_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interest_messages'))
    )
    with op.batch_alter_table('interest_messages', schema=None) as batch_op:
        batch_op.create_index('ix_interest_messages_interest_id_id', ['interest_id', 'id'], unique=False)

    op.create_table('interest_reads',
    sa.Column('interest_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('last_read_message_id', sa.Integer(), nullable=False),
    sa.Column('read_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['interest_id'], ['interests.id'], name=op.f('fk_interest_reads_interest_id_interests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_interest_reads_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('interest_id', 'user_id', name=op.f('pk_interest_reads'))
    )
    with op.batch_alter_table('interest_reads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interest_reads_user_id'), ['user_id'], unique=False)

    op.create_table('nda_acceptances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nda_version_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('interest_id', sa.Integer(), nullable=True),
    sa.Column('user_name', sa.String(length=80), nullable=False),
    sa.Column('user_email', sa.String(length=254), nullable=False),
    sa.Column('text_sha256', sa.String(length=64), nullable=False),
    sa.Column('accepted_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('user_agent', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['interest_id'], ['interests.id'], name=op.f('fk_nda_acceptances_interest_id_interests'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['nda_version_id'], ['nda_versions.id'], name=op.f('fk_nda_acceptances_nda_version_id_nda_versions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_nda_acceptances_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_nda_acceptances_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nda_acceptances')),
    sa.UniqueConstraint('nda_version_id', 'organisation_id', name='uq_nda_acceptances_version_org')
    )
    with op.batch_alter_table('nda_acceptances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nda_acceptances_nda_version_id'), ['nda_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_nda_acceptances_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('interest_message_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['interest_messages.id'], name=op.f('fk_interest_message_files_message_id_interest_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interest_message_files')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_interest_message_files_stored_name'))
    )
    with op.batch_alter_table('interest_message_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interest_message_files_message_id'), ['message_id'], unique=False)



def downgrade():
    with op.batch_alter_table('interest_message_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interest_message_files_message_id'))

    op.drop_table('interest_message_files')
    with op.batch_alter_table('nda_acceptances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nda_acceptances_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_nda_acceptances_nda_version_id'))

    op.drop_table('nda_acceptances')
    with op.batch_alter_table('interest_reads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interest_reads_user_id'))

    op.drop_table('interest_reads')
    with op.batch_alter_table('interest_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_interest_messages_interest_id_id')

    op.drop_table('interest_messages')
    with op.batch_alter_table('interest_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interest_events_interest_id'))

    op.drop_table('interest_events')
    op.drop_table('saved_search_hits')
    with op.batch_alter_table('nda_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nda_versions_listing_id'))

    op.drop_table('nda_versions')
    op.drop_table('listing_view_days')
    with op.batch_alter_table('listing_follows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listing_follows_listing_id'))

    op.drop_table('listing_follows')
    with op.batch_alter_table('interests', schema=None) as batch_op:
        batch_op.drop_index('uq_interests_live_per_org', sqlite_where=sa.text("status IN ('new', 'in_discussion', 'negotiating')"), postgresql_where=sa.text("status IN ('new', 'in_discussion', 'negotiating')"))
        batch_op.drop_index(batch_op.f('ix_interests_organisation_id'))
        batch_op.drop_index('ix_interests_listing_status')

    op.drop_table('interests')
    with op.batch_alter_table('confidential_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_confidential_files_listing_id'))

    op.drop_table('confidential_files')
    with op.batch_alter_table('saved_searches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_searches_user_id'))

    op.drop_table('saved_searches')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_unread')
        batch_op.drop_index(batch_op.f('ix_notifications_created_at'))

    op.drop_table('notifications')
