"""Invention disclosures, their inventors and shares, planned public disclosures, files, the
pre-filing assessment and outside reviewers; the filing and the listing made from it (issue 18).

Revision ID: 41f8674b936a
Revises: d81f4a6c2b90
Create Date: 2026-12-07 01:26:32.762640

"""
from alembic import op
import sqlalchemy as sa
import marketplace.db_types  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '41f8674b936a'
down_revision = 'd81f4a6c2b90'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('disclosures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.Enum('draft', 'submitted', 'under_assessment', 'decided', name='disclosurestate', native_enum=False, length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('problem', sa.Text(), nullable=False),
    sa.Column('solution', sa.Text(), nullable=False),
    sa.Column('novelty', sa.Text(), nullable=False),
    sa.Column('field', sa.String(length=32), nullable=False),
    sa.Column('funding', sa.Text(), nullable=True),
    sa.Column('publications', sa.Text(), nullable=True),
    sa.Column('deadline_on', sa.Date(), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('submitted_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('assessment_started_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('decided_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('decision', sa.Enum('file_invention', 'file_utility_model', 'know_how', 'publish', 'drop', name='recommendation', native_enum=False, length=32), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('application_number', sa.String(length=20), nullable=True),
    sa.Column('filed_on', sa.Date(), nullable=True),
    sa.Column('filing_kind', sa.String(length=20), nullable=True),
    sa.Column('outcome', sa.Enum('pending', 'granted', 'refused', name='filingoutcome', native_enum=False, length=32), nullable=True),
    sa.Column('outcome_on', sa.Date(), nullable=True),
    sa.Column('refusal_reason', sa.Text(), nullable=True),
    sa.Column('listing_id', sa.Integer(), nullable=True),
    sa.Column('listed_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_disclosures_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_disclosures_listing_id_listings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_disclosures_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosures')),
    sa.UniqueConstraint('application_number', name=op.f('uq_disclosures_application_number')),
    sa.UniqueConstraint('listing_id', name=op.f('uq_disclosures_listing_id'))
    )
    with op.batch_alter_table('disclosures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disclosures_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_disclosures_deadline_on'), ['deadline_on'], unique=False)
        batch_op.create_index('ix_disclosures_org_state', ['organisation_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_disclosures_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('disclosure_assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('disclosure_id', sa.Integer(), nullable=False),
    sa.Column('novelty_score', sa.SmallInteger(), nullable=False),
    sa.Column('inventiveness_score', sa.SmallInteger(), nullable=False),
    sa.Column('practicality_score', sa.SmallInteger(), nullable=False),
    sa.Column('prior_art', sa.Text(), nullable=True),
    sa.Column('market_field', sa.String(length=32), nullable=False),
    sa.Column('likely_licensees', sa.Text(), nullable=True),
    sa.Column('trl', sa.SmallInteger(), nullable=False),
    sa.Column('market_size', sa.String(length=300), nullable=True),
    sa.Column('recommendation', sa.Enum('file_invention', 'file_utility_model', 'know_how', 'publish', 'drop', name='recommendation', native_enum=False, length=32), nullable=False),
    sa.Column('grade', sa.Enum('A', 'B', 'C', name='grade', native_enum=False), nullable=False),
    sa.Column('conclusion', sa.Text(), nullable=False),
    sa.Column('assessed_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.CheckConstraint('novelty_score BETWEEN 1 AND 5 AND inventiveness_score BETWEEN 1 AND 5 AND practicality_score BETWEEN 1 AND 5', name=op.f('ck_disclosure_assessments_score_range')),
    sa.CheckConstraint('trl BETWEEN 1 AND 9', name=op.f('ck_disclosure_assessments_trl_range')),
    sa.ForeignKeyConstraint(['assessed_by_id'], ['users.id'], name=op.f('fk_disclosure_assessments_assessed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['disclosure_id'], ['disclosures.id'], name=op.f('fk_disclosure_assessments_disclosure_id_disclosures'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosure_assessments')),
    sa.UniqueConstraint('disclosure_id', name=op.f('uq_disclosure_assessments_disclosure_id'))
    )
    op.create_table('disclosure_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('disclosure_id', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.CheckConstraint('size > 0', name=op.f('ck_disclosure_files_size_positive')),
    sa.ForeignKeyConstraint(['disclosure_id'], ['disclosures.id'], name=op.f('fk_disclosure_files_disclosure_id_disclosures'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_disclosure_files_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosure_files')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_disclosure_files_stored_name'))
    )
    with op.batch_alter_table('disclosure_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disclosure_files_disclosure_id'), ['disclosure_id'], unique=False)

    op.create_table('disclosure_inventors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('disclosure_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('share_pct', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('confirmed_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.CheckConstraint('share_pct > 0 AND share_pct <= 100', name=op.f('ck_disclosure_inventors_share_range')),
    sa.ForeignKeyConstraint(['disclosure_id'], ['disclosures.id'], name=op.f('fk_disclosure_inventors_disclosure_id_disclosures'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_disclosure_inventors_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosure_inventors')),
    sa.UniqueConstraint('disclosure_id', 'position', name=op.f('uq_disclosure_inventors_disclosure_id'))
    )
    with op.batch_alter_table('disclosure_inventors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disclosure_inventors_disclosure_id'), ['disclosure_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_disclosure_inventors_user_id'), ['user_id'], unique=False)

    op.create_table('disclosure_public_dates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('disclosure_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('conference', 'paper', 'thesis', name='publicationkind', native_enum=False, length=32), nullable=False),
    sa.Column('planned_on', sa.Date(), nullable=False),
    sa.Column('venue', sa.String(length=200), nullable=False),
    sa.Column('qualifying', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['disclosure_id'], ['disclosures.id'], name=op.f('fk_disclosure_public_dates_disclosure_id_disclosures'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosure_public_dates'))
    )
    with op.batch_alter_table('disclosure_public_dates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disclosure_public_dates_disclosure_id'), ['disclosure_id'], unique=False)

    op.create_table('disclosure_reviewers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('disclosure_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('invited_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('novelty_score', sa.SmallInteger(), nullable=True),
    sa.Column('inventiveness_score', sa.SmallInteger(), nullable=True),
    sa.Column('practicality_score', sa.SmallInteger(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('submitted_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.CheckConstraint('inventiveness_score IS NULL OR inventiveness_score BETWEEN 1 AND 5', name=op.f('ck_disclosure_reviewers_inventiveness_range')),
    sa.CheckConstraint('novelty_score IS NULL OR novelty_score BETWEEN 1 AND 5', name=op.f('ck_disclosure_reviewers_novelty_range')),
    sa.CheckConstraint('practicality_score IS NULL OR practicality_score BETWEEN 1 AND 5', name=op.f('ck_disclosure_reviewers_practicality_range')),
    sa.ForeignKeyConstraint(['disclosure_id'], ['disclosures.id'], name=op.f('fk_disclosure_reviewers_disclosure_id_disclosures'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_disclosure_reviewers_invited_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_disclosure_reviewers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosure_reviewers')),
    sa.UniqueConstraint('disclosure_id', 'user_id', name=op.f('uq_disclosure_reviewers_disclosure_id'))
    )
    with op.batch_alter_table('disclosure_reviewers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disclosure_reviewers_disclosure_id'), ['disclosure_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_disclosure_reviewers_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('disclosure_reviewers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disclosure_reviewers_user_id'))
        batch_op.drop_index(batch_op.f('ix_disclosure_reviewers_disclosure_id'))

    op.drop_table('disclosure_reviewers')
    with op.batch_alter_table('disclosure_public_dates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disclosure_public_dates_disclosure_id'))

    op.drop_table('disclosure_public_dates')
    with op.batch_alter_table('disclosure_inventors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disclosure_inventors_user_id'))
        batch_op.drop_index(batch_op.f('ix_disclosure_inventors_disclosure_id'))

    op.drop_table('disclosure_inventors')
    with op.batch_alter_table('disclosure_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disclosure_files_disclosure_id'))

    op.drop_table('disclosure_files')
    op.drop_table('disclosure_assessments')
    with op.batch_alter_table('disclosures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disclosures_organisation_id'))
        batch_op.drop_index('ix_disclosures_org_state')
        batch_op.drop_index(batch_op.f('ix_disclosures_deadline_on'))
        batch_op.drop_index(batch_op.f('ix_disclosures_created_by_id'))

    op.drop_table('disclosures')
