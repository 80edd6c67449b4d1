"""Listings (patents and non-patent achievements), their conversion modes and attachments."""

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.db_types import Money, UTCDateTime, enum_column, member_flags, utcnow
from marketplace.extensions import db
from marketplace.orgs.models import Organisation


class ListingKind(enum.Enum):
    INVENTION = "invention"
    UTILITY_MODEL = "utility_model"
    DESIGN = "design"
    ACHIEVEMENT = "achievement"

    @property
    def is_patent(self) -> bool:
        return self is not ListingKind.ACHIEVEMENT


@member_flags
class ListingState(enum.Enum):
    """draft -> published -> suspended | converted | withdrawn; suspended -> published."""

    DRAFT = "draft"
    PUBLISHED = "published"
    SUSPENDED = "suspended"
    CONVERTED = "converted"
    WITHDRAWN = "withdrawn"


#: The states in which a listing can still be edited (not converted or withdrawn).
EDITABLE_STATES = (ListingState.DRAFT, ListingState.PUBLISHED, ListingState.SUSPENDED)


class LegalStatus(enum.Enum):
    """Legal status of the patent right (non-patent achievements have NOT_APPLICABLE)."""

    PENDING = "pending"          # 审查中
    GRANTED = "granted"          # 授权有效
    LAPSED = "lapsed"            # 失效
    NOT_APPLICABLE = "not_applicable"


class Grade(enum.Enum):
    """分级分类: A the highest value."""

    A = "A"
    B = "B"
    C = "C"


@member_flags
class ConversionMode(enum.Enum):
    """How a result changes hands: the modes a listing offers (``LISTING_MODES``), and what an
    interest asks for (one of those, or ``INVESTMENT``)."""

    ORDINARY_LICENCE = "ordinary_licence"    # 普通许可
    SOLE_LICENCE = "sole_licence"            # 排他许可
    EXCLUSIVE_LICENCE = "exclusive_licence"  # 独占许可
    TRANSFER = "transfer"                    # 转让
    EQUITY = "equity"                        # 作价投资
    OPEN_LICENCE = "open_licence"            # 开放许可
    TRY_FIRST = "try_first"                  # 先试用、后付费
    #: An investor finances the project (an interest's intent only: no listing offers it, and a
    #: deal reached this way has no conversion mode in the action's figures).
    INVESTMENT = "investment"


#: The modes a listing can offer, in display order (every mode but ``INVESTMENT``).
LISTING_MODES = tuple(mode for mode in ConversionMode if mode is not ConversionMode.INVESTMENT)

#: Industry fields: the strategic emerging industries plus the traditional ones universities use.
FIELDS = {
    "it": _l("New-generation information technology"),
    "equipment": _l("High-end equipment manufacturing"),
    "materials": _l("New materials"),
    "biomedicine": _l("Biomedicine"),
    "energy": _l("New energy"),
    "environment": _l("Energy saving and environmental protection"),
    "vehicles": _l("New-energy vehicles"),
    "agriculture": _l("Modern agriculture"),
    "digital": _l("Digital creative industries"),
    "other": _l("Other"),
}

