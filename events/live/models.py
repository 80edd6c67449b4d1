"""The live room of a roadshow: questions, votes, chat, polls, interests, the sequenced event log,
the moderation log, attendance and presence.

The after-event report (``events``) reads these tables; docs/realtime.md describes each of them.
"""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.db_types import UTCDateTime, enum_column, member_flags, utcnow
from marketplace.extensions import db
from marketplace.listings.models import Listing


class LiveRoom(db.Model):
    """One row per roadshow: the room's state and the counter that numbers its events.

    ``last_seq`` is incremented with ``UPDATE ... RETURNING`` inside the transaction that writes
    the event, so the row stays locked until commit: numbers are gap-free and in commit order,
    whatever the number of server processes.
    """

    __tablename__ = "live_rooms"

    roadshow_id: Mapped[int] = mapped_column(
        sa.ForeignKey("roadshows.id", ondelete="CASCADE"), primary_key=True)
    #: The last sequence number given to an event of this room (0: none yet).
    last_seq: Mapped[int] = mapped_column(default=0)
    #: The agenda listing now presented (all clients show it).
    presented_listing_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("listings.id", ondelete="SET NULL"))
    #: Attendees may ask questions.
    qa_open: Mapped[bool] = mapped_column(default=False)
    #: New questions wait for a moderator's approval (off: they are shown at once).
    moderated: Mapped[bool] = mapped_column(default=True)
    #: Sequence number of the last change of the fields above.
    state_seq: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    presented_listing: Mapped[Listing | None] = relationship()


