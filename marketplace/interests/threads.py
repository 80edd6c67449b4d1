"""Messages in an interest's private thread, and who has read how far."""

from flask_babel import gettext as _
from sqlalchemy import and_, func, select

from marketplace import uploads
from marketplace.accounts.models import Role, User
from marketplace.db_types import utcnow
from marketplace.errors import InvalidTransition, ServiceError
from marketplace.extensions import db
from marketplace.interests import notices
from marketplace.interests.models import (
    INTERESTED_ROLES,
    Interest,
    Message,
    MessageAttachment,
    ThreadRead,
)
from marketplace.listings.models import Listing
from marketplace.permissions import can, check

MAX_MESSAGE = 5000


def post_message(actor: User, interest: Interest, body: str, upload=None) -> Message:
    """Write to the thread (with an optional PDF or image); the other side is notified."""
    check("interests.act", interest, actor=actor)
    if not interest.is_open:
        raise InvalidTransition(_("This interest is closed; its thread is read-only."))
    body = (body or "").strip()
    if not body and upload is None:
        raise ServiceError(_("Write a message or attach a file."))
    if len(body) > MAX_MESSAGE:
        raise ServiceError(_("A message may have at most %(n)d characters.", n=MAX_MESSAGE))
    stored = uploads.store(upload.stream, upload.filename) if upload is not None else None
    message = Message(interest_id=interest.id, author_id=actor.id,
                      organisation_id=actor.organisation_id, body=body, created_at=utcnow())
    if stored:
        message.attachments.append(MessageAttachment(**stored))
    db.session.add(message)
    try:
        db.session.flush()
        interest.last_message_id = message.id
        interest.updated_at = message.created_at
        _set_read(actor, interest, message.id)
        db.session.commit()
    except Exception:
        db.session.rollback()
        if stored:
            uploads.discard(stored["stored_name"])
        raise
    excerpt = body[:80] + ("…" if len(body) > 80 else "") if body else (
        stored["original_name"] if stored else "")
    notices.send(actor, interest, "interests.message", excerpt=excerpt)
    return message


def _set_read(user: User, interest: Interest, message_id: int) -> bool:
    mark = db.session.get(ThreadRead, (interest.id, user.id))
    if mark is None:
        db.session.add(ThreadRead(interest_id=interest.id, user_id=user.id,
                                  last_read_message_id=message_id, read_at=utcnow()))
        return True
    if mark.last_read_message_id < message_id:
        mark.last_read_message_id, mark.read_at = message_id, utcnow()
        return True
    return False


def mark_read(user: User, interest: Interest) -> None:
    """The user has seen the thread up to its latest message."""
    if not interest.last_message_id or not can("interests.view", interest, user=user):
        return
    if _set_read(user, interest, interest.last_message_id):
        db.session.commit()


def last_read(user: User, interest: Interest) -> int:
    mark = db.session.get(ThreadRead, (interest.id, user.id))
    return mark.last_read_message_id if mark else 0


def unread_counts(user: User, interest_ids: list[int]) -> dict[int, int]:
    """Messages from others the user has not read, per interest of the user's side (one query)."""
    if not interest_ids or user.organisation_id is None:
        return {}
    if user.role is Role.TTO:
        mine = Interest.listing_id.in_(select(Listing.id).where(
            Listing.organisation_id == user.organisation_id))
    elif user.role in INTERESTED_ROLES:
        mine = Interest.organisation_id == user.organisation_id
    else:
        return {}
    rows = db.session.execute(
        select(Message.interest_id, func.count())
        .join(Interest, Interest.id == Message.interest_id).where(mine)
        .outerjoin(ThreadRead, and_(ThreadRead.interest_id == Message.interest_id,
                                    ThreadRead.user_id == user.id))
        .where(Message.interest_id.in_(interest_ids),
               Message.organisation_id != user.organisation_id,
               Message.id > func.coalesce(ThreadRead.last_read_message_id, 0))
        .group_by(Message.interest_id)).all()
    return dict(rows)
