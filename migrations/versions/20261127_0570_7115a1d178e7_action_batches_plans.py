"""Action batches, enrolments, implementation plans and annual reports.

Revision ID: 7115a1d178e7
Revises: 0038a12ebe1e
Create Date: 2026-11-27 05:70:00

"""
from alembic import op
import sqlalchemy as sa
import marketplace.db_types  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '7115a1d178e7'
down_revision = '0038a12ebe1e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('action_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('plan_due_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('timezone', sa.String(length=40), nullable=False),
    sa.Column('eligible_categories', sa.JSON(), nullable=False),
    sa.Column('enrolment_open', sa.Boolean(), nullable=False),
    sa.Column('updated_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_action_batches_ends_after_start')),
    sa.CheckConstraint('plan_due_on >= starts_on', name=op.f('ck_action_batches_due_after_start')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_batches')),
    sa.UniqueConstraint('number', name=op.f('uq_action_batches_number'))
    )
    op.create_table('action_secondary_units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_action_secondary_units_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_secondary_units')),
    sa.UniqueConstraint('organisation_id', 'name', name='org_unit_name')
    )
    with op.batch_alter_table('action_secondary_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_secondary_units_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('action_enrolments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.Enum('demonstration', 'pilot', 'other', name='universitycategory', native_enum=False, length=32), nullable=False),
    sa.Column('enrolled_by_id', sa.Integer(), nullable=True),
    sa.Column('enrolled_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['action_batches.id'], name=op.f('fk_action_enrolments_batch_id_action_batches'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['enrolled_by_id'], ['users.id'], name=op.f('fk_action_enrolments_enrolled_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_action_enrolments_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_enrolments')),
    sa.UniqueConstraint('organisation_id', name=op.f('uq_action_enrolments_organisation_id'))
    )
    with op.batch_alter_table('action_enrolments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_enrolments_batch_id'), ['batch_id'], unique=False)

    op.create_table('action_university_profiles',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.Enum('demonstration', 'pilot', 'other', name='universitycategory', native_enum=False, length=32), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_action_university_profiles_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['set_by_id'], ['users.id'], name=op.f('fk_action_university_profiles_set_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('organisation_id', name=op.f('pk_action_university_profiles'))
    )
    with op.batch_alter_table('action_university_profiles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_university_profiles_category'), ['category'], unique=False)

    op.create_table('action_listing_units',
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_action_listing_units_listing_id_listings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['action_secondary_units.id'], name=op.f('fk_action_listing_units_unit_id_action_secondary_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('listing_id', name=op.f('pk_action_listing_units'))
    )
    with op.batch_alter_table('action_listing_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_listing_units_unit_id'), ['unit_id'], unique=False)

    op.create_table('action_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('draft', 'submitted', 'returned', 'approved', name='planstate', native_enum=False, length=32), nullable=False),
    sa.Column('basis', sa.Text(), nullable=True),
    sa.Column('goals', sa.Text(), nullable=True),
    sa.Column('organisation', sa.Text(), nullable=True),
    sa.Column('mechanisms', sa.Text(), nullable=True),
    sa.Column('measures', sa.Text(), nullable=True),
    sa.Column('expected_results', sa.Text(), nullable=True),
    sa.Column('target_high_value_patents', sa.Integer(), nullable=True),
    sa.Column('target_conversions', sa.Integer(), nullable=True),
    sa.Column('target_amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('target_open_licences', sa.Integer(), nullable=True),
    sa.Column('target_roadshows', sa.Integer(), nullable=True),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.CheckConstraint('target_amount IS NULL OR target_amount >= 0', name=op.f('ck_action_plans_target_amount_not_negative')),
    sa.ForeignKeyConstraint(['enrolment_id'], ['action_enrolments.id'], name=op.f('fk_action_plans_enrolment_id_action_enrolments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_plans')),
    sa.UniqueConstraint('enrolment_id', name=op.f('uq_action_plans_enrolment_id'))
    )
    with op.batch_alter_table('action_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_plans_state'), ['state'], unique=False)

    op.create_table('action_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('draft', 'submitted', 'returned', 'approved', name='reportstate', native_enum=False, length=32), nullable=False),
    sa.Column('narrative', sa.Text(), nullable=True),
    sa.Column('declared', sa.JSON(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=True),
    sa.Column('submitted_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('review_comment', sa.Text(), nullable=True),
    sa.Column('reviewed_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['enrolment_id'], ['action_enrolments.id'], name=op.f('fk_action_reports_enrolment_id_action_enrolments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_action_reports_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_action_reports_reviewed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_action_reports_submitted_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_reports')),
    sa.UniqueConstraint('organisation_id', 'year', name='org_year')
    )
    with op.batch_alter_table('action_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_reports_enrolment_id'), ['enrolment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_reports_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_reports_state'), ['state'], unique=False)

    op.create_table('action_plan_projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('platform', sa.String(length=200), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['action_plans.id'], name=op.f('fk_action_plan_projects_plan_id_action_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_plan_projects'))
    )
    with op.batch_alter_table('action_plan_projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_plan_projects_plan_id'), ['plan_id'], unique=False)

    op.create_table('action_plan_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('submitted_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('decision', sa.Enum('draft', 'submitted', 'returned', 'approved', name='planstate', native_enum=False, length=32), nullable=True),
    sa.Column('review_comment', sa.Text(), nullable=True),
    sa.Column('reviewed_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['action_plans.id'], name=op.f('fk_action_plan_versions_plan_id_action_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_action_plan_versions_reviewed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_action_plan_versions_submitted_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_plan_versions')),
    sa.UniqueConstraint('plan_id', 'number', name='plan_number')
    )
    with op.batch_alter_table('action_plan_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_plan_versions_plan_id'), ['plan_id'], unique=False)

    op.create_table('action_typical_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('narrative', sa.Text(), nullable=False),
    sa.Column('deal_key', sa.String(length=80), nullable=True),
    sa.Column('deal', sa.JSON(), nullable=True),
    sa.Column('listing_id', sa.Integer(), nullable=True),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('published_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_action_typical_cases_listing_id_listings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['report_id'], ['action_reports.id'], name=op.f('fk_action_typical_cases_report_id_action_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_typical_cases'))
    )
    with op.batch_alter_table('action_typical_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_typical_cases_listing_id'), ['listing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_typical_cases_published'), ['published'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_typical_cases_report_id'), ['report_id'], unique=False)

    op.create_table('action_plan_project_listings',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_action_plan_project_listings_listing_id_listings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['action_plan_projects.id'], name=op.f('fk_action_plan_project_listings_project_id_action_plan_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', 'listing_id', name=op.f('pk_action_plan_project_listings'))
    )
    with op.batch_alter_table('action_plan_project_listings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_plan_project_listings_listing_id'), ['listing_id'], unique=False)



def downgrade():
    with op.batch_alter_table('action_plan_project_listings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_plan_project_listings_listing_id'))

    op.drop_table('action_plan_project_listings')
    with op.batch_alter_table('action_typical_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_typical_cases_report_id'))
        batch_op.drop_index(batch_op.f('ix_action_typical_cases_published'))
        batch_op.drop_index(batch_op.f('ix_action_typical_cases_listing_id'))

    op.drop_table('action_typical_cases')
    with op.batch_alter_table('action_plan_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_plan_versions_plan_id'))

    op.drop_table('action_plan_versions')
    with op.batch_alter_table('action_plan_projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_plan_projects_plan_id'))

    op.drop_table('action_plan_projects')
    with op.batch_alter_table('action_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_reports_state'))
        batch_op.drop_index(batch_op.f('ix_action_reports_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_action_reports_enrolment_id'))

    op.drop_table('action_reports')
    with op.batch_alter_table('action_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_plans_state'))

    op.drop_table('action_plans')
    with op.batch_alter_table('action_listing_units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_listing_units_unit_id'))

    op.drop_table('action_listing_units')
    with op.batch_alter_table('action_university_profiles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_university_profiles_category'))

    op.drop_table('action_university_profiles')
    with op.batch_alter_table('action_enrolments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_enrolments_batch_id'))

    op.drop_table('action_enrolments')
    with op.batch_alter_table('action_secondary_units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_secondary_units_organisation_id'))

    op.drop_table('action_secondary_units')
    op.drop_table('action_batches')
