"""Technology needs, invitations, proposals, preference profiles and stored match results."""

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace import timezones
from marketplace.accounts.models import User
from marketplace.db_types import Money, UTCDateTime, enum_column, member_flags, utcnow
from marketplace.extensions import db
from marketplace.listings.models import ConversionMode, Listing
from marketplace.orgs.models import Organisation


@member_flags
class NeedState(enum.Enum):
    """draft -> open -> closed; draft -> closed; closed -> open. Open past its deadline = expired."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


@member_flags
class NeedStatus(enum.Enum):
    """What a visitor sees: the stored state, with "expired" for an open need past its deadline."""

    DRAFT = "draft"
    OPEN = "open"
    EXPIRED = "expired"
    CLOSED = "closed"


@member_flags
class ProposalStatus(enum.Enum):
    """proposed -> accepted (for discussion) | declined (by the company) | withdrawn (by the tto)."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class Need(db.Model):
    """A company's technology need (技术需求)."""

    __tablename__ = "needs"
    __table_args__ = (
        sa.CheckConstraint("trl_min BETWEEN 1 AND 9 AND trl_max BETWEEN 1 AND 9 AND trl_min <= trl_max",
                           name="trl_range"),
        sa.CheckConstraint("budget_min IS NULL OR budget_min >= 0", name="budget_min_not_negative"),
        sa.CheckConstraint("budget_max IS NULL OR budget_min IS NULL OR budget_min <= budget_max",
                           name="budget_order"),
        sa.Index("ix_needs_state_public", "state", "is_public"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    state: Mapped[NeedState] = mapped_column(enum_column(NeedState), default=NeedState.DRAFT)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text)
    #: Key of ``listings.models.FIELDS``.
    field: Mapped[str] = mapped_column(sa.String(32), index=True)
    #: Comma-separated keywords the company adds (optional; used by the matching).
    keywords: Mapped[str | None] = mapped_column(sa.String(300))
    #: Budget in CNY; either end may be open.
    budget_min: Mapped[Decimal | None] = mapped_column(Money())
    budget_max: Mapped[Decimal | None] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(sa.String(3), default="CNY")
    #: The conversion mode the company prefers; null: any.
    mode: Mapped[ConversionMode | None] = mapped_column(enum_column(ConversionMode))
    trl_min: Mapped[int] = mapped_column(sa.SmallInteger, default=1)
    trl_max: Mapped[int] = mapped_column(sa.SmallInteger, default=9)
    #: Last day (Asia/Shanghai) proposals are taken; null: no deadline.
    deadline: Mapped[date | None] = mapped_column(sa.Date)
    #: Public needs are listed for everyone; who sees private ones: ``needs.view`` (permissions).
    is_public: Mapped[bool] = mapped_column(default=True)
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When the stored matches were last computed.
    matched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When the company was told its open need passed its deadline (the scheduler's need expiry).
    expiry_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship()
    proposals: Mapped[list["Proposal"]] = relationship(
        back_populates="need", cascade="all, delete-orphan", order_by="Proposal.id")
    invitations: Mapped[list["NeedInvitation"]] = relationship(
        back_populates="need", cascade="all, delete-orphan", order_by="NeedInvitation.id")

    @property
    def is_expired(self) -> bool:
        return self.deadline is not None and self.deadline < timezones.today()

    @property
    def status(self) -> NeedStatus:
        if self.state is NeedState.OPEN and self.is_expired:
            return NeedStatus.EXPIRED
        return NeedStatus(self.state.value)

    @property
    def takes_proposals(self) -> bool:
        return self.status is NeedStatus.OPEN


class NeedInvitation(db.Model):
    """A university the company invited to see its (private) need and propose listings."""

    __tablename__ = "need_invitations"
    __table_args__ = (sa.UniqueConstraint("need_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    need: Mapped[Need] = relationship(back_populates="invitations")
    organisation: Mapped[Organisation] = relationship()


class Proposal(db.Model):
    """A tto proposes one of its university's published listings to a need."""

    __tablename__ = "need_proposals"
    __table_args__ = (sa.UniqueConstraint("need_id", "listing_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    listing_id: Mapped[int] = mapped_column(sa.ForeignKey("listings.id", ondelete="CASCADE"),
                                            index=True)
    #: The proposing university (the listing's owner).
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    proposed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[ProposalStatus] = mapped_column(enum_column(ProposalStatus),
                                                   default=ProposalStatus.PROPOSED)
    #: The company's reason when it declines.
    decision_note: Mapped[str | None] = mapped_column(sa.Text)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    need: Mapped[Need] = relationship(back_populates="proposals")
    listing: Mapped[Listing] = relationship()
    organisation: Mapped[Organisation] = relationship()
    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])


class PreferenceProfile(db.Model):
    """An investor's or company user's stated interests, for "为您推荐"."""

    __tablename__ = "preference_profiles"
    __table_args__ = (
        sa.CheckConstraint("trl_min BETWEEN 1 AND 9 AND trl_max BETWEEN 1 AND 9 AND trl_min <= trl_max",
                           name="trl_range"),
        sa.CheckConstraint("budget_max IS NULL OR budget_max >= 0", name="budget_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    #: Keys of ``FIELDS``.
    fields: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: Free keywords, comma-separated.
    keywords: Mapped[str | None] = mapped_column(sa.String(300))
    #: Values of ``ConversionMode``.
    modes: Mapped[list] = mapped_column(sa.JSON, default=list)
    trl_min: Mapped[int] = mapped_column(sa.SmallInteger, default=1)
    trl_max: Mapped[int] = mapped_column(sa.SmallInteger, default=9)
    #: The most the user would usually pay or invest per project, CNY; null: no limit.
    budget_max: Mapped[Decimal | None] = mapped_column(Money())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    matched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class Match(db.Model):
    """A stored match of a listing to a need or to a preference profile, with its explanation."""

    __tablename__ = "match_results"
    __table_args__ = (
        sa.CheckConstraint("(need_id IS NULL) <> (profile_id IS NULL)", name="one_subject"),
        sa.CheckConstraint("score BETWEEN 0 AND 100", name="score_range"),
        sa.UniqueConstraint("need_id", "listing_id"),
        sa.UniqueConstraint("profile_id", "listing_id"),
        sa.Index("ix_match_results_need_score", "need_id", "score"),
        sa.Index("ix_match_results_profile_score", "profile_id", "score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int | None] = mapped_column(sa.ForeignKey("needs.id", ondelete="CASCADE"))
    profile_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("preference_profiles.id", ondelete="CASCADE"))
    listing_id: Mapped[int] = mapped_column(sa.ForeignKey("listings.id", ondelete="CASCADE"),
                                            index=True)
    #: 0–100, higher is better.
    score: Mapped[int] = mapped_column(sa.SmallInteger)
    #: The explanation's parts (codes and values), rendered in the reader's language.
    reasons: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    need: Mapped[Need | None] = relationship()
    listing: Mapped[Listing] = relationship()
