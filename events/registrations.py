"""Registrations: seats, approval, the waiting list and its promotion.

Every change locks the roadshow row first (``services.lock_roadshow``) and commits once, so the
count of confirmed seats read under the lock is the truth: of two people taking the last seat at
the same time, exactly one gets it, and a freed seat goes to exactly one waiting person.
Mail is sent after the commit.
"""

from flask_babel import gettext as _
from sqlalchemy import func, select

from events import notify
from events.live import access as live_access
from events.models import Registration, RegistrationStatus, Roadshow, RoadshowState
from events.services import lock_roadshow
from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.db_types import utcnow
from marketplace.errors import InvalidTransition, NotAllowed, ServiceError
from marketplace.extensions import db
from marketplace.permissions import check

#: Registrations that still hold (or wait for) a seat.
OPEN_STATUSES = tuple(status for status in RegistrationStatus if status.is_open)


def confirmed_count(roadshow: Roadshow) -> int:
    return db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.roadshow_id == roadshow.id,
        Registration.status == RegistrationStatus.CONFIRMED)) or 0


def pending_count(roadshow: Roadshow) -> int:
    """Registrations waiting for the host's approval."""
    return db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.roadshow_id == roadshow.id,
        Registration.status == RegistrationStatus.PENDING)) or 0