listing_modes = sa.Table(
    "listing_modes",
    db.metadata,
    sa.Column("listing_id", sa.ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("mode", enum_column(ConversionMode), primary_key=True, index=True),
)

listing_inventor_users = sa.Table(
    "listing_inventor_users",
    db.metadata,
    sa.Column("listing_id", sa.ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class ListingMode(db.Model):
    """Mapped view of ``listing_modes`` so modes can be queried and faceted."""

    __table__ = listing_modes
    listing_id: Mapped[int]
    mode: Mapped[ConversionMode]


class Listing(db.Model):
    """A patent or achievement a university offers for conversion."""

    __tablename__ = "listings"
    __table_args__ = (
        sa.CheckConstraint("trl BETWEEN 1 AND 9", name="trl_range"),
        sa.CheckConstraint("asking_price IS NULL OR asking_price >= 0", name="price_not_negative"),
        sa.Index("ix_listings_state_published_at", "state", "published_at"),
        # Covers what the facet bitsets read (``facet_bitmaps``): no listing row is visited.
        sa.Index("ix_listings_facets", "state", "id", "field", "grade", "trl", "kind",
                 "legal_status", "organisation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[ListingKind] = mapped_column(enum_column(ListingKind), index=True)
    state: Mapped[ListingState] = mapped_column(enum_column(ListingState), default=ListingState.DRAFT)
    title: Mapped[str] = mapped_column(sa.String(200))
    abstract: Mapped[str] = mapped_column(sa.Text)
    #: Key of ``FIELDS``.
    field: Mapped[str] = mapped_column(sa.String(32), index=True)
    #: Comma-separated IPC symbols such as ``H01M 4/525``.
    ipc_codes: Mapped[str | None] = mapped_column(sa.String(200))
    #: Comma-separated keywords given by the university.
    keywords: Mapped[str | None] = mapped_column(sa.String(300))
    #: Inventors' names as printed on the patent, comma-separated.
    inventors: Mapped[str] = mapped_column(sa.String(300))
    #: 申请号 in canonical form (``201710601862.3``); null for non-patent achievements.
    application_number: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    application_date: Mapped[date | None] = mapped_column(sa.Date)
    grant_date: Mapped[date | None] = mapped_column(sa.Date)
    #: The next annual fee's due date when the university sets it explicitly (e.g. CNIPA's fee
    #: notice says otherwise); null: the next anniversary of ``application_date``
    #: (``portfolio.fees.next_due``).
    fee_due_override: Mapped[date | None] = mapped_column(sa.Date)
    legal_status: Mapped[LegalStatus] = mapped_column(enum_column(LegalStatus), index=True)
    grade: Mapped[Grade] = mapped_column(enum_column(Grade, 1), index=True)
    #: Technology readiness level, 1 (principle) to 9 (proven in operation).
    trl: Mapped[int] = mapped_column(sa.SmallInteger, index=True)
    #: Asking price in CNY; null when negotiable.
    asking_price: Mapped[Decimal | None] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(sa.String(3), default="CNY")
    terms: Mapped[str | None] = mapped_column(sa.Text)
    contact_name: Mapped[str] = mapped_column(sa.String(80))
    contact_email: Mapped[str] = mapped_column(sa.String(254))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(32))
    #: Demo data (``flask demo load``), shown with a badge.
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Why the listing was suspended, converted or withdrawn.
    state_reason: Mapped[str | None] = mapped_column(sa.Text)

    organisation: Mapped[Organisation] = relationship()
    modes: Mapped[list[ListingMode]] = relationship(cascade="all, delete-orphan",
                                                    order_by=ListingMode.mode)
    inventor_users: Mapped[list[User]] = relationship(secondary=listing_inventor_users)
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="listing", cascade="all, delete-orphan", order_by="Attachment.id")

    @property
    def mode_set(self) -> set[ConversionMode]:
        return {m.mode for m in self.modes}

    @property
    def patent_number(self) -> str | None:
        """``ZL`` + application number once granted."""
        if self.application_number and self.legal_status is LegalStatus.GRANTED:
            return "ZL" + self.application_number
        return None

    @property
    def is_public(self) -> bool:
        return self.state in (ListingState.PUBLISHED, ListingState.CONVERTED)

    @property
    def is_editable(self) -> bool:
        """Not closed: a converted or withdrawn listing can no longer be edited."""
        return self.state in EDITABLE_STATES

    @property
    def shown_reason(self) -> str | None:
        """Why the listing is suspended, converted or withdrawn (its page shows it); None else."""
        return None if self.state in (ListingState.DRAFT, ListingState.PUBLISHED) else self.state_reason



# The home page's best listings (grade A first, newest within a grade) and a listing page's related
# listings (its field's, ordered the same way) as a walk of an index that stops after a few rows,
# instead of a sort of every published listing (67 ms and 26 ms at 100,000 listings).
sa.Index("ix_listings_grade_newest", Listing.state, Listing.grade, Listing.published_at.desc(),
         Listing.id.desc())
sa.Index("ix_listings_field_grade_newest", Listing.state, Listing.field, Listing.grade,
         Listing.published_at.desc(), Listing.id.desc())

class Attachment(db.Model):
    """A file attached to a listing, stored under a name the server made."""

    __tablename__ = "attachments"
    __table_args__ = (sa.CheckConstraint("size > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(sa.ForeignKey("listings.id", ondelete="CASCADE"),
                                            index=True)
    #: Random file name under the attachment folder; never derived from user input.
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: The name the uploader gave, only shown (and sent as the download name).
    original_name: Mapped[str] = mapped_column(sa.String(200))
    #: Detected from the content: application/pdf, image/png or image/jpeg.
    content_type: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    listing: Mapped[Listing] = relationship(back_populates="attachments")


class SearchGeneration(db.Model):
    """One row: how many times the published listings' facet values changed (``facet_bitmaps``).

    A transaction that changes them increments ``generation`` just before it commits (the row
    lock orders these transactions on PostgreSQL), so a process that has seen generation G has
    every change up to G in ``search_changes``. ``epoch`` is random per row: should the row be
    made anew (the tables emptied), every process rebuilds what it holds."""

    __tablename__ = "search_generation"
    id: Mapped[int] = mapped_column(primary_key=True)
    generation: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    epoch: Mapped[str] = mapped_column(sa.String(32))


class SearchChange(db.Model):
    """A listing whose facet values or published state changed in a generation (no listing:
    everything may have changed, as after ``flask search reindex``)."""

    __tablename__ = "search_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    generation: Mapped[int] = mapped_column(sa.BigInteger, index=True)
    listing_id: Mapped[int | None]
