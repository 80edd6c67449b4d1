"""Technology needs, proposals and match scores.

Revision ID: 30e1045cff9f
Revises: ed82b8140cb8
Create Date: 2026-11-27 05:20:00

"""
from alembic import op
import sqlalchemy as sa
import marketplace.db_types  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '30e1045cff9f'
down_revision = 'ed82b8140cb8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('needs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.Enum('draft', 'open', 'closed', name='needstate', native_enum=False, length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('field', sa.String(length=32), nullable=False),
    sa.Column('keywords', sa.String(length=300), nullable=True),
    sa.Column('budget_min', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('budget_max', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('mode', sa.Enum('ordinary_licence', 'sole_licence', 'exclusive_licence', 'transfer', 'equity', 'open_licence', 'try_first', name='conversionmode', native_enum=False, length=32), nullable=True),
    sa.Column('trl_min', sa.SmallInteger(), nullable=False),
    sa.Column('trl_max', sa.SmallInteger(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('is_public', sa.Boolean(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('opened_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('closed_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('matched_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.CheckConstraint('budget_max IS NULL OR budget_min IS NULL OR budget_min <= budget_max', name=op.f('ck_needs_budget_order')),
    sa.CheckConstraint('budget_min IS NULL OR budget_min >= 0', name=op.f('ck_needs_budget_min_not_negative')),
    sa.CheckConstraint('trl_min BETWEEN 1 AND 9 AND trl_max BETWEEN 1 AND 9 AND trl_min <= trl_max', name=op.f('ck_needs_trl_range')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_needs_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_needs_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_needs'))
    )
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_needs_field'), ['field'], unique=False)
        batch_op.create_index(batch_op.f('ix_needs_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('ix_needs_state_public', ['state', 'is_public'], unique=False)

    op.create_table('preference_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('keywords', sa.String(length=300), nullable=True),
    sa.Column('modes', sa.JSON(), nullable=False),
    sa.Column('trl_min', sa.SmallInteger(), nullable=False),
    sa.Column('trl_max', sa.SmallInteger(), nullable=False),
    sa.Column('budget_max', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('updated_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('matched_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.CheckConstraint('budget_max IS NULL OR budget_max >= 0', name=op.f('ck_preference_profiles_budget_not_negative')),
    sa.CheckConstraint('trl_min BETWEEN 1 AND 9 AND trl_max BETWEEN 1 AND 9 AND trl_min <= trl_max', name=op.f('ck_preference_profiles_trl_range')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_preference_profiles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_preference_profiles')),
    sa.UniqueConstraint('user_id', name=op.f('uq_preference_profiles_user_id'))
    )
    op.create_table('match_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=True),
    sa.Column('profile_id', sa.Integer(), nullable=True),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.SmallInteger(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('computed_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.CheckConstraint('(need_id IS NULL) <> (profile_id IS NULL)', name=op.f('ck_match_results_one_subject')),
    sa.CheckConstraint('score BETWEEN 0 AND 100', name=op.f('ck_match_results_score_range')),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_match_results_listing_id_listings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_match_results_need_id_needs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['profile_id'], ['preference_profiles.id'], name=op.f('fk_match_results_profile_id_preference_profiles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_results')),
    sa.UniqueConstraint('need_id', 'listing_id', name=op.f('uq_match_results_need_id')),
    sa.UniqueConstraint('profile_id', 'listing_id', name=op.f('uq_match_results_profile_id'))
    )
    with op.batch_alter_table('match_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_match_results_listing_id'), ['listing_id'], unique=False)
        batch_op.create_index('ix_match_results_need_score', ['need_id', 'score'], unique=False)
        batch_op.create_index('ix_match_results_profile_score', ['profile_id', 'score'], unique=False)

    op.create_table('need_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_need_invitations_invited_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_need_invitations_need_id_needs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_need_invitations_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_need_invitations')),
    sa.UniqueConstraint('need_id', 'organisation_id', name=op.f('uq_need_invitations_need_id'))
    )
    with op.batch_alter_table('need_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_need_invitations_need_id'), ['need_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_need_invitations_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('need_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('proposed', 'accepted', 'declined', 'withdrawn', name='proposalstatus', native_enum=False, length=32), nullable=False),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('decided_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_need_proposals_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_need_proposals_listing_id_listings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_need_proposals_need_id_needs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_need_proposals_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id'], name=op.f('fk_need_proposals_proposed_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_need_proposals')),
    sa.UniqueConstraint('need_id', 'listing_id', name=op.f('uq_need_proposals_need_id'))
    )
    with op.batch_alter_table('need_proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_need_proposals_listing_id'), ['listing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_need_proposals_need_id'), ['need_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_need_proposals_organisation_id'), ['organisation_id'], unique=False)

    if op.get_bind().dialect.name == 'sqlite':
        # Document frequencies of the search index's terms, read by the matching to weight terms.
        op.execute("CREATE VIRTUAL TABLE listing_search_vocab USING fts5vocab(listing_search, 'row')")


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('DROP TABLE IF EXISTS listing_search_vocab')
    with op.batch_alter_table('need_proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_need_proposals_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_need_proposals_need_id'))
        batch_op.drop_index(batch_op.f('ix_need_proposals_listing_id'))

    op.drop_table('need_proposals')
    with op.batch_alter_table('need_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_need_invitations_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_need_invitations_need_id'))

    op.drop_table('need_invitations')
    with op.batch_alter_table('match_results', schema=None) as batch_op:
        batch_op.drop_index('ix_match_results_profile_score')
        batch_op.drop_index('ix_match_results_need_score')
        batch_op.drop_index(batch_op.f('ix_match_results_listing_id'))

    op.drop_table('match_results')
    op.drop_table('preference_profiles')
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.drop_index('ix_needs_state_public')
        batch_op.drop_index(batch_op.f('ix_needs_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_needs_field'))

    op.drop_table('needs')
