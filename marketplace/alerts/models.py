"""Follows of listings and saved searches, with what has been sent for each."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.db_types import UTCDateTime, enum_column, member_flags, utcnow
from marketplace.extensions import db
from marketplace.listings.models import Listing


class ListingFollow(db.Model):
    """A user follows a listing: told when its state or terms change."""

    __tablename__ = "listing_follows"
    __table_args__ = (sa.UniqueConstraint("user_id", "listing_id", name="uq_listing_follows_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    listing_id: Mapped[int] = mapped_column(sa.ForeignKey("listings.id", ondelete="CASCADE"),
                                            index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The listing's state when the follower was last told (or started following).
    seen_state: Mapped[str] = mapped_column(sa.String(16))
    #: Fingerprint of the listing's terms (price, modes, terms text) last told.
    seen_terms: Mapped[str] = mapped_column(sa.String(64))

    user: Mapped[User] = relationship()
    listing: Mapped[Listing] = relationship()


@member_flags
class Frequency(enum.Enum):
    DAILY = "daily"
    WEEKLY = "weekly"


class SavedSearch(db.Model):
    """A user's saved query and filters of the listing search, with a digest of new matches."""

    __tablename__ = "saved_searches"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    #: ``SearchQuery.args()`` of the search page (query text and filters).
    query_args: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    frequency: Mapped[Frequency] = mapped_column(enum_column(Frequency), default=Frequency.DAILY)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: When a digest run last looked at this search (sent or not).
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class SavedSearchHit(db.Model):
    """A listing already sent for a saved search: never sent twice."""

    __tablename__ = "saved_search_hits"

    saved_search_id: Mapped[int] = mapped_column(
        sa.ForeignKey("saved_searches.id", ondelete="CASCADE"), primary_key=True)
    listing_id: Mapped[int] = mapped_column(sa.ForeignKey("listings.id", ondelete="CASCADE"),
                                            primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