class LiveEvent(db.Model):
    """The room's event log: every broadcast, numbered, kept for replay after a reconnect.

    ``payload`` is what moderators see. When ``restricted`` is false everybody sees it; otherwise
    the user ``subject_user_id`` sees ``subject_payload`` and other attendees ``attendee_payload``
    (null: only the number, as a ``noop``, so that their sequence has no holes).
    """

    __tablename__ = "live_events"
    __table_args__ = (sa.UniqueConstraint("roadshow_id", "seq", name="uq_live_events_roadshow_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    roadshow_id: Mapped[int] = mapped_column(sa.ForeignKey("roadshows.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column()
    #: Event type, e.g. ``question.created`` (see docs/realtime.md).
    kind: Mapped[str] = mapped_column(sa.String(40))
    payload: Mapped[dict] = mapped_column(sa.JSON)
    restricted: Mapped[bool] = mapped_column(default=False)
    attendee_payload: Mapped[dict | None] = mapped_column(sa.JSON)
    subject_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    subject_payload: Mapped[dict | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


@member_flags
class QuestionStatus(enum.Enum):
    """pending -> approved | hidden; approved -> hidden; hidden -> approved (restored)."""

    PENDING = "pending"
    APPROVED = "approved"
    HIDDEN = "hidden"


class LiveQuestion(db.Model):
    """A question asked in the room; ``client_uuid`` makes a re-sent question a no-op."""

    __tablename__ = "live_questions"
    __table_args__ = (sa.Index("ix_live_questions_roadshow_status", "roadshow_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    roadshow_id: Mapped[int] = mapped_column(sa.ForeignKey("roadshows.id", ondelete="CASCADE"))
    #: Chosen by the asking client; a second send of the same UUID returns the first result.
    client_uuid: Mapped[str] = mapped_column(sa.String(36), unique=True)
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: The listing presented when the question was asked (the report groups by it).
    listing_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("listings.id", ondelete="SET NULL"), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    #: Other attendees do not see the author's name; moderators always do.
    anonymous: Mapped[bool] = mapped_column(default=False)
    status: Mapped[QuestionStatus] = mapped_column(
        enum_column(QuestionStatus), default=QuestionStatus.PENDING)
    pinned: Mapped[bool] = mapped_column(default=False)
    answer: Mapped[str | None] = mapped_column(sa.Text)
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Number of rows in ``live_question_votes`` (kept with each vote, in the same transaction).
    upvotes: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Sequence number of the event that published it (returned again to a re-send).
    created_seq: Mapped[int] = mapped_column(default=0)
    #: Sequence number of the event of its latest change (clients ignore older updates).
    last_seq: Mapped[int] = mapped_column(default=0)

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])
    listing: Mapped[Listing | None] = relationship()


class LiveQuestionVote(db.Model):
    """One upvote; the primary key makes it once per user and question."""

    __tablename__ = "live_question_votes"

    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("live_questions.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LiveChatMessage(db.Model):
    """A chat message; ``client_uuid`` makes a re-sent message a no-op."""

    __tablename__ = "live_chat_messages"
    __table_args__ = (sa.Index("ix_live_chat_messages_roadshow_seq", "roadshow_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    roadshow_id: Mapped[int] = mapped_column(sa.ForeignKey("roadshows.id", ondelete="CASCADE"))
    client_uuid: Mapped[str] = mapped_column(sa.String(36), unique=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    seq: Mapped[int] = mapped_column(default=0)

    author: Mapped[User | None] = relationship()


@member_flags
class PollStatus(enum.Enum):
    """open -> closed."""

    OPEN = "open"
    CLOSED = "closed"


class LivePoll(db.Model):
    """A poll a moderator starts; attendees vote once; counts are kept on the options."""

    __tablename__ = "live_polls"

    id: Mapped[int] = mapped_column(primary_key=True)
    roadshow_id: Mapped[int] = mapped_column(
        sa.ForeignKey("roadshows.id", ondelete="CASCADE"), index=True)
    #: The listing presented when the poll started (the report groups by it).
    listing_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("listings.id", ondelete="SET NULL"), index=True)
    question: Mapped[str] = mapped_column(sa.String(300))
    status: Mapped[PollStatus] = mapped_column(enum_column(PollStatus), default=PollStatus.OPEN)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_seq: Mapped[int] = mapped_column(default=0)

    options: Mapped[list["LivePollOption"]] = relationship(
        back_populates="poll", cascade="all, delete-orphan", order_by="LivePollOption.position")
    listing: Mapped[Listing | None] = relationship()


class LivePollOption(db.Model):
    """One answer of a poll, with its vote count."""

    __tablename__ = "live_poll_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(sa.ForeignKey("live_polls.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column()
    label: Mapped[str] = mapped_column(sa.String(200))
    votes: Mapped[int] = mapped_column(default=0)

    poll: Mapped[LivePoll] = relationship(back_populates="options")


class LivePollVote(db.Model):
    """One user's vote in a poll (the primary key makes it once)."""

    __tablename__ = "live_poll_votes"

    poll_id: Mapped[int] = mapped_column(
        sa.ForeignKey("live_polls.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    option_id: Mapped[int] = mapped_column(sa.ForeignKey("live_poll_options.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LiveInterest(db.Model):
    """"I'm interested" pressed on the presented listing; once per user, listing and roadshow."""

    __tablename__ = "live_interests"
    __table_args__ = (
        sa.UniqueConstraint("roadshow_id", "listing_id", "user_id", name="uq_live_interests_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    roadshow_id: Mapped[int] = mapped_column(sa.ForeignKey("roadshows.id", ondelete="CASCADE"))
    listing_id: Mapped[int] = mapped_column(sa.ForeignKey("listings.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: True once the interest is created in the interests feature (False when that refused or failed).
    forwarded: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship()
    listing: Mapped[Listing] = relationship()


class ModerationAction(enum.Enum):
    GO_LIVE = "go_live"
    END = "end"
    PRESENT_LISTING = "present_listing"
    OPEN_QA = "open_qa"
    CLOSE_QA = "close_qa"
    MODERATION_ON = "moderation_on"
    MODERATION_OFF = "moderation_off"
    APPROVE = "approve"
    HIDE = "hide"
    RESTORE = "restore"
    ANSWER = "answer"
    EDIT_ANSWER = "edit_answer"
    PIN = "pin"
    UNPIN = "unpin"
    OPEN_POLL = "open_poll"
    CLOSE_POLL = "close_poll"


class LiveModerationEntry(db.Model):
    """The moderation log: who did what to which question, poll or listing, and when.

    For answers, ``previous_text`` keeps the text an edit replaced and ``new_text`` the new one.
    """

    __tablename__ = "live_moderation_log"
    __table_args__ = (sa.Index("ix_live_moderation_log_roadshow_created", "roadshow_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    roadshow_id: Mapped[int] = mapped_column(sa.ForeignKey("roadshows.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[ModerationAction] = mapped_column(enum_column(ModerationAction))
    question_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("live_questions.id", ondelete="SET NULL"))
    poll_id: Mapped[int | None] = mapped_column(sa.ForeignKey("live_polls.id", ondelete="SET NULL"))
    listing_id: Mapped[int | None] = mapped_column(sa.ForeignKey("listings.id", ondelete="SET NULL"))
    previous_text: Mapped[str | None] = mapped_column(sa.Text)
    new_text: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    actor: Mapped[User | None] = relationship()
    question: Mapped[LiveQuestion | None] = relationship()
    poll: Mapped[LivePoll | None] = relationship()


class LiveAttendance(db.Model):
    """Who entered the room: one row per roadshow and user (the report's attendance)."""

    __tablename__ = "live_attendance"

    roadshow_id: Mapped[int] = mapped_column(
        sa.ForeignKey("roadshows.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    first_joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Connections opened (reloads and reconnects count).
    joins: Mapped[int] = mapped_column(default=1)

    user: Mapped[User] = relationship()


class LivePresence(db.Model):
    """An open connection, for the live attendee count across processes.

    Each server process (``node``) refreshes ``seen_at`` of its rows every few seconds and removes
    its rows on disconnect; rows of a process that died expire after ``PRESENCE_TTL``.
    """

    __tablename__ = "live_presence"
    __table_args__ = (sa.Index("ix_live_presence_roadshow_seen", "roadshow_id", "seen_at"),)

    sid: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    roadshow_id: Mapped[int] = mapped_column(sa.ForeignKey("roadshows.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    node: Mapped[str] = mapped_column(sa.String(32), index=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
