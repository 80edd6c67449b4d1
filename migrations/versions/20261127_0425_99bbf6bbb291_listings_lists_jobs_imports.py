"""Listings, attachments, published lists, jobs, imports and the search index.

Revision ID: 99bbf6bbb291
Revises: 398ceffed78b
Create Date: 2026-11-27 04:25:04.974370

"""
from alembic import op
import sqlalchemy as sa
import marketplace.db_types  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '99bbf6bbb291'
down_revision = '398ceffed78b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('state', sa.Enum('queued', 'running', 'succeeded', 'failed', name='jobstate', native_enum=False, length=32), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('started_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('finished_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_jobs_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jobs_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_name'), ['name'], unique=False)

    op.create_table('listings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('invention', 'utility_model', 'design', 'achievement', name='listingkind', native_enum=False, length=32), nullable=False),
    sa.Column('state', sa.Enum('draft', 'published', 'suspended', 'converted', 'withdrawn', name='listingstate', native_enum=False, length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('abstract', sa.Text(), nullable=False),
    sa.Column('field', sa.String(length=32), nullable=False),
    sa.Column('ipc_codes', sa.String(length=200), nullable=True),
    sa.Column('keywords', sa.String(length=300), nullable=True),
    sa.Column('inventors', sa.String(length=300), nullable=False),
    sa.Column('application_number', sa.String(length=20), nullable=True),
    sa.Column('application_date', sa.Date(), nullable=True),
    sa.Column('grant_date', sa.Date(), nullable=True),
    sa.Column('legal_status', sa.Enum('pending', 'granted', 'lapsed', 'not_applicable', name='legalstatus', native_enum=False, length=32), nullable=False),
    sa.Column('grade', sa.Enum('A', 'B', 'C', name='grade', native_enum=False), nullable=False),
    sa.Column('trl', sa.SmallInteger(), nullable=False),
    sa.Column('asking_price', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('terms', sa.Text(), nullable=True),
    sa.Column('contact_name', sa.String(length=80), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=False),
    sa.Column('contact_phone', sa.String(length=32), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('published_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('state_reason', sa.Text(), nullable=True),
    sa.CheckConstraint('asking_price IS NULL OR asking_price >= 0', name=op.f('ck_listings_price_not_negative')),
    sa.CheckConstraint('trl BETWEEN 1 AND 9', name=op.f('ck_listings_trl_range')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_listings_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_listings_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listings')),
    sa.UniqueConstraint('application_number', name=op.f('uq_listings_application_number'))
    )
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listings_field'), ['field'], unique=False)
        batch_op.create_index(batch_op.f('ix_listings_grade'), ['grade'], unique=False)
        batch_op.create_index(batch_op.f('ix_listings_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_listings_legal_status'), ['legal_status'], unique=False)
        batch_op.create_index(batch_op.f('ix_listings_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('ix_listings_state_published_at', ['state', 'published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_listings_trl'), ['trl'], unique=False)

    op.create_table('published_lists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('high_value_patents', 'key_achievements', name='listkind', native_enum=False, length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_published_lists_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_published_lists_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_published_lists'))
    )
    with op.batch_alter_table('published_lists', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_published_lists_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.CheckConstraint('size > 0', name=op.f('ck_attachments_size_positive')),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_attachments_listing_id_listings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_attachments_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_attachments_stored_name'))
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachments_listing_id'), ['listing_id'], unique=False)

    op.create_table('import_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('state', sa.Enum('validating', 'validated', 'imported', 'discarded', 'failed', name='importstate', native_enum=False, length=32), nullable=False),
    sa.Column('total_rows', sa.Integer(), nullable=False),
    sa.Column('valid_rows', sa.Integer(), nullable=False),
    sa.Column('imported_rows', sa.Integer(), nullable=False),
    sa.Column('rows', sa.JSON(), nullable=False),
    sa.Column('problems', sa.JSON(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('finished_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_import_batches_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_import_batches_job_id_jobs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_import_batches_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batches'))
    )
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_batches_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('list_items',
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['list_id'], ['published_lists.id'], name=op.f('fk_list_items_list_id_published_lists'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_list_items_listing_id_listings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('list_id', 'listing_id', name=op.f('pk_list_items'))
    )
    op.create_table('list_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('published_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['list_id'], ['published_lists.id'], name=op.f('fk_list_versions_list_id_published_lists'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_list_versions_published_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_list_versions')),
    sa.UniqueConstraint('list_id', 'number', name='list_number')
    )
    with op.batch_alter_table('list_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_list_versions_list_id'), ['list_id'], unique=False)

    op.create_table('listing_inventor_users',
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_listing_inventor_users_listing_id_listings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_listing_inventor_users_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('listing_id', 'user_id', name=op.f('pk_listing_inventor_users'))
    )
    with op.batch_alter_table('listing_inventor_users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listing_inventor_users_user_id'), ['user_id'], unique=False)

    op.create_table('listing_modes',
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.Enum('ordinary_licence', 'sole_licence', 'exclusive_licence', 'transfer', 'equity', 'open_licence', 'try_first', name='conversionmode', native_enum=False, length=32), nullable=False),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_listing_modes_listing_id_listings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('listing_id', 'mode', name=op.f('pk_listing_modes'))
    )
    with op.batch_alter_table('listing_modes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_listing_modes_mode'), ['mode'], unique=False)

    _create_search_index()


def downgrade():
    op.execute('DROP TABLE IF EXISTS listing_search')
    with op.batch_alter_table('listing_modes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listing_modes_mode'))

    op.drop_table('listing_modes')
    with op.batch_alter_table('listing_inventor_users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listing_inventor_users_user_id'))

    op.drop_table('listing_inventor_users')
    with op.batch_alter_table('list_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_list_versions_list_id'))

    op.drop_table('list_versions')
    op.drop_table('list_items')
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_batches_organisation_id'))

    op.drop_table('import_batches')
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachments_listing_id'))

    op.drop_table('attachments')
    with op.batch_alter_table('published_lists', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_published_lists_organisation_id'))

    op.drop_table('published_lists')
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_listings_trl'))
        batch_op.drop_index('ix_listings_state_published_at')
        batch_op.drop_index(batch_op.f('ix_listings_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_listings_legal_status'))
        batch_op.drop_index(batch_op.f('ix_listings_kind'))
        batch_op.drop_index(batch_op.f('ix_listings_grade'))
        batch_op.drop_index(batch_op.f('ix_listings_field'))

    op.drop_table('listings')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobs_name'))
        batch_op.drop_index(batch_op.f('ix_jobs_created_by_id'))

    op.drop_table('jobs')


def _create_search_index():
    """The full-text side table: FTS5 on SQLite, tsvector + GIN on PostgreSQL (not an ORM model)."""
    if op.get_context().dialect.name == 'postgresql':
        op.execute(
            'CREATE TABLE listing_search ('
            ' listing_id INTEGER PRIMARY KEY REFERENCES listings (id) ON DELETE CASCADE,'
            ' document tsvector NOT NULL)')
        op.execute('CREATE INDEX ix_listing_search_document ON listing_search USING gin (document)')
    else:
        op.execute(
            "CREATE VIRTUAL TABLE listing_search USING fts5("
            "title, body, tokenize = 'unicode61 remove_diacritics 0')")
