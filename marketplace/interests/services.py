"""Every state change of an interest goes through a function here (one commit each, audited).

Other features call:

``express_interest_from_roadshow(user, listing, roadshow_title) -> Interest``
    What the live roadshow room calls when an attendee presses "I'm interested" on the presented
    listing. Returns the organisation's existing live interest in that listing if there is one
    (nothing changes), otherwise creates one (intent: investment for an investor, ordinary licence
    for a company; timeline "exploring"; source ``roadshow`` with the roadshow's title), audits
    it and notifies the university. Raises ``NotAllowed`` for users who may not express interest
    (not an investor or company of a verified organisation) and ``InvalidTransition`` when the
    listing is not published.
"""

from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import Role, User
from marketplace.audit import services as audit
from marketplace.db_types import utcnow
from marketplace.errors import InvalidTransition, NotAllowed, ServiceError
from marketplace.extensions import db
from marketplace.interests import notices
from marketplace.interests.models import (
    LIVE_STATUSES,
    DeclineReason,
    Interest,
    InterestEvent,
    InterestStatus,
    Message,
    Timeline,
)
from marketplace.listings.models import ConversionMode, Listing, ListingState
from marketplace.permissions import check
from marketplace.permissions.interests import OWNER, PARTY, side

#: action -> (allowed from, new status, which side may do it, audit event)
ACTIONS = {
    "accept": ((InterestStatus.NEW,), InterestStatus.IN_DISCUSSION, (OWNER,), "interest.accepted"),
    "negotiate": ((InterestStatus.IN_DISCUSSION,), InterestStatus.NEGOTIATING, (OWNER, PARTY),
                  "interest.negotiating"),
    "deal": ((InterestStatus.IN_DISCUSSION, InterestStatus.NEGOTIATING), InterestStatus.DEAL,
             (OWNER,), "interest.deal"),
    "decline": (LIVE_STATUSES, InterestStatus.DECLINED, (OWNER,), "interest.declined"),
    "withdraw": (LIVE_STATUSES, InterestStatus.WITHDRAWN, (PARTY,), "interest.withdrawn"),
}


def live_interest(organisation_id: int, listing_id: int) -> Interest | None:
    return db.session.scalar(select(Interest).where(
        Interest.organisation_id == organisation_id, Interest.listing_id == listing_id,
        Interest.status.in_(LIVE_STATUSES)))


def available_actions(user: User, interest: Interest) -> set[str]:
    """The moves ``user``'s side may make on ``interest`` in its current state (its buttons)."""
    who = side(user, interest)
    return {action for action, (allowed_from, _status, sides, _event) in ACTIONS.items()
            if who in sides and interest.status in allowed_from}


def _check_expresser(actor: User, listing: Listing) -> None:
    check("interests.express", actor=actor)
    if listing.state is not ListingState.PUBLISHED:
        raise InvalidTransition(_("Interest can only be expressed in a published listing."))


def _event(interest: Interest, actor: User, action: str) -> None:
    interest.events.append(InterestEvent(actor_id=actor.id, organisation_id=actor.organisation_id,
                                         action=action))


def express_interest(actor: User, listing: Listing, data: dict, *, source: str = "web",
                     source_detail: str | None = None) -> Interest:
    """A verified company or investor expresses interest in a published listing."""
    _check_expresser(actor, listing)
    if live_interest(actor.organisation_id, listing.id) is not None:
        raise InvalidTransition(_("Your organisation already has an open interest in this listing."))
    low, high = data.get("budget_min"), data.get("budget_max")
    if low is not None and high is not None and Decimal(high) < Decimal(low):
        raise ServiceError(_("The budget's upper end must not be below its lower end."))
    now = utcnow()
    interest = Interest(
        listing=listing, organisation_id=actor.organisation_id, created_by_id=actor.id,
        intent=data["intent"], budget_min=low, budget_max=high, timeline=data["timeline"],
        message=(data.get("message") or "").strip(), status=InterestStatus.NEW, source=source,
        source_detail=source_detail, contacts_shared_at=now if data.get("share_contacts") else None,
        created_at=now, updated_at=now)
    db.session.add(interest)
    _event(interest, actor, "created")
    if interest.contacts_shared_at:
        _event(interest, actor, "contacts_shared")
    try:
        db.session.flush()
    except IntegrityError:  # a concurrent request created the live interest first
        db.session.rollback()
        raise InvalidTransition(
            _("Your organisation already has an open interest in this listing.")) from None
    audit.record("interest.created", actor=actor, target=interest, listing=listing.id,
                 intent=interest.intent.value, source=source)
    db.session.commit()
    notices.send(actor, interest, "interests.created", intent=interest.intent.value)
    return interest


