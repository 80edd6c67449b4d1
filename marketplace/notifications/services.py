"""Creating, e-mailing and reading notifications (the interface is in the package docstring)."""

import logging
from collections.abc import Iterable
from functools import cache

import sqlalchemy as sa
from flask import g, has_app_context
from flask_babel import LazyString
from sqlalchemy import func, select, update

from marketplace import mail
from marketplace.accounts import mailings
from marketplace.accounts.models import User
from marketplace.db_types import utcnow
from marketplace.extensions import db
from marketplace.http import safe_next
from marketplace.notifications.kinds import KINDS, render_text, render_title
from marketplace.notifications.models import Notification

log = logging.getLogger(__name__)


def members_of(organisation) -> list[User]:
    """The active members of an organisation (the usual recipients of its notifications)."""
    if organisation is None:
        return []
    return list(db.session.scalars(select(User).where(
        User.organisation_id == organisation.id, User.active.is_(True)).order_by(User.id)))


def notify(users: Iterable[User], kind: str, link: str, *, email: bool = True,
           **params) -> list[Notification]:
    """Store a notification for each active recipient, e-mail them, and commit (the e-mails are
    delivered by a background job once the notifications are committed)."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if safe_next(link) is None:
        raise ValueError(f"notification links are paths on this site, not {link!r}")
    seen, rows, recipients = set(), [], []
    for user in users:
        if user is None or user.id in seen or not user.active:
            continue
        seen.add(user.id)
        rows.append(Notification(user_id=user.id, kind=kind, params=dict(params), link=link))
        recipients.append(user)
    if not rows:
        return []
    db.session.add_all(rows)
    if email and KINDS[kind].email:
        for user, row in zip(recipients, rows, strict=True):
            _email(user, row)
    db.session.commit()
    _forget_loaded(seen)
    return rows


def _email(user: User, notification: Notification) -> None:
    """Mail a notification to its recipient, in their language, unless they turned that mailing
    off; only a transactional kind (no mailing) is mailed without an unsubscribe link."""
    kind, params = notification.kind, notification.params
    mailing = KINDS[kind].mailing
    if mailing is not None and not mailings.receives(user, mailing):
        return
    mail.send(user.email, LazyString(lambda: render_title(kind, params)), "notification",
              locale=user.locale, user=user, notification=notification,
              text=LazyString(lambda: render_text(kind, params)),
              unsubscribe_url=mailings.unsubscribe_url(user, mailing) if mailing else None)
    notification.emailed_at = utcnow()


#: ``g`` attribute: {user id: unread count} read in the same query as the user, used once.
_LOADED_UNREAD = "notifications_unread_loaded"


def _unread(user_id) -> sa.ScalarSelect:
    return select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)).scalar_subquery()


@cache
def _user_with_unread():
    """Built once: it runs for every logged-in request and live-room event, and building it took
    longer than running it."""
    return select(User, _unread(User.id)).where(User.id == sa.bindparam("user_id"))


def load_user_with_unread(user_id: int) -> User | None:
    """The user and the bell's unread count in one query: every logged-in page shows the bell,
    so the session's user and the count come in one round trip instead of two."""
    row = db.session.execute(_user_with_unread(), {"user_id": user_id}).first()
    if row is None:
        return None
    user, count = row
    g.setdefault(_LOADED_UNREAD, {})[user.id] = count
    return user


def _forget_loaded(user_ids: Iterable[int]) -> None:
    """A change to these users' notifications: their count loaded with them is out of date."""
    loaded = g.get(_LOADED_UNREAD) if has_app_context() else None
    if loaded:
        for user_id in user_ids:
            loaded.pop(user_id, None)


def unread_count(user: User) -> int:
    """How many of the user's notifications are unread (the bell's number)."""
    loaded = g.get(_LOADED_UNREAD) if has_app_context() else None
    if loaded and user.id in loaded:
        return loaded.pop(user.id)
    return db.session.scalar(select(_unread(user.id))) or 0


def peek_unread_count(user: User) -> int:
    """``unread_count`` that leaves the count loaded with the user for the header to use."""
    count = unread_count(user)
    if has_app_context():
        g.setdefault(_LOADED_UNREAD, {})[user.id] = count
    return count


def mark_read(user: User, notification: Notification) -> None:
    """Mark one of the user's own notifications read."""
    if notification.user_id != user.id:
        raise PermissionError("not the recipient")
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()
        _forget_loaded([user.id])


def mark_all_read(user: User) -> int:
    """Mark every unread notification of the user read; return how many."""
    result = db.session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=utcnow()))
    db.session.commit()
    _forget_loaded([user.id])
    return result.rowcount or 0


def read_by_link(user: User, link: str) -> None:
    """Mark the user's unread notifications pointing at ``link`` read (the page was opened)."""
    result = db.session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.link == link,
        Notification.read_at.is_(None)).values(read_at=utcnow()))
    if result.rowcount:
        db.session.commit()
