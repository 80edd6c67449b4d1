"""The login lockout, kept in the database (``login_throttles``), so a restart clears nothing and
every process sees the same state.

Per account (by e-mail address, whether or not an account uses it): after LOGIN_FAILURE_LIMIT
failures in a row the account is paused for LOGIN_FAILURE_WINDOW_MINUTES, and every further
failure after a pause doubles the next one (15, 30, 60 minutes, ...), up to
LOGIN_LOCKOUT_MAX_HOURS. A successful login or a password reset forgets the failures, and so
does a quiet LOGIN_LOCKOUT_MAX_HOURS. While paused, no password is tried.

Per network address (an IPv4 address, or an IPv6 /64): at most LOGIN_ADDRESS_FAILURE_LIMIT
failures per LOGIN_FAILURE_WINDOW_MINUTES. The default (100 per 15 minutes) is far above what the
people of a campus behind one NAT address mistype, and still stops a script from trying one
password on thousands of accounts.

Every attempt is counted as a failure *before* its password is checked, in one transaction with
conditional updates, so concurrent attempts cannot slip past a limit; a success takes its count
back.
"""

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from marketplace.accounts.models import LoginThrottle
from marketplace.db_types import utcnow
from marketplace.extensions import db
from marketplace.upsert import dialect_insert

_TABLE = LoginThrottle.__table__
#: Stale rows deleted by each attempt that starts a new row.
_CLEANUP_BATCH = 100


def now() -> datetime:
    """The lockout's clock (tests move it)."""
    return utcnow()


@dataclass(frozen=True)
class Refusal:
    """Why an attempt was not tried, and until when."""

    scope: str  # "account" or "address"
    until: datetime

    @property
    def seconds(self) -> int:
        return max(1, math.ceil((self.until - now()).total_seconds()))

    @property
    def message(self) -> str:
        minutes = math.ceil(self.seconds / 60)
        if self.scope == "address":
            return _("Too many failed logins from your network. Please try again in %(minutes)d "
                     "minutes.", minutes=minutes)
        if minutes > 120:
            return _("Too many failed logins. For your security, signing in to this account is "
                     "paused for %(hours)d hours. You can reset your password by e-mail meanwhile.",
                     hours=math.ceil(minutes / 60))
        return _("Too many failed logins. For your security, signing in to this account is paused "
                 "for %(minutes)d minutes. You can reset your password by e-mail meanwhile.",
                 minutes=minutes)


def account_key(email: str) -> str:
    return "account:" + email.strip().lower()[:254]


def address_key(address: str | None) -> str:
    """An IPv4 address as it is; an IPv6 address by its /64 (one subscriber's network)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return "address:unknown"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return f"address:{ip.ipv4_mapped}"
        return f"address:{ipaddress.ip_network(f'{ip}/64', strict=False)}"
    return f"address:{ip}"


def _settings() -> tuple[int, timedelta, timedelta, int]:
    config = current_app.config
    return (config["LOGIN_FAILURE_LIMIT"], timedelta(minutes=config["LOGIN_FAILURE_WINDOW_MINUTES"]),
            timedelta(hours=config["LOGIN_LOCKOUT_MAX_HOURS"]), config["LOGIN_ADDRESS_FAILURE_LIMIT"])


def pause_after(failures: int) -> timedelta | None:
    """How long the account is paused after ``failures`` failures in a row (None: not paused)."""
    limit, window, longest, _address = _settings()
    if failures < limit:
        return None
    return min(window * 2 ** min(failures - limit, 30), longest)


def _insert_missing(key: str, moment: datetime) -> bool:
    """Create the key's row unless it exists; True when it was created."""
    insert = dialect_insert(db.session.get_bind().dialect.name)
    return db.session.execute(
        insert(_TABLE).values(key=key, failures=0, window_started_at=moment)
        .on_conflict_do_nothing(index_elements=[_TABLE.c.key]).returning(_TABLE.c.key)
    ).scalar() is not None


