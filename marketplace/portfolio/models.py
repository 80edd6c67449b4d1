"""Grade history, maintenance decisions and the log of searches that found too little."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.db_types import UTCDateTime, enum_column, member_flags, utcnow
from marketplace.extensions import db
from marketplace.listings.models import Grade, Listing


class GradeChange(db.Model):
    """One change of a listing's grade (分级分类), kept for good: the listing's ``grade`` column
    stays the value shown, this table is how it got there."""

    __tablename__ = "grade_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(sa.ForeignKey("listings.id", ondelete="CASCADE"),
                                            index=True)
    from_grade: Mapped[Grade] = mapped_column(enum_column(Grade, 1))
    to_grade: Mapped[Grade] = mapped_column(enum_column(Grade, 1))
    #: Why, as the tto typed it; null only for a change made in the listing's edit form.
    reason: Mapped[str | None] = mapped_column(sa.Text)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    listing: Mapped[Listing] = relationship()
    actor: Mapped[User | None] = relationship()


@member_flags
class MaintenanceChoice(enum.Enum):
    """What the university decided to do about a patent's next annual fee."""

    KEEP = "keep"                  # keep paying the annual fees
    OPEN_LICENSE = "open_license"  # keep it and offer it under an open licence
    ABANDON = "abandon"            # stop paying: the patent lapses


class MaintenanceDecision(db.Model):
    """A maintenance decision on a patent, with its reason and the fee due date it concerns."""

    __tablename__ = "maintenance_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(sa.ForeignKey("listings.id", ondelete="CASCADE"),
                                            index=True)
    choice: Mapped[MaintenanceChoice] = mapped_column(enum_column(MaintenanceChoice))
    reason: Mapped[str] = mapped_column(sa.Text)
    #: The annual fee due date the decision was taken for.
    fee_due_on: Mapped[date] = mapped_column(sa.Date)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    listing: Mapped[Listing] = relationship()
    actor: Mapped[User | None] = relationship()


class SearchGap(db.Model):
    """Searches that found no good result, counted per normalised query and field filter.

    Nothing about who searched is kept (no user, no address, no time of day): only the words,
    the field chosen, how often and on which days it first and last happened."""

    __tablename__ = "search_gaps"
    __table_args__ = (sa.UniqueConstraint("query", "field", name="uq_search_gaps_query_field"),
                      sa.CheckConstraint("searches > 0", name="searches_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``text.normalise`` of the words searched.
    query: Mapped[str] = mapped_column(sa.String(100))
    #: The field filter of the search (key of ``FIELDS``), or "" when none was chosen.
    field: Mapped[str] = mapped_column(sa.String(32), default="")
    searches: Mapped[int] = mapped_column(default=1)
    #: How many listings had every word the last time (0 or a few).
    last_found: Mapped[int] = mapped_column(default=0)
    first_seen_on: Mapped[date] = mapped_column(sa.Date)
    last_seen_on: Mapped[date] = mapped_column(sa.Date, index=True)