def express_interest_from_roadshow(user: User, listing: Listing, roadshow_title: str) -> Interest:
    """"I'm interested" in a roadshow room: the existing live interest, or a new one."""
    _check_expresser(user, listing)
    existing = live_interest(user.organisation_id, listing.id)
    if existing is not None:
        return existing
    intent = (ConversionMode.INVESTMENT if user.role is Role.INVESTOR
              else ConversionMode.ORDINARY_LICENCE)
    try:
        return express_interest(user, listing, {"intent": intent, "timeline": Timeline.LATER},
                                source="roadshow", source_detail=(roadshow_title or "")[:200])
    except InvalidTransition:
        existing = live_interest(user.organisation_id, listing.id)
        if existing is None:
            raise
        return existing


def transition(actor: User, interest: Interest, action: str, *,
               reason: DeclineReason | None = None, reason_text: str | None = None) -> None:
    """Move an interest: accept, negotiate, deal, decline (with a reason) or withdraw."""
    if action not in ACTIONS:
        raise InvalidTransition(_("Unknown action."))
    allowed_from, new_status, sides, event = ACTIONS[action]
    check("interests.act", interest, actor=actor)
    if side(actor, interest) not in sides:
        raise NotAllowed(_("The other side makes this change."))
    if interest.status not in allowed_from:
        raise InvalidTransition(_("This interest cannot be changed that way in its current state."))
    reason_text = (reason_text or "").strip() or None
    if action == "decline":
        if reason is None:
            raise ServiceError(_("Choose a reason for declining."))
        if reason is DeclineReason.OTHER and not reason_text:
            raise ServiceError(_("Explain the reason when you choose “other”."))
        interest.decline_reason, interest.decline_text = reason, reason_text
    now = utcnow()
    interest.status, interest.updated_at = new_status, now
    if new_status is InterestStatus.IN_DISCUSSION:
        interest.accepted_at = now
    elif new_status is InterestStatus.NEGOTIATING:
        interest.negotiating_at = now
    elif new_status is InterestStatus.DEAL:
        interest.deal_at = interest.closed_at = now
    else:
        interest.closed_at = now
    _event(interest, actor, new_status.value)
    audit.record(event, actor=actor, target=interest, reason=reason.value if reason else None,
                 text=reason_text)
    db.session.commit()
    if action == "decline":
        notices.send(actor, interest, "interests.declined", reason=reason.value)
    else:
        notices.send(actor, interest, "interests.status", status=new_status.value)


def share_contacts(actor: User, interest: Interest) -> None:
    """The interested organisation opts in to show its people's contact details."""
    check("interests.share_contacts", interest, actor=actor)
    if interest.contacts_shared_at is not None:
        return
    if not interest.is_open:
        raise InvalidTransition(_("This interest is closed."))
    interest.contacts_shared_at = interest.updated_at = utcnow()
    _event(interest, actor, "contacts_shared")
    audit.record("interest.contacts_shared", actor=actor, target=interest)
    db.session.commit()
    notices.send(actor, interest, "interests.contacts")


def people_involved(interest: Interest) -> dict[str, list[User]]:
    """The people of each side who took part (created, acted or wrote), for the contacts panel."""
    ids = {interest.created_by_id} | {e.actor_id for e in interest.events}
    ids |= set(db.session.scalars(select(Message.author_id).where(
        Message.interest_id == interest.id).distinct()))
    users = db.session.scalars(select(User).where(User.id.in_(ids - {None})).order_by(User.id))
    out: dict[str, list[User]] = {OWNER: [], PARTY: []}
    for user in users:
        if user.organisation_id == interest.organisation_id:
            out[PARTY].append(user)
        elif user.organisation_id == interest.listing.organisation_id:
            out[OWNER].append(user)
    return out


def mark_interest_seen(user: User) -> None:
    """An inventor has seen the interest in their listings: the workbench shows only newer ones."""
    user.interests_seen_at = utcnow()
    db.session.commit()
