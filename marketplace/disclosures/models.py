"""Disclosures, their inventors, planned public disclosures, files, assessment and reviewers."""

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.db_types import UTCDateTime, enum_column, member_flags, utcnow
from marketplace.extensions import db
from marketplace.listings.models import Grade, Listing
from marketplace.orgs.models import Organisation


@member_flags
class DisclosureState(enum.Enum):
    """draft -> submitted -> under_assessment -> decided."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_ASSESSMENT = "under_assessment"
    DECIDED = "decided"


@member_flags
class Recommendation(enum.Enum):
    """What the pre-filing assessment recommends (and, once decided, what was decided)."""

    FILE_INVENTION = "file_invention"
    FILE_UTILITY_MODEL = "file_utility_model"
    KNOW_HOW = "know_how"
    PUBLISH = "publish"
    DROP = "drop"

    @property
    def files(self) -> bool:
        return self in (Recommendation.FILE_INVENTION, Recommendation.FILE_UTILITY_MODEL)


@member_flags
class PublicationKind(enum.Enum):
    CONFERENCE = "conference"
    PAPER = "paper"
    THESIS = "thesis"


@member_flags
class FilingOutcome(enum.Enum):
    """pending (filed, under examination) -> granted | refused."""

    PENDING = "pending"
    GRANTED = "granted"
    REFUSED = "refused"


class Disclosure(db.Model):
    """An inventor's disclosure of a service invention to their university's tto."""

    __tablename__ = "disclosures"
    __table_args__ = (sa.Index("ix_disclosures_org_state", "organisation_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    state: Mapped[DisclosureState] = mapped_column(enum_column(DisclosureState),
                                                   default=DisclosureState.DRAFT)
    title: Mapped[str] = mapped_column(sa.String(200))
    problem: Mapped[str] = mapped_column(sa.Text)
    solution: Mapped[str] = mapped_column(sa.Text)
    #: What is new over the known art the inventors know of.
    novelty: Mapped[str] = mapped_column(sa.Text)
    #: Key of ``listings.models.FIELDS``.
    field: Mapped[str] = mapped_column(sa.String(32))
    #: Funding: national project numbers and programmes, one a line.
    funding: Mapped[str | None] = mapped_column(sa.Text)
    #: Related publications already out (references), one a line.
    publications: Mapped[str | None] = mapped_column(sa.Text)
    #: The earliest filing deadline from the planned public disclosures (``deadline_of``), kept
    #: with the row so the workbench and the list sort and filter on it.
    deadline_on: Mapped[date | None] = mapped_column(sa.Date, index=True)
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    assessment_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The tto's decision (set in the ``decided`` state).
    decision: Mapped[Recommendation | None] = mapped_column(enum_column(Recommendation))
    #: The explanation sent to the inventors with the decision.
    decision_note: Mapped[str | None] = mapped_column(sa.Text)
    # --- the filing (after a decision to file) ---
    #: 申请号 in canonical form (``listings/patentno.py``).
    application_number: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    filed_on: Mapped[date | None] = mapped_column(sa.Date)
    #: ``invention`` or ``utility_model`` (a ``ListingKind`` value).
    filing_kind: Mapped[str | None] = mapped_column(sa.String(20))
    outcome: Mapped[FilingOutcome | None] = mapped_column(enum_column(FilingOutcome))
    outcome_on: Mapped[date | None] = mapped_column(sa.Date)
    #: Why CNIPA refused the application (the rejection decision's gist).
    refusal_reason: Mapped[str | None] = mapped_column(sa.Text)
    #: The listing made from the disclosure (a draft at first).
    listing_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("listings.id", ondelete="SET NULL"), unique=True)
    listed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    listing: Mapped[Listing | None] = relationship()
    inventors: Mapped[list["DisclosureInventor"]] = relationship(
        back_populates="disclosure", cascade="all, delete-orphan",
        order_by="DisclosureInventor.position")
    public_dates: Mapped[list["PlannedDisclosure"]] = relationship(
        back_populates="disclosure", cascade="all, delete-orphan",
        order_by="PlannedDisclosure.planned_on")
    attachments: Mapped[list["DisclosureFile"]] = relationship(
        back_populates="disclosure", cascade="all, delete-orphan", order_by="DisclosureFile.id")
    assessment: Mapped["Assessment | None"] = relationship(
        back_populates="disclosure", cascade="all, delete-orphan", uselist=False)
    reviewers: Mapped[list["Reviewer"]] = relationship(
        back_populates="disclosure", cascade="all, delete-orphan", order_by="Reviewer.id")

    @property
    def patent_number(self) -> str | None:
        """``ZL`` + the application number once granted."""
        if self.application_number and self.outcome is FilingOutcome.GRANTED:
            return "ZL" + self.application_number
        return None

    @property
    def unconfirmed(self) -> list["DisclosureInventor"]:
        """Co-inventors with an account who have not confirmed their share yet."""
        return [i for i in self.inventors if i.user_id is not None and i.confirmed_at is None]


class DisclosureInventor(db.Model):
    """One inventor of a disclosure and their contribution share (the shares make 100%)."""

    __tablename__ = "disclosure_inventors"
    __table_args__ = (
        sa.CheckConstraint("share_pct > 0 AND share_pct <= 100", name="share_range"),
        sa.UniqueConstraint("disclosure_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    disclosure_id: Mapped[int] = mapped_column(
        sa.ForeignKey("disclosures.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(sa.String(80))
    #: The inventor's account on the platform; null for a named outsider.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"),
                                                index=True)
    share_pct: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    #: When the inventor confirmed this share online (reset when the shares change).
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    disclosure: Mapped[Disclosure] = relationship(back_populates="inventors")
    user: Mapped[User | None] = relationship()


class PlannedDisclosure(db.Model):
    """A planned (or past) public disclosure of the invention: a conference, paper or thesis."""

    __tablename__ = "disclosure_public_dates"

    id: Mapped[int] = mapped_column(primary_key=True)
    disclosure_id: Mapped[int] = mapped_column(
        sa.ForeignKey("disclosures.id", ondelete="CASCADE"), index=True)
    kind: Mapped[PublicationKind] = mapped_column(enum_column(PublicationKind))
    planned_on: Mapped[date] = mapped_column(sa.Date)
    #: Which conference, journal or thesis.
    venue: Mapped[str] = mapped_column(sa.String(200))
    #: A disclosure that keeps novelty for six months (Patent Law art. 24: an academic or
    #: technical meeting specified by the State Council's departments, an exhibition recognised
    #: by the government): the application may follow within the grace period.
    qualifying: Mapped[bool] = mapped_column(default=False)

    disclosure: Mapped[Disclosure] = relationship(back_populates="public_dates")


class DisclosureFile(db.Model):
    """A file attached to a disclosure (drawings, data), stored under a name the server made."""

    __tablename__ = "disclosure_files"
    __table_args__ = (sa.CheckConstraint("size > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    disclosure_id: Mapped[int] = mapped_column(
        sa.ForeignKey("disclosures.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    original_name: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    disclosure: Mapped[Disclosure] = relationship(back_populates="attachments")


#: Scores of patentability: 1 (weak) to 5 (strong).
SCORE_RANGE = (1, 5)


class Assessment(db.Model):
    """The tto's pre-filing assessment (专利申请前评估) of a disclosure."""

    __tablename__ = "disclosure_assessments"
    __table_args__ = (
        sa.CheckConstraint("novelty_score BETWEEN 1 AND 5 AND inventiveness_score BETWEEN 1 AND 5 "
                           "AND practicality_score BETWEEN 1 AND 5", name="score_range"),
        sa.CheckConstraint("trl BETWEEN 1 AND 9", name="trl_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    disclosure_id: Mapped[int] = mapped_column(
        sa.ForeignKey("disclosures.id", ondelete="CASCADE"), unique=True)
    novelty_score: Mapped[int] = mapped_column(sa.SmallInteger)
    inventiveness_score: Mapped[int] = mapped_column(sa.SmallInteger)
    practicality_score: Mapped[int] = mapped_column(sa.SmallInteger)
    #: Prior art found: publication or patent numbers and links, one a line.
    prior_art: Mapped[str | None] = mapped_column(sa.Text)
    #: Key of ``listings.models.FIELDS``: the market's field.
    market_field: Mapped[str] = mapped_column(sa.String(32))
    likely_licensees: Mapped[str | None] = mapped_column(sa.Text)
    trl: Mapped[int] = mapped_column(sa.SmallInteger)
    #: Market size as the tto estimates it, in words (e.g. 国内年市场规模约 30 亿元).
    market_size: Mapped[str | None] = mapped_column(sa.String(300))
    recommendation: Mapped[Recommendation] = mapped_column(enum_column(Recommendation))
    grade: Mapped[Grade] = mapped_column(enum_column(Grade, 1))
    #: The 专利申请前评估 conclusion.
    conclusion: Mapped[str] = mapped_column(sa.Text)
    assessed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    disclosure: Mapped[Disclosure] = relationship(back_populates="assessment")
    assessed_by: Mapped[User | None] = relationship()


class Reviewer(db.Model):
    """An outside reviewer the tto invited to score one disclosure."""

    __tablename__ = "disclosure_reviewers"
    __table_args__ = (
        sa.UniqueConstraint("disclosure_id", "user_id"),
        sa.CheckConstraint("novelty_score IS NULL OR novelty_score BETWEEN 1 AND 5",
                           name="novelty_range"),
        sa.CheckConstraint("inventiveness_score IS NULL OR inventiveness_score BETWEEN 1 AND 5",
                           name="inventiveness_range"),
        sa.CheckConstraint("practicality_score IS NULL OR practicality_score BETWEEN 1 AND 5",
                           name="practicality_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    disclosure_id: Mapped[int] = mapped_column(
        sa.ForeignKey("disclosures.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    novelty_score: Mapped[int | None] = mapped_column(sa.SmallInteger)
    inventiveness_score: Mapped[int | None] = mapped_column(sa.SmallInteger)
    practicality_score: Mapped[int | None] = mapped_column(sa.SmallInteger)
    comment: Mapped[str | None] = mapped_column(sa.Text)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    disclosure: Mapped[Disclosure] = relationship(back_populates="reviewers")
    user: Mapped[User] = relationship(foreign_keys=[user_id])
