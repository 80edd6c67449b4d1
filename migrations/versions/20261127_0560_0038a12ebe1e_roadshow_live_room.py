"""Live room: questions, votes, polls, chat and the sequenced event log.

Revision ID: 0038a12ebe1e
Revises: cc6dfea6bb9a
Create Date: 2026-11-27 05:60:00

"""
from alembic import op
import sqlalchemy as sa
import marketplace.db_types  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '0038a12ebe1e'
down_revision = 'cc6dfea6bb9a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('live_attendance',
    sa.Column('roadshow_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('first_joined_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('last_joined_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('last_left_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('joins', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['roadshow_id'], ['roadshows.id'], name=op.f('fk_live_attendance_roadshow_id_roadshows'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_live_attendance_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('roadshow_id', 'user_id', name=op.f('pk_live_attendance'))
    )
    with op.batch_alter_table('live_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_attendance_user_id'), ['user_id'], unique=False)

    op.create_table('live_chat_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('roadshow_id', sa.Integer(), nullable=False),
    sa.Column('client_uuid', sa.String(length=36), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_live_chat_messages_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['roadshow_id'], ['roadshows.id'], name=op.f('fk_live_chat_messages_roadshow_id_roadshows'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_chat_messages')),
    sa.UniqueConstraint('client_uuid', name=op.f('uq_live_chat_messages_client_uuid'))
    )
    with op.batch_alter_table('live_chat_messages', schema=None) as batch_op:
        batch_op.create_index('ix_live_chat_messages_roadshow_seq', ['roadshow_id', 'seq'], unique=False)

    op.create_table('live_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('roadshow_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('restricted', sa.Boolean(), nullable=False),
    sa.Column('attendee_payload', sa.JSON(), nullable=True),
    sa.Column('subject_user_id', sa.Integer(), nullable=True),
    sa.Column('subject_payload', sa.JSON(), nullable=True),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['roadshow_id'], ['roadshows.id'], name=op.f('fk_live_events_roadshow_id_roadshows'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subject_user_id'], ['users.id'], name=op.f('fk_live_events_subject_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_events')),
    sa.UniqueConstraint('roadshow_id', 'seq', name='uq_live_events_roadshow_seq')
    )
    op.create_table('live_interests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('roadshow_id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('forwarded', sa.Boolean(), nullable=False),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_live_interests_listing_id_listings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['roadshow_id'], ['roadshows.id'], name=op.f('fk_live_interests_roadshow_id_roadshows'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_live_interests_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_interests')),
    sa.UniqueConstraint('roadshow_id', 'listing_id', 'user_id', name='uq_live_interests_user')
    )
    with op.batch_alter_table('live_interests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_interests_listing_id'), ['listing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_live_interests_user_id'), ['user_id'], unique=False)

    op.create_table('live_polls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('roadshow_id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=True),
    sa.Column('question', sa.String(length=300), nullable=False),
    sa.Column('status', sa.Enum('open', 'closed', name='pollstatus', native_enum=False, length=32), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('closed_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_live_polls_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_live_polls_listing_id_listings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['roadshow_id'], ['roadshows.id'], name=op.f('fk_live_polls_roadshow_id_roadshows'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_polls'))
    )
    with op.batch_alter_table('live_polls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_polls_listing_id'), ['listing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_live_polls_roadshow_id'), ['roadshow_id'], unique=False)

    op.create_table('live_presence',
    sa.Column('sid', sa.String(length=64), nullable=False),
    sa.Column('roadshow_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('node', sa.String(length=32), nullable=False),
    sa.Column('seen_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['roadshow_id'], ['roadshows.id'], name=op.f('fk_live_presence_roadshow_id_roadshows'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_live_presence_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('sid', name=op.f('pk_live_presence'))
    )
    with op.batch_alter_table('live_presence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_presence_node'), ['node'], unique=False)
        batch_op.create_index('ix_live_presence_roadshow_seen', ['roadshow_id', 'seen_at'], unique=False)

    op.create_table('live_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('roadshow_id', sa.Integer(), nullable=False),
    sa.Column('client_uuid', sa.String(length=36), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('listing_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'hidden', name='questionstatus', native_enum=False, length=32), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', marketplace.db_types.UTCDateTime(), nullable=True),
    sa.Column('upvotes', sa.Integer(), nullable=False),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.Column('created_seq', sa.Integer(), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_live_questions_answered_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_live_questions_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_live_questions_listing_id_listings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['roadshow_id'], ['roadshows.id'], name=op.f('fk_live_questions_roadshow_id_roadshows'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_questions')),
    sa.UniqueConstraint('client_uuid', name=op.f('uq_live_questions_client_uuid'))
    )
    with op.batch_alter_table('live_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_questions_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_live_questions_listing_id'), ['listing_id'], unique=False)
        batch_op.create_index('ix_live_questions_roadshow_status', ['roadshow_id', 'status'], unique=False)

    op.create_table('live_rooms',
    sa.Column('roadshow_id', sa.Integer(), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('presented_listing_id', sa.Integer(), nullable=True),
    sa.Column('qa_open', sa.Boolean(), nullable=False),
    sa.Column('moderated', sa.Boolean(), nullable=False),
    sa.Column('state_seq', sa.Integer(), nullable=False),
    sa.Column('updated_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['presented_listing_id'], ['listings.id'], name=op.f('fk_live_rooms_presented_listing_id_listings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['roadshow_id'], ['roadshows.id'], name=op.f('fk_live_rooms_roadshow_id_roadshows'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('roadshow_id', name=op.f('pk_live_rooms'))
    )
    op.create_table('live_moderation_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('roadshow_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.Enum('go_live', 'end', 'present_listing', 'open_qa', 'close_qa', 'moderation_on', 'moderation_off', 'approve', 'hide', 'restore', 'answer', 'edit_answer', 'pin', 'unpin', 'open_poll', 'close_poll', name='moderationaction', native_enum=False, length=32), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=True),
    sa.Column('poll_id', sa.Integer(), nullable=True),
    sa.Column('listing_id', sa.Integer(), nullable=True),
    sa.Column('previous_text', sa.Text(), nullable=True),
    sa.Column('new_text', sa.Text(), nullable=True),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_live_moderation_log_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_live_moderation_log_listing_id_listings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['poll_id'], ['live_polls.id'], name=op.f('fk_live_moderation_log_poll_id_live_polls'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['question_id'], ['live_questions.id'], name=op.f('fk_live_moderation_log_question_id_live_questions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['roadshow_id'], ['roadshows.id'], name=op.f('fk_live_moderation_log_roadshow_id_roadshows'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_moderation_log'))
    )
    with op.batch_alter_table('live_moderation_log', schema=None) as batch_op:
        batch_op.create_index('ix_live_moderation_log_roadshow_created', ['roadshow_id', 'created_at'], unique=False)

    op.create_table('live_poll_options',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('votes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['poll_id'], ['live_polls.id'], name=op.f('fk_live_poll_options_poll_id_live_polls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_poll_options'))
    )
    with op.batch_alter_table('live_poll_options', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_poll_options_poll_id'), ['poll_id'], unique=False)

    op.create_table('live_question_votes',
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['live_questions.id'], name=op.f('fk_live_question_votes_question_id_live_questions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_live_question_votes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('question_id', 'user_id', name=op.f('pk_live_question_votes'))
    )
    with op.batch_alter_table('live_question_votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_question_votes_user_id'), ['user_id'], unique=False)

    op.create_table('live_poll_votes',
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('option_id', sa.Integer(), nullable=False),
    sa.Column('created_at', marketplace.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['option_id'], ['live_poll_options.id'], name=op.f('fk_live_poll_votes_option_id_live_poll_options'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['poll_id'], ['live_polls.id'], name=op.f('fk_live_poll_votes_poll_id_live_polls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_live_poll_votes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('poll_id', 'user_id', name=op.f('pk_live_poll_votes'))
    )
    with op.batch_alter_table('live_poll_votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_poll_votes_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('live_poll_votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_live_poll_votes_user_id'))

    op.drop_table('live_poll_votes')
    with op.batch_alter_table('live_question_votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_live_question_votes_user_id'))

    op.drop_table('live_question_votes')
    with op.batch_alter_table('live_poll_options', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_live_poll_options_poll_id'))

    op.drop_table('live_poll_options')
    with op.batch_alter_table('live_moderation_log', schema=None) as batch_op:
        batch_op.drop_index('ix_live_moderation_log_roadshow_created')

    op.drop_table('live_moderation_log')
    op.drop_table('live_rooms')
    with op.batch_alter_table('live_questions', schema=None) as batch_op:
        batch_op.drop_index('ix_live_questions_roadshow_status')
        batch_op.drop_index(batch_op.f('ix_live_questions_listing_id'))
        batch_op.drop_index(batch_op.f('ix_live_questions_author_id'))

    op.drop_table('live_questions')
    with op.batch_alter_table('live_presence', schema=None) as batch_op:
        batch_op.drop_index('ix_live_presence_roadshow_seen')
        batch_op.drop_index(batch_op.f('ix_live_presence_node'))

    op.drop_table('live_presence')
    with op.batch_alter_table('live_polls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_live_polls_roadshow_id'))
        batch_op.drop_index(batch_op.f('ix_live_polls_listing_id'))

    op.drop_table('live_polls')
    with op.batch_alter_table('live_interests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_live_interests_user_id'))
        batch_op.drop_index(batch_op.f('ix_live_interests_listing_id'))

    op.drop_table('live_interests')
    op.drop_table('live_events')
    with op.batch_alter_table('live_chat_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_live_chat_messages_roadshow_seq')

    op.drop_table('live_chat_messages')
    with op.batch_alter_table('live_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_live_attendance_user_id'))

    op.drop_table('live_attendance')