def _delete_stale(moment: datetime, longest: timedelta) -> None:
    """Delete a batch of rows quiet for longer than the longest pause (rows locked by another
    transaction are skipped on PostgreSQL, so cleaning never waits)."""
    quiet = sa.func.coalesce(_TABLE.c.locked_until, _TABLE.c.last_failure_at, _TABLE.c.window_started_at)
    stale = (sa.select(_TABLE.c.key).where(_TABLE.c.last_failure_at < moment - longest,
                                           quiet < moment - longest)
             .limit(_CLEANUP_BATCH).with_for_update(skip_locked=True))
    db.session.execute(sa.delete(_TABLE).where(_TABLE.c.key.in_(stale.scalar_subquery())))


def _count_account(key: str, moment: datetime) -> Refusal | None:
    limit, window, longest, _address = _settings()
    quiet_since = sa.func.coalesce(_TABLE.c.locked_until, _TABLE.c.last_failure_at)
    forgotten = sa.or_(_TABLE.c.last_failure_at.is_(None), quiet_since < moment - longest)
    failures = db.session.execute(
        sa.update(_TABLE)
        .where(_TABLE.c.key == key,
               sa.or_(_TABLE.c.locked_until.is_(None), _TABLE.c.locked_until <= moment))
        .values(failures=sa.case((forgotten, 1), else_=_TABLE.c.failures + 1),
                locked_until=sa.case((forgotten, None), else_=_TABLE.c.locked_until),
                last_failure_at=moment)
        .returning(_TABLE.c.failures)).scalar()
    if failures is None:
        until = db.session.execute(sa.select(_TABLE.c.locked_until).where(_TABLE.c.key == key)).scalar()
        return Refusal("account", until)
    pause = pause_after(failures)
    if pause is not None:
        db.session.execute(sa.update(_TABLE).where(_TABLE.c.key == key)
                           .values(locked_until=moment + pause))
    return None


def _count_address(key: str, moment: datetime) -> Refusal | None:
    _limit, window, _longest, address_limit = _settings()
    new_window = _TABLE.c.window_started_at <= moment - window
    failures = db.session.execute(
        sa.update(_TABLE)
        .where(_TABLE.c.key == key, sa.or_(new_window, _TABLE.c.failures < address_limit))
        .values(failures=sa.case((new_window, 1), else_=_TABLE.c.failures + 1),
                window_started_at=sa.case((new_window, moment), else_=_TABLE.c.window_started_at),
                last_failure_at=moment)
        .returning(_TABLE.c.failures)).scalar()
    if failures is None:
        started = db.session.execute(
            sa.select(_TABLE.c.window_started_at).where(_TABLE.c.key == key)).scalar()
        return Refusal("address", started + window)
    return None


def admit(email: str, address: str | None) -> Refusal | None:
    """Count an attempt on ``email`` from ``address`` as a failure, before its password is
    checked; a Refusal (and nothing counted) when the account or the address is paused."""
    moment = now()
    keys = account_key(email), address_key(address)
    created = [_insert_missing(key, moment) for key in keys]
    refusal = _count_account(keys[0], moment) or _count_address(keys[1], moment)
    if refusal is not None:
        db.session.rollback()
        return refusal
    if any(created):
        _delete_stale(moment, _settings()[2])
    db.session.commit()
    return None


def succeeded(email: str, address: str | None) -> None:
    """The password was right: forget the account's failures and take the attempt back from the
    address's count."""
    db.session.execute(sa.delete(_TABLE).where(_TABLE.c.key == account_key(email)))
    db.session.execute(sa.update(_TABLE)
                       .where(_TABLE.c.key == address_key(address), _TABLE.c.failures > 0)
                       .values(failures=_TABLE.c.failures - 1))
    db.session.commit()


def forget_account(email: str) -> None:
    """After a password reset: the account may log in at once (the caller commits)."""
    db.session.execute(sa.delete(_TABLE).where(_TABLE.c.key == account_key(email)))
