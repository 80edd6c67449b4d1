"""Patent portfolio: grade history, maintenance decisions, an explicit annual fee due date on
listings, and the log of searches that found no good result.

Revision ID: d81f4a6c2b90
Revises: 5d1e7a9c3b20
Create Date: 2026-12-08 01:40:00

"""
import sqlalchemy as sa
from alembic import op

import marketplace.db_types

# revision identifiers, used by Alembic.
revision = 'd81f4a6c2b90'
down_revision = '5d1e7a9c3b20'
branch_labels = None
depends_on = None

GRADE = sa.Enum('A', 'B', 'C', name='grade', native_enum=False, length=1)


def upgrade():
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fee_due_override', sa.Date(), nullable=True))

    op.create_table(
        'grade_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('listing_id', sa.Integer(), nullable=False),
        sa.Column('from_grade', GRADE, nullable=False),
        sa.Column('to_grade', GRADE, nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_grade_changes_actor_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['listing_id'], ['listings.id'],
                                name=op.f('fk_grade_changes_listing_id_listings'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_grade_changes')),
    )
    op.create_index(op.f('ix_grade_changes_listing_id'), 'grade_changes', ['listing_id'], unique=False)

    op.create_table(
        'maintenance_decisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('listing_id', sa.Integer(), nullable=False),
        sa.Column('choice', sa.Enum('keep', 'open_license', 'abandon', name='maintenancechoice',
                                    native_enum=False, length=32), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('fee_due_on', sa.Date(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'],
                                name=op.f('fk_maintenance_decisions_actor_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['listing_id'], ['listings.id'],
                                name=op.f('fk_maintenance_decisions_listing_id_listings'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_maintenance_decisions')),
    )
    op.create_index(op.f('ix_maintenance_decisions_listing_id'), 'maintenance_decisions', ['listing_id'],
                    unique=False)

    op.create_table(
        'search_gaps',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('query', sa.String(length=100), nullable=False),
        sa.Column('field', sa.String(length=32), nullable=False),
        sa.Column('searches', sa.Integer(), nullable=False),
        sa.Column('last_found', sa.Integer(), nullable=False),
        sa.Column('first_seen_on', sa.Date(), nullable=False),
        sa.Column('last_seen_on', sa.Date(), nullable=False),
        sa.CheckConstraint('searches > 0', name=op.f('ck_search_gaps_searches_positive')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_gaps')),
        sa.UniqueConstraint('query', 'field', name='uq_search_gaps_query_field'),
    )
    op.create_index(op.f('ix_search_gaps_last_seen_on'), 'search_gaps', ['last_seen_on'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_search_gaps_last_seen_on'), table_name='search_gaps')
    op.drop_table('search_gaps')
    op.drop_index(op.f('ix_maintenance_decisions_listing_id'), table_name='maintenance_decisions')
    op.drop_table('maintenance_decisions')
    op.drop_index(op.f('ix_grade_changes_listing_id'), table_name='grade_changes')
    op.drop_table('grade_changes')
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.drop_column('fee_due_override')
