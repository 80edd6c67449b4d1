"""Creating, e-mailing and reading notifications (the interface is in the package docstring)."""

import logging
from collections.abc import Iterable

from flask_babel import LazyString
from sqlalchemy import func, select, update

from marketplace.accounts.models import User
from marketplace.db_types import utcnow
from marketplace.extensions import db
from marketplace.http import safe_next
from marketplace.jobs import services as jobs
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
    """Store a notification for each active recipient, commit, and e-mail them (a job)."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if safe_next(link) is None:
        raise ValueError(f"notification links are paths on this site, not {link!r}")
    seen, rows = set(), []
    for user in users:
        if user is None or user.id in seen or not user.active:
            continue
        seen.add(user.id)
        rows.append(Notification(user_id=user.id, kind=kind, params=dict(params), link=link))
    if not rows:
        return []
    db.session.add_all(rows)
    db.session.commit()
    if email and KINDS[kind].email:
        jobs.submit("notifications.email", {"ids": [row.id for row in rows]})
    return rows


@jobs.register("notifications.email")
def send_emails(job, ids: list[int]) -> dict:
    """Send each notification's e-mail in its recipient's language; never twice."""
    from marketplace.mail import send_mail

    sent = 0
    for notification in db.session.scalars(
            select(Notification).where(Notification.id.in_(ids), Notification.emailed_at.is_(None))
            .order_by(Notification.id)):
        user = notification.user
        if not user.active:
            continue
        kind, params = notification.kind, notification.params
        send_mail(user.email, LazyString(lambda k=kind, p=params: render_title(k, p)),
                  "notification", locale=user.locale, user=user, notification=notification,
                  text=LazyString(lambda k=kind, p=params: render_text(k, p)))
        notification.emailed_at = utcnow()
        db.session.commit()
        sent += 1
    return {"sent": sent}


def unread_count(user: User) -> int:
    """How many of the user's notifications are unread (the bell's number)."""
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def mark_read(user: User, notification: Notification) -> None:
    """Mark one of the user's own notifications read."""
    if notification.user_id != user.id:
        raise PermissionError("not the recipient")
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()


def mark_all_read(user: User) -> int:
    """Mark every unread notification of the user read; return how many."""
    result = db.session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=utcnow()))
    db.session.commit()
    return result.rowcount or 0


def read_by_link(user: User, link: str) -> None:
    """Mark the user's unread notifications pointing at ``link`` read (the page was opened)."""
    result = db.session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.link == link,
        Notification.read_at.is_(None)).values(read_at=utcnow()))
    if result.rowcount:
        db.session.commit()
