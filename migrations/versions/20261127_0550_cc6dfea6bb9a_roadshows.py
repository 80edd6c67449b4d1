"""Roadshows, agenda and registrations.

Revision ID: cc6dfea6bb9a
Revises: d1dd57398052
Create Date: 2026-11-27 05:50:00

"""
from alembic import op
import sqlalchemy as sa
import marketplace.db_types  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = 'cc6dfea6bb9a'
down_revision = 'd1dd57398052'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('roadshows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('starts_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('ends_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('stream_url', sa.String(length=500), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('requires_approval', sa.Boolean(), nullable=False),
    sa.Column('waitlist_enabled', sa.Boolean(), nullable=False),
    sa.Column('state', sa.Enum('draft', 'published', 'live', 'ended', 'cancelled', name='roadshowstate', native_enum=False, length=32), nullable=False),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('went_live_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('ended_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('published_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('ics_sequence', sa.Integer(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('updated_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.CheckConstraint('capacity IS NULL OR capacity > 0', name=op.f('ck_roadshows_capacity_positive')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_roadshows_ends_after_start')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_roadshows_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_roadshows_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roadshows'))
    )
    with op.batch_alter_table('roadshows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roadshows_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('ix_roadshows_state_starts_at', ['state', 'starts_at'], unique=False)

    op.create_table('roadshow_agenda_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('roadshow_id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('presenter', sa.String(length=120), nullable=False),
    sa.Column('starts_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('ends_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_roadshow_agenda_items_ends_after_start')),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_roadshow_agenda_items_listing_id_listings'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['roadshow_id'], ['roadshows.id'], name=op.f('fk_roadshow_agenda_items_roadshow_id_roadshows'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roadshow_agenda_items')),
    sa.UniqueConstraint('roadshow_id', 'listing_id', name='uq_roadshow_agenda_items_listing')
    )
    with op.batch_alter_table('roadshow_agenda_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roadshow_agenda_items_listing_id'), ['listing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_roadshow_agenda_items_roadshow_id'), ['roadshow_id'], unique=False)

    op.create_table('roadshow_moderators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('roadshow_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_roadshow_moderators_added_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['roadshow_id'], ['roadshows.id'], name=op.f('fk_roadshow_moderators_roadshow_id_roadshows'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_roadshow_moderators_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roadshow_moderators')),
    sa.UniqueConstraint('roadshow_id', 'user_id', name='uq_roadshow_moderators_user')
    )
    with op.batch_alter_table('roadshow_moderators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roadshow_moderators_user_id'), ['user_id'], unique=False)

    op.create_table('roadshow_registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('roadshow_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'confirmed', 'waitlisted', 'cancelled', 'rejected', name='registrationstatus', native_enum=False, length=32), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('queued_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('decided_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_roadshow_registrations_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['roadshow_id'], ['roadshows.id'], name=op.f('fk_roadshow_registrations_roadshow_id_roadshows'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_roadshow_registrations_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roadshow_registrations')),
    sa.UniqueConstraint('roadshow_id', 'user_id', name='uq_roadshow_registrations_user')
    )
    with op.batch_alter_table('roadshow_registrations', schema=None) as batch_op:
        batch_op.create_index('ix_roadshow_registrations_roadshow_status', ['roadshow_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_roadshow_registrations_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('roadshow_registrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roadshow_registrations_user_id'))
        batch_op.drop_index('ix_roadshow_registrations_roadshow_status')

    op.drop_table('roadshow_registrations')
    with op.batch_alter_table('roadshow_moderators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roadshow_moderators_user_id'))

    op.drop_table('roadshow_moderators')
    with op.batch_alter_table('roadshow_agenda_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roadshow_agenda_items_roadshow_id'))
        batch_op.drop_index(batch_op.f('ix_roadshow_agenda_items_listing_id'))

    op.drop_table('roadshow_agenda_items')
    with op.batch_alter_table('roadshows', schema=None) as batch_op:
        batch_op.drop_index('ix_roadshows_state_starts_at')
        batch_op.drop_index(batch_op.f('ix_roadshows_organisation_id'))

    op.drop_table('roadshows')
