"""Users and their roles."""

import enum
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db_types import UTCDateTime, enum_column, utcnow
from marketplace.extensions import db


class Role(enum.Enum):
    """What a person does on the platform (DESIGN.md section 1)."""

    TTO = "tto"
    INVENTOR = "inventor"
    INVESTOR = "investor"
    COMPANY = "company"
    ADMIN = "admin"


def new_session_nonce() -> str:
    """A fresh per-user session token (128 bits)."""
    return secrets.token_hex(16)


class User(UserMixin, db.Model):
    """A person with an account; belongs to at most one organisation."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased; unique across the platform.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    name: Mapped[str] = mapped_column(sa.String(80))
    role: Mapped[Role] = mapped_column(enum_column(Role), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    #: May invite members and edit the organisation's profile.
    is_org_admin: Mapped[bool] = mapped_column(default=False)
    #: A deactivated account cannot log in.
    active: Mapped[bool] = mapped_column(default=True)
    #: Preferred interface language ('zh_CN' or 'en'); null means the platform default.
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    #: IANA time zone used to show times; null means Asia/Shanghai.
    timezone: Mapped[str | None] = mapped_column(sa.String(64))
    #: Part of the login identity in the session and remember cookies; rotated at logout, password
    #: change and reset, and "log out on every device", so that no older cookie logs in again.
    session_nonce: Mapped[str] = mapped_column(sa.String(32), default=new_session_nonce)
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    title: Mapped[str | None] = mapped_column(sa.String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When the owner proved the address (the mailed link, or an invitation sent to it); until
    #: then the account may only edit its profile (permissions.require_confirmed_email).
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When the user last opened their recommendations: the workbench counts newer ones as new.
    recommendations_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When an inventor last marked the interest in their listings seen (the workbench's "new").
    interests_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Mail the user may turn off (profile, or the one-click link in those mails: mailings.py):
    #: saved-search digests, alerts on followed listings, other notifications. Transactional mail
    #: (resets, confirmations, agreements, payments) has no switch.
    mail_digests: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    mail_follow_alerts: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    mail_notifications: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    organisation: Mapped["Organisation | None"] = relationship(  # noqa: F821
        back_populates="members", foreign_keys=[organisation_id]
    )

    @property
    def is_active(self) -> bool:  # used by Flask-Login
        return self.active

    def get_id(self) -> str:
        """Identity stored in the session cookie: id plus the current session nonce."""
        return f"{self.id}:{self.session_nonce}"

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def org_verified(self) -> bool:
        """True when the user belongs to an organisation an admin has verified."""
        return self.organisation is not None and self.organisation.status.is_verified

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role.value}>"


class LoginThrottle(db.Model):
    """Failed logins of one account or one network address: the lockout (accounts/lockout.py).

    In the database, not in process memory, so a restart or another process sees the same state.
    """

    __tablename__ = "login_throttles"

    #: ``account:<normalised e-mail>`` (also for addresses without an account, so a lockout says
    #: nothing about whether one exists) or ``address:<IPv4 address or IPv6 /64>``.
    key: Mapped[str] = mapped_column(sa.String(300), primary_key=True)
    #: Account: failures since the last successful login (forgotten a while after the last one).
    #: Address: failures in the current window. Counted before the password is checked.
    failures: Mapped[int] = mapped_column(default=0)
    #: Address: start of the current counting window.
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    #: Account: no login is tried before this time.
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<LoginThrottle {self.key} {self.failures}>"
