"""Interests in listings, their private threads, NDA versions and acceptances, confidential files
and the per-day view counters of listings."""

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import Role, User
from marketplace.db_types import Money, UTCDateTime, enum_column, member_flags, utcnow
from marketplace.extensions import db
from marketplace.listings.models import ConversionMode, Listing
from marketplace.orgs.models import Organisation, OrgKind


class Timeline(enum.Enum):
    """When the interested organisation wants to conclude."""

    WITHIN_3_MONTHS = "3m"
    WITHIN_6_MONTHS = "6m"
    WITHIN_12_MONTHS = "12m"
    LATER = "later"


@member_flags
class InterestStatus(enum.Enum):
    """new -> in_discussion -> negotiating -> deal; declined (by the university) or withdrawn
    (by the interested organisation) from any live state."""

    NEW = "new"
    IN_DISCUSSION = "in_discussion"
    NEGOTIATING = "negotiating"
    DEAL = "deal"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


#: States in which an interest is still open: at most one per organisation and listing.
LIVE_STATUSES = (InterestStatus.NEW, InterestStatus.IN_DISCUSSION, InterestStatus.NEGOTIATING)
#: States that count as "the university accepted": contacts and confidential files may open.
ACCEPTED_STATUSES = (InterestStatus.IN_DISCUSSION, InterestStatus.NEGOTIATING, InterestStatus.DEAL)
#: Who expresses interest: members with these roles of organisations of these kinds.
INTERESTED_ROLES = (Role.COMPANY, Role.INVESTOR)
INTERESTED_KINDS = (OrgKind.COMPANY, OrgKind.INVESTOR_FIRM)
_LIVE_SQL = sa.text("status IN ('new', 'in_discussion', 'negotiating')")


class DeclineReason(enum.Enum):
    TOO_EARLY = "too_early"
    PRICE = "price"
    FIELD_MISMATCH = "field_mismatch"
    ALREADY_COMMITTED = "already_committed"
    OTHER = "other"


