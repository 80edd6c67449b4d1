"""Published lists: an editable selection, and immutable dated versions of it."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.db_types import UTCDateTime, enum_column, utcnow
from marketplace.extensions import db
from marketplace.listings.models import Listing
from marketplace.orgs.models import Organisation


class ListKind(enum.Enum):
    HIGH_VALUE_PATENTS = "high_value_patents"   # 高价值专利清单
    KEY_ACHIEVEMENTS = "key_achievements"       # 重点成果清单


class PublishedList(db.Model):
    """A list a university (or, with no organisation, the action's operators) maintains."""

    __tablename__ = "published_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The university that owns the list; null for the action's own lists.
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[ListKind] = mapped_column(enum_column(ListKind))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    is_demo: Mapped[bool] = mapped_column(default=False)

    organisation: Mapped[Organisation | None] = relationship()
    items: Mapped[list["ListItem"]] = relationship(
        cascade="all, delete-orphan", order_by="ListItem.position")
    versions: Mapped[list["ListVersion"]] = relationship(
        back_populates="list", order_by="ListVersion.number.desc()")

    @property
    def latest(self) -> "ListVersion | None":
        return self.versions[0] if self.versions else None


class ListItem(db.Model):
    """A listing in the working selection of a list (what the next version will contain)."""

    __tablename__ = "list_items"

    list_id: Mapped[int] = mapped_column(sa.ForeignKey("published_lists.id", ondelete="CASCADE"),
                                         primary_key=True)
    listing_id: Mapped[int] = mapped_column(sa.ForeignKey("listings.id", ondelete="CASCADE"),
                                            primary_key=True)
    position: Mapped[int] = mapped_column(default=0)

    listing: Mapped[Listing] = relationship()


class ListVersion(db.Model):
    """A published, dated version; its snapshot never changes once written."""

    __tablename__ = "list_versions"
    __table_args__ = (sa.UniqueConstraint("list_id", "number", name="list_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(sa.ForeignKey("published_lists.id", ondelete="CASCADE"),
                                         index=True)
    #: 1, 2, 3... per list; the highest is current, earlier ones are superseded.
    number: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(sa.String(200))
    note: Mapped[str | None] = mapped_column(sa.Text)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: The listings as they were when published: a list of dicts (see lists.services.snapshot).
    snapshot: Mapped[list] = mapped_column(sa.JSON)
    #: SHA-256 of the canonical JSON of the snapshot, shown so copies can be checked.
    sha256: Mapped[str] = mapped_column(sa.String(64))

    list: Mapped[PublishedList] = relationship(back_populates="versions")
    published_by: Mapped[User | None] = relationship()
