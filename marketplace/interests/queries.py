"""The interest lists, shared by ``/interests`` and the workbench so their counts agree."""

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import aliased, selectinload

from marketplace.accounts.models import Role, User
from marketplace.interests.models import Interest, InterestStatus, Message, ThreadRead
from marketplace.listings.models import Listing


def of_side(user: User) -> Select:
    """The interests on the user's side, most recently changed first: those received by the
    university's listings for a tto, those expressed by the organisation otherwise."""
    query = (select(Interest).join(Listing, Listing.id == Interest.listing_id)
             .options(selectinload(Interest.listing), selectinload(Interest.organisation))
             .order_by(Interest.updated_at.desc(), Interest.id.desc()))
    if user.role is Role.TTO:
        return query.where(Listing.organisation_id == user.organisation_id)
    return query.where(Interest.organisation_id == user.organisation_id)


def new_received(user: User) -> Select:
    """Interests in the university's listings that nobody has answered yet."""
    return of_side(user).where(Interest.status == InterestStatus.NEW)


def awaiting_reply(user: User) -> Select:
    """Open threads on the user's side whose latest message came from the other side, so the
    next word is ours (for a tto: unanswered messages)."""
    last = aliased(Message)
    return (of_side(user).join(last, last.id == Interest.last_message_id)
            .where(last.organisation_id != user.organisation_id,
                   Interest.status.notin_((InterestStatus.DECLINED, InterestStatus.WITHDRAWN))))


def unread_replies(user: User) -> Select:
    """Threads on the user's side whose latest message, from the other side, the user has not
    read yet (opening the thread reads it)."""
    last = aliased(Message)
    return (of_side(user).join(last, last.id == Interest.last_message_id)
            .outerjoin(ThreadRead, and_(ThreadRead.interest_id == Interest.id,
                                        ThreadRead.user_id == user.id))
            .where(last.organisation_id != user.organisation_id,
                   Interest.last_message_id > func.coalesce(ThreadRead.last_read_message_id, 0)))


def waiting_for(user: User) -> Select:
    """What waits for the user in the threads: a tto's unanswered messages, a company's or
    investor's unread replies from the university (``/interests?waiting=1`` lists them)."""
    return awaiting_reply(user) if user.role is Role.TTO else unread_replies(user)
