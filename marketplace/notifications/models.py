"""A notification for one user: stored as a kind plus params, rendered in the reader's language."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.db_types import UTCDateTime, utcnow
from marketplace.extensions import db
from marketplace.notifications.kinds import render_text, render_title


class Notification(db.Model):
    """Something that happened which one user should see (the bell) and was maybe e-mailed."""

    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    #: Name of a registered ``Kind`` (``interest.created``); decides the title and text.
    kind: Mapped[str] = mapped_column(sa.String(64))
    #: Values for the kind's ``%(name)s`` placeholders (JSON strings and numbers).
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: A path on this site the notification opens.
    link: Mapped[str] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When the e-mail for it went out (null: not e-mailed, or not yet).
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    @property
    def title(self) -> str:
        return render_title(self.kind, self.params)

    @property
    def text(self) -> str:
        return render_text(self.kind, self.params)
