"""The platform's own roadshow video: stream key nonce, replay settings, publish sessions.

Revision ID: 5d1e7a9c3b20
Revises: e1f3a5b7c9d2
Create Date: 2026-12-08 01:40:00

"""
import sqlalchemy as sa
import marketplace.db_types
from alembic import op

# revision identifiers, used by Alembic.
revision = '5d1e7a9c3b20'
down_revision = 'e1f3a5b7c9d2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'roadshow_videos',
        sa.Column('roadshow_id', sa.Integer(), nullable=False),
        sa.Column('key_nonce', sa.String(length=64), nullable=False),
        sa.Column('key_rotated_at', marketplace.db_types.UTCDateTime(), nullable=False),
        sa.Column('replay_published', sa.Boolean(), nullable=False),
        sa.Column('replay_audience', sa.Enum('registrants', 'signed_in', name='replayaudience',
                                             native_enum=False, length=32), nullable=False),
        sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['roadshow_id'], ['roadshows.id'],
                                name=op.f('fk_roadshow_videos_roadshow_id_roadshows'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('roadshow_id', name=op.f('pk_roadshow_videos')),
    )
    op.create_table(
        'roadshow_video_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('roadshow_id', sa.Integer(), nullable=False),
        sa.Column('started_at', marketplace.db_types.UTCDateTime(), nullable=False),
        sa.Column('ended_at', marketplace.db_types.UTCDateTime(), nullable=True),
        sa.Column('duration', sa.Float(), nullable=True),
        sa.Column('replay_path', sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(['roadshow_id'], ['roadshow_videos.roadshow_id'],
                                name=op.f('fk_roadshow_video_sessions_roadshow_id_roadshow_videos'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_roadshow_video_sessions')),
    )
    op.create_index(op.f('ix_roadshow_video_sessions_roadshow_id'), 'roadshow_video_sessions',
                    ['roadshow_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_roadshow_video_sessions_roadshow_id'), table_name='roadshow_video_sessions')
    op.drop_table('roadshow_video_sessions')
    op.drop_table('roadshow_videos')
