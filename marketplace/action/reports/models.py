"""Annual reports (实施成效), their typical cases (典型案例), and secondary units (二级单位)."""

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
class ReportState(enum.Enum):
    """draft -> submitted -> returned -> submitted -> approved."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"


class Report(db.Model):
    """A university's annual report of results for one year of the action."""

    __tablename__ = "action_reports"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "year", name="org_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    enrolment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("action_enrolments.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column()
    state: Mapped[ReportState] = mapped_column(enum_column(ReportState), default=ReportState.DRAFT,
                                               index=True)
    narrative: Mapped[str | None] = mapped_column(sa.Text)
    #: The university's declared figures while drafting, by metric key (strings of numbers);
    #: a key that is absent takes the platform's figure.
    declared: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: Frozen at submission: ``[{"key", "label", "unit", "platform", "declared"}]``.
    figures: Mapped[list | None] = mapped_column(sa.JSON)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: Submitted after 31 December of the report's year (Beijing time).
    late: Mapped[bool] = mapped_column(default=False)
    review_comment: Mapped[str | None] = mapped_column(sa.Text)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    cases: Mapped[list["TypicalCase"]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="TypicalCase.id")
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])

    @property
    def editable(self) -> bool:
        return self.state in (ReportState.DRAFT, ReportState.RETURNED)


class TypicalCase(db.Model):
    """典型案例: a conversion the university tells as an example, public once the report is approved."""

    __tablename__ = "action_typical_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("action_reports.id", ondelete="CASCADE"),
                                           index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    narrative: Mapped[str] = mapped_column(sa.Text)
    #: ``DealRef.key`` of the recorded deal the case tells about; null for a case described by hand.
    deal_key: Mapped[str | None] = mapped_column(sa.String(80))
    #: The deal as it was when chosen (mode, counterparty, amount, date), for the record.
    deal: Mapped[dict | None] = mapped_column(sa.JSON)
    #: The listing the case concerns (from the deal, or chosen by hand).
    listing_id: Mapped[int | None] = mapped_column(sa.ForeignKey("listings.id", ondelete="SET NULL"),
                                                   index=True)
    #: Shown on the public page (set when the admin approves the report).
    published: Mapped[bool] = mapped_column(default=False, index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    report: Mapped[Report] = relationship(back_populates="cases")
    listing: Mapped[Listing | None] = relationship()


class SecondaryUnit(db.Model):
    """A school or institute of a university (二级单位 / 学院), named once by its tto."""

    __tablename__ = "action_secondary_units"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "name", name="org_unit_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ListingUnit(db.Model):
    """Which secondary unit a listing comes from (one at most), kept beside the listings table."""

    __tablename__ = "action_listing_units"

    listing_id: Mapped[int] = mapped_column(sa.ForeignKey("listings.id", ondelete="CASCADE"),
                                            primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("action_secondary_units.id", ondelete="CASCADE"),
                                         index=True)

    unit: Mapped[SecondaryUnit] = relationship()
