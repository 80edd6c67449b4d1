"""Roadshows: a university's online event with an agenda of listings, registrations and moderators."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.db_types import UTCDateTime, enum_column, member_flags, utcnow
from marketplace.extensions import db
from marketplace.listings.models import Listing
from marketplace.orgs.models import Organisation


@member_flags
class RoadshowState(enum.Enum):
    """draft -> published -> live -> ended; draft | published -> cancelled."""

    DRAFT = "draft"
    PUBLISHED = "published"
    LIVE = "live"
    ENDED = "ended"
    CANCELLED = "cancelled"

    @property
    def editable(self) -> bool:
        """The host may still edit the roadshow's details and agenda."""
        return self in (RoadshowState.DRAFT, RoadshowState.PUBLISHED)

    @property
    def went_live(self) -> bool:
        """Live or ended: there is a transcript and a report."""
        return self in (RoadshowState.LIVE, RoadshowState.ENDED)

    @property
    def is_over(self) -> bool:
        """Ended or cancelled: nothing about it changes any more."""
        return self in (RoadshowState.ENDED, RoadshowState.CANCELLED)


@member_flags
class RegistrationStatus(enum.Enum):
    """pending -> confirmed | waitlisted | rejected; waitlisted -> confirmed; any open -> cancelled."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    REJECTED = "rejected"

    @property
    def is_open(self) -> bool:
        """Still holding (or waiting for) a seat."""
        return self in (RegistrationStatus.PENDING, RegistrationStatus.CONFIRMED,
                        RegistrationStatus.WAITLISTED)


class Roadshow(db.Model):
    """An online roadshow hosted by a university, presenting some of its listings."""

    __tablename__ = "roadshows"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        sa.Index("ix_roadshows_state_starts_at", "state", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The host university.
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Where the video is streamed; embedded when it is a known video host (see ``events.stream``).
    stream_url: Mapped[str | None] = mapped_column(sa.String(500))
    #: Most confirmed attendees; null means unlimited.
    capacity: Mapped[int | None] = mapped_column()
    #: Registrations wait for the host's approval instead of being confirmed at once.
    requires_approval: Mapped[bool] = mapped_column(default=False)
    #: When the event is full, new registrations join a waiting list instead of being refused.
    waitlist_enabled: Mapped[bool] = mapped_column(default=True)
    state: Mapped[RoadshowState] = mapped_column(
        enum_column(RoadshowState), default=RoadshowState.DRAFT)
    #: Why the roadshow was cancelled (shown to registrants).
    cancel_reason: Mapped[str | None] = mapped_column(sa.Text)
    #: Actual start and end of the live room (go_live / end_roadshow).
    went_live_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: iCalendar SEQUENCE: raised whenever the times change or the event is cancelled.
    ics_sequence: Mapped[int] = mapped_column(default=0)
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    agenda: Mapped[list["AgendaItem"]] = relationship(
        back_populates="roadshow", cascade="all, delete-orphan",
        order_by="(AgendaItem.position, AgendaItem.id)")
    registrations: Mapped[list["Registration"]] = relationship(
        back_populates="roadshow", cascade="all, delete-orphan", order_by="Registration.id")
    moderators: Mapped[list["RoadshowModerator"]] = relationship(
        back_populates="roadshow", cascade="all, delete-orphan", order_by="RoadshowModerator.id")

    @property
    def is_public(self) -> bool:
        """Visible on the public list and page."""
        return self.state in (RoadshowState.PUBLISHED, RoadshowState.LIVE, RoadshowState.ENDED,
                              RoadshowState.CANCELLED)

    @property
    def is_open_for_registration(self) -> bool:
        return self.state in (RoadshowState.PUBLISHED, RoadshowState.LIVE)

    def __repr__(self) -> str:
        return f"<Roadshow {self.id} {self.state.value}>"


class AgendaItem(db.Model):
    """One slot of the agenda: a listing of the host university, its presenter and its time."""

    __tablename__ = "roadshow_agenda_items"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.UniqueConstraint("roadshow_id", "listing_id", name="uq_roadshow_agenda_items_listing"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    roadshow_id: Mapped[int] = mapped_column(
        sa.ForeignKey("roadshows.id", ondelete="CASCADE"), index=True)
    #: A published listing of the host university.
    listing_id: Mapped[int] = mapped_column(
        sa.ForeignKey("listings.id", ondelete="RESTRICT"), index=True)
    #: Order in the agenda, from 1.
    position: Mapped[int] = mapped_column(default=1)
    #: Who presents the listing (name and title, free text).
    presenter: Mapped[str] = mapped_column(sa.String(120))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())

    roadshow: Mapped[Roadshow] = relationship(back_populates="agenda")
    listing: Mapped[Listing] = relationship()


class Registration(db.Model):
    """A user's registration for a roadshow; one per user and roadshow (re-registering reuses it)."""

    __tablename__ = "roadshow_registrations"
    __table_args__ = (
        sa.UniqueConstraint("roadshow_id", "user_id", name="uq_roadshow_registrations_user"),
        sa.Index("ix_roadshow_registrations_roadshow_status", "roadshow_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    roadshow_id: Mapped[int] = mapped_column(sa.ForeignKey("roadshows.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(enum_column(RegistrationStatus))
    #: Optional note from the registrant to the host (organisation, interest).
    note: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: When the registration last entered its current queue (orders the waiting list).
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: When it was confirmed, rejected, cancelled or promoted.
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    roadshow: Mapped[Roadshow] = relationship(back_populates="registrations")
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class RoadshowModerator(db.Model):
    """A user the host named to moderate the live room (may be from outside the university)."""

    __tablename__ = "roadshow_moderators"
    __table_args__ = (
        sa.UniqueConstraint("roadshow_id", "user_id", name="uq_roadshow_moderators_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    roadshow_id: Mapped[int] = mapped_column(sa.ForeignKey("roadshows.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    roadshow: Mapped[Roadshow] = relationship(back_populates="moderators")
    user: Mapped[User] = relationship(foreign_keys=[user_id])