class Interest(db.Model):
    """An organisation's expression of interest in a listing."""

    __tablename__ = "interests"
    __table_args__ = (
        sa.CheckConstraint("budget_min IS NULL OR budget_min >= 0", name="budget_min_not_negative"),
        sa.CheckConstraint("budget_max IS NULL OR budget_min IS NULL OR budget_max >= budget_min",
                           name="budget_range_ordered"),
        sa.Index("uq_interests_live_per_org", "organisation_id", "listing_id", unique=True,
                 sqlite_where=_LIVE_SQL, postgresql_where=_LIVE_SQL),
        sa.Index("ix_interests_listing_status", "listing_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(sa.ForeignKey("listings.id", ondelete="CASCADE"))
    #: The interested organisation (a company or an investment firm).
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: What the organisation wants: a mode the listing offers, or ``INVESTMENT``.
    intent: Mapped[ConversionMode] = mapped_column(enum_column(ConversionMode))
    #: Budget range in CNY; either end may be open.
    budget_min: Mapped[Decimal | None] = mapped_column(Money())
    budget_max: Mapped[Decimal | None] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(sa.String(3), default="CNY")
    timeline: Mapped[Timeline] = mapped_column(enum_column(Timeline))
    message: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[InterestStatus] = mapped_column(enum_column(InterestStatus),
                                                   default=InterestStatus.NEW)
    #: Where it came from: ``web`` or ``roadshow`` (then ``source_detail`` is the roadshow's title).
    source: Mapped[str] = mapped_column(sa.String(16), default="web")
    source_detail: Mapped[str | None] = mapped_column(sa.String(200))
    #: The interested side's opt-in to reveal its people's contact details to the university.
    contacts_shared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The university's acceptance (moving it to in discussion), its side of the double opt-in.
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    negotiating_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deal_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decline_reason: Mapped[DeclineReason | None] = mapped_column(enum_column(DeclineReason))
    #: Free text with the decline reason (required for "other").
    decline_text: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Id of the latest message, so lists can show unread threads without counting.
    last_message_id: Mapped[int | None] = mapped_column()

    listing: Mapped[Listing] = relationship()
    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship()
    events: Mapped[list["InterestEvent"]] = relationship(
        back_populates="interest", cascade="all, delete-orphan", order_by="InterestEvent.id")

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def is_accepted(self) -> bool:
        return self.status in ACCEPTED_STATUSES

    @property
    def is_open(self) -> bool:
        """Live or a deal: its thread takes messages. Declined and withdrawn ones are kept,
        read-only."""
        return self.is_live or self.status.is_deal

    @property
    def contacts_revealed(self) -> bool:
        """Double opt-in: both sides accepted, and the interest is accepted and not closed."""
        return (self.contacts_shared_at is not None and self.accepted_at is not None
                and self.is_accepted)


class InterestEvent(db.Model):
    """One status change of an interest, shown in its thread."""

    __tablename__ = "interest_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    interest_id: Mapped[int] = mapped_column(sa.ForeignKey("interests.id", ondelete="CASCADE"),
                                             index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: The organisation the actor acted for.
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="SET NULL"))
    #: ``created``, a new status value, ``contacts_shared`` or ``nda_accepted``.
    action: Mapped[str] = mapped_column(sa.String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    interest: Mapped[Interest] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class Message(db.Model):
    """A message in an interest's private thread."""

    __tablename__ = "interest_messages"
    __table_args__ = (sa.Index("ix_interest_messages_interest_id_id", "interest_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interest_id: Mapped[int] = mapped_column(sa.ForeignKey("interests.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: The side the author wrote for (the university or the interested organisation).
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    interest: Mapped[Interest] = relationship()
    author: Mapped[User | None] = relationship()
    attachments: Mapped[list["MessageAttachment"]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="MessageAttachment.id")


class StoredFileMixin:
    """A file checked by its content and stored under a name the server made."""

    #: Random file name in the upload folder; never derived from user input.
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: The uploader's file name, only shown and sent as the download name.
    original_name: Mapped[str] = mapped_column(sa.String(200))
    #: Detected from the content: application/pdf, image/png or image/jpeg.
    content_type: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MessageAttachment(StoredFileMixin, db.Model):
    """A file attached to a thread message."""

    __tablename__ = "interest_message_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("interest_messages.id", ondelete="CASCADE"), index=True)

    message: Mapped[Message] = relationship(back_populates="attachments")


class ThreadRead(db.Model):
    """How far one user has read one thread."""

    __tablename__ = "interest_reads"

    interest_id: Mapped[int] = mapped_column(sa.ForeignKey("interests.id", ondelete="CASCADE"),
                                             primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)
    last_read_message_id: Mapped[int] = mapped_column(default=0)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ConfidentialFile(StoredFileMixin, db.Model):
    """A confidential document of a listing, shown only under its NDA."""

    __tablename__ = "confidential_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(sa.ForeignKey("listings.id", ondelete="CASCADE"),
                                            index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))


class NdaVersion(db.Model):
    """One version of a listing's NDA text; a published version never changes."""

    __tablename__ = "nda_versions"
    __table_args__ = (sa.UniqueConstraint("listing_id", "number", name="uq_nda_versions_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(sa.ForeignKey("listings.id", ondelete="CASCADE"),
                                            index=True)
    number: Mapped[int] = mapped_column()
    text: Mapped[str] = mapped_column(sa.Text)
    #: SHA-256 of the UTF-8 text, shown to the signer and kept with each acceptance.
    sha256: Mapped[str] = mapped_column(sa.String(64))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class NdaAcceptance(db.Model):
    """An organisation's online acceptance of one NDA version: who, when, which text, from where."""

    __tablename__ = "nda_acceptances"
    __table_args__ = (sa.UniqueConstraint("nda_version_id", "organisation_id",
                                          name="uq_nda_acceptances_version_org"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nda_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("nda_versions.id", ondelete="RESTRICT"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    interest_id: Mapped[int | None] = mapped_column(sa.ForeignKey("interests.id", ondelete="SET NULL"))
    #: Name and e-mail of the accepting user at the time (kept if the account changes).
    user_name: Mapped[str] = mapped_column(sa.String(80))
    user_email: Mapped[str] = mapped_column(sa.String(254))
    #: Copy of the accepted text's hash (must equal the version's).
    text_sha256: Mapped[str] = mapped_column(sa.String(64))
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str | None] = mapped_column(sa.String(255))

    version: Mapped[NdaVersion] = relationship()


class ListingViewDay(db.Model):
    """Views of a listing's page on one day (Asia/Shanghai), one row per listing and day."""

    __tablename__ = "listing_view_days"

    listing_id: Mapped[int] = mapped_column(sa.ForeignKey("listings.id", ondelete="CASCADE"),
                                            primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    views: Mapped[int] = mapped_column(default=0)