def seats_left(roadshow: Roadshow) -> int | None:
    """Free seats, or None when the roadshow has no capacity limit."""
    if roadshow.capacity is None:
        return None
    return max(roadshow.capacity - confirmed_count(roadshow), 0)


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first person on the waiting list."""
    if registration.status is not RegistrationStatus.WAITLISTED:
        return None
    return db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.roadshow_id == registration.roadshow_id,
        Registration.status == RegistrationStatus.WAITLISTED,
        (Registration.queued_at < registration.queued_at)
        | ((Registration.queued_at == registration.queued_at)
           & (Registration.id <= registration.id))))


def registration_of(user: User, roadshow: Roadshow) -> Registration | None:
    if not user.is_authenticated:
        return None
    return db.session.scalar(select(Registration).where(
        Registration.roadshow_id == roadshow.id, Registration.user_id == user.id))


def _has_seat(roadshow: Roadshow) -> bool:
    return roadshow.capacity is None or confirmed_count(roadshow) < roadshow.capacity


def register(user: User, roadshow: Roadshow, note: str | None = None) -> Registration:
    """A signed-in user registers: confirmed, pending approval, or on the waiting list."""
    check("events.register", roadshow, actor=user)
    roadshow = lock_roadshow(roadshow.id)
    if not roadshow.is_open_for_registration or roadshow.ends_at <= utcnow():
        raise InvalidTransition(_("Registration for this roadshow is closed."))
    registration = registration_of(user, roadshow)
    if registration is not None and registration.status in OPEN_STATUSES:
        raise ServiceError(_("You are already registered."))
    if registration is not None and registration.status is RegistrationStatus.REJECTED:
        raise NotAllowed(_("The host has declined your registration for this roadshow."))
    if roadshow.requires_approval:
        status = RegistrationStatus.PENDING
    elif _has_seat(roadshow):
        status = RegistrationStatus.CONFIRMED
    elif roadshow.waitlist_enabled:
        status = RegistrationStatus.WAITLISTED
    else:
        raise ServiceError(_("This roadshow is full."))
    now = utcnow()
    if registration is None:
        registration = Registration(roadshow_id=roadshow.id, user_id=user.id)
        db.session.add(registration)
    registration.status, registration.note, registration.queued_at = status, note or None, now
    registration.decided_at = now if status is RegistrationStatus.CONFIRMED else None
    registration.decided_by_id = None
    db.session.flush()
    audit.record("roadshow.registered", actor=user, target=roadshow, registration_id=registration.id,
                 status=status.value)
    db.session.commit()
    notify.registered(registration)
    return registration


def approve(actor: User, registration: Registration) -> Registration:
    """The host approves a pending registration: a seat if one is free, else the waiting list."""
    roadshow = _lock_for_host(actor, registration)
    if registration.status is not RegistrationStatus.PENDING:
        raise InvalidTransition(_("Only pending registrations can be approved."))
    if _has_seat(roadshow):
        registration.status = RegistrationStatus.CONFIRMED
    elif roadshow.waitlist_enabled:
        registration.status = RegistrationStatus.WAITLISTED
        registration.queued_at = utcnow()
    else:
        raise ServiceError(_("The roadshow is full; raise its capacity or reject the request."))
    registration.decided_at, registration.decided_by_id = utcnow(), actor.id
    audit.record("roadshow.registration_approved", actor=actor, target=roadshow,
                 registration_id=registration.id, status=registration.status.value)
    db.session.commit()
    notify.approved(registration)
    return registration


def reject(actor: User, registration: Registration) -> None:
    """The host declines a pending or waiting registration."""
    roadshow = _lock_for_host(actor, registration)
    if registration.status not in (RegistrationStatus.PENDING, RegistrationStatus.WAITLISTED):
        raise InvalidTransition(_("Only pending or waiting registrations can be rejected."))
    registration.status = RegistrationStatus.REJECTED
    registration.decided_at, registration.decided_by_id = utcnow(), actor.id
    audit.record("roadshow.registration_rejected", actor=actor, target=roadshow,
                 registration_id=registration.id)
    db.session.commit()
    notify.rejected(registration)


def cancel(actor: User, registration: Registration) -> list[Registration]:
    """The registrant (or the host) cancels; a freed seat goes to the first on the waiting list.

    Returns the promoted registrations (at most one per freed seat).
    """
    check("events.cancel_registration", registration, actor=actor)
    by_host = actor.id != registration.user_id
    roadshow = lock_roadshow(registration.roadshow_id)
    db.session.refresh(registration)
    if registration.status not in OPEN_STATUSES:
        raise InvalidTransition(_("This registration is not active."))
    if roadshow.state in (RoadshowState.ENDED, RoadshowState.CANCELLED):
        raise InvalidTransition(_("This roadshow is over."))
    registration.status, registration.decided_at = RegistrationStatus.CANCELLED, utcnow()
    registration.decided_by_id = actor.id if by_host else None
    audit.record("roadshow.registration_cancelled", actor=actor, target=roadshow,
                 registration_id=registration.id, by_host=by_host or None)
    promoted = fill_free_seats(roadshow, actor)
    live_access.changed(roadshow.id, [registration.user_id])
    db.session.commit()
    notify.cancelled(registration, by_host=by_host)
    for other in promoted:
        notify.promoted(other)
    return promoted


def fill_free_seats(roadshow: Roadshow, actor: User | None) -> list[Registration]:
    """Confirm waiting registrations, first come first served, while seats are free.

    Call with the roadshow locked; the caller commits and then mails the promoted people.
    """
    if roadshow.state not in (RoadshowState.PUBLISHED, RoadshowState.LIVE):
        return []
    db.session.flush()
    free = seats_left(roadshow)
    query = (select(Registration).where(Registration.roadshow_id == roadshow.id,
                                        Registration.status == RegistrationStatus.WAITLISTED)
             .order_by(Registration.queued_at, Registration.id))
    if free is not None:
        query = query.limit(free)
    promoted = list(db.session.scalars(query)) if free != 0 else []
    now = utcnow()
    for registration in promoted:
        registration.status, registration.decided_at = RegistrationStatus.CONFIRMED, now
        audit.record("roadshow.registration_promoted", actor=actor, target=roadshow,
                     registration_id=registration.id, user_id=registration.user_id)
    return promoted


def _lock_for_host(actor: User, registration: Registration) -> Roadshow:
    check("events.manage", registration.roadshow, actor=actor)
    roadshow = lock_roadshow(registration.roadshow_id)
    db.session.refresh(registration)
    return roadshow
