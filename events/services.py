"""A roadshow's state changes (each audited, each one commit), and the live room's access read
with the roadshow in one statement.

Who may do what: ``events.permissions``. Registrations live in ``events.registrations``; the
agenda and the roadshow's own fields here.
"""

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import bindparam, select, update

from events import notify, permissions
from events.live import access as live_access
from events.models import (
    Registration,
    RegistrationStatus,
    Roadshow,
    RoadshowModerator,
    RoadshowState,
)
from events.permissions import RoomAccess
from marketplace.accounts import services as accounts
from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.db_types import utcnow
from marketplace.errors import InvalidTransition, ServiceError
from marketplace.extensions import db
from marketplace.i18n import datetime_filter
from marketplace.permissions import check

#: (state, action) -> (new state, audit event).
TRANSITIONS = {
    (RoadshowState.DRAFT, "publish"): (RoadshowState.PUBLISHED, "roadshow.published"),
    (RoadshowState.PUBLISHED, "go_live"): (RoadshowState.LIVE, "roadshow.live"),
    (RoadshowState.LIVE, "end"): (RoadshowState.ENDED, "roadshow.ended"),
    (RoadshowState.DRAFT, "cancel"): (RoadshowState.CANCELLED, "roadshow.cancelled"),
    (RoadshowState.PUBLISHED, "cancel"): (RoadshowState.CANCELLED, "roadshow.cancelled"),
}
#: Going live earlier than this before the scheduled start asks the moderator to confirm: a
#: sound check half an hour ahead is normal, going live days early is most likely a slip.
EARLY_START_WINDOW = timedelta(minutes=30)
#: States in which the host may still edit the roadshow's details and agenda.
EDITABLE_STATES = tuple(state for state in RoadshowState if state.editable)


# --- the live room's access, read with the roadshow ---------------------------------------------

def load_room(roadshow_id: int, user: User, *columns) -> tuple[Roadshow | None, RoomAccess, tuple]:
    """A roadshow, what ``user`` (logged in) may do in its room, and ``columns`` (expressions
    correlated with ``Roadshow``), all in one statement: what the live room reads for each
    connection and action. The roadshow is None if there is none."""
    statement = _ROOM_STATEMENTS.get(columns)
    if statement is None:  # built once per set of columns: building took longer than running
        user_id = bindparam("user_id")
        statement = _ROOM_STATEMENTS[columns] = select(
            Roadshow, permissions.named_moderator(user_id, Roadshow.id),
            permissions.confirmed_registrant(user_id, Roadshow.id),
            *columns).where(Roadshow.id == bindparam("roadshow_id"))
    row = db.session.execute(statement, {"roadshow_id": roadshow_id, "user_id": user.id}).first()
    if row is None:
        return None, permissions.NO_ACCESS, (None,) * len(columns)
    roadshow, named, confirmed, *rest = row
    return roadshow, permissions.room_access_from(user, roadshow, named, confirmed), tuple(rest)


_ROOM_STATEMENTS: dict[tuple, object] = {}


# --- state transitions ----------------------------------------------------------------------

def _transition(roadshow: Roadshow, actor: User, action: str, **details) -> None:
    key = (roadshow.state, action)
    if key not in TRANSITIONS:
        raise InvalidTransition(_("This roadshow cannot be changed that way in its current state."))
    new_state, event = TRANSITIONS[key]
    old_state = roadshow.state
    roadshow.state = new_state
    audit.record(event, actor=actor, target=roadshow, old=old_state.value, new=new_state.value,
                 **details)


def publish_roadshow(roadshow: Roadshow, actor: User) -> None:
    """Make a draft roadshow public and open its registration."""
    check("events.manage", roadshow, actor=actor)
    if not roadshow.agenda:
        raise InvalidTransition(_("Add at least one listing to the agenda before publishing."))
    if roadshow.starts_at <= utcnow():
        raise InvalidTransition(_("The start time has passed; move the roadshow first."))
    _transition(roadshow, actor, "publish")
    roadshow.published_at = utcnow()
    db.session.commit()


class EarlyStart(InvalidTransition):
    """Going live more than ``EARLY_START_WINDOW`` before the scheduled start, unconfirmed."""


def starts_early(roadshow: Roadshow) -> bool:
    """Whether going live now is early enough to need a confirmation."""
    return utcnow() < roadshow.starts_at - EARLY_START_WINDOW


def early_start_question(roadshow: Roadshow) -> str:
    """What the moderator is asked before going live early, in their language and zone."""
    return _("The roadshow is scheduled for %(when)s. Go live now, before the scheduled start?",
             when=datetime_filter(roadshow.starts_at, "medium"))


def go_live(roadshow: Roadshow, actor: User, *, confirmed_early: bool = False) -> None:
    """Open the live room: published -> live (host staff, moderators, admins). Earlier than
    ``EARLY_START_WINDOW`` before the start it needs ``confirmed_early``, else ``EarlyStart``."""
    check("events.moderate", roadshow, actor=actor)
    if roadshow.state is RoadshowState.PUBLISHED and starts_early(roadshow) and not confirmed_early:
        raise EarlyStart(early_start_question(roadshow))
    _transition(roadshow, actor, "go_live", early=True if starts_early(roadshow) else None)
    roadshow.went_live_at = utcnow()
    db.session.commit()


def end_roadshow(roadshow: Roadshow, actor: User) -> None:
    """Close the live room: live -> ended (host staff, moderators, admins)."""
    check("events.moderate", roadshow, actor=actor)
    _transition(roadshow, actor, "end")
    roadshow.ended_at = utcnow()
    db.session.commit()


def cancel_roadshow(roadshow: Roadshow, actor: User, reason: str) -> None:
    """Cancel a draft or published roadshow; every open registration is cancelled and told why."""
    from events.registrations import OPEN_STATUSES  # cycle: registrations imports services

    check("events.manage", roadshow, actor=actor)
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ServiceError(_("Give a reason; registrants will read it."))
    _transition(roadshow, actor, "cancel", reason=reason)
    roadshow.cancel_reason = reason
    roadshow.ics_sequence += 1
    affected = db.session.scalars(select(Registration).where(
        Registration.roadshow_id == roadshow.id,
        Registration.status.in_(OPEN_STATUSES))).all()
    now = utcnow()
    for registration in affected:
        registration.status, registration.decided_at = RegistrationStatus.CANCELLED, now
    live_access.changed(roadshow.id, [registration.user_id for registration in affected])
    db.session.commit()
    for registration in affected:
        notify.roadshow_cancelled(registration)


# --- creating and editing -------------------------------------------------------------------

ROADSHOW_FIELDS = ("title", "description", "starts_at", "ends_at", "stream_url", "capacity",
                   "requires_approval", "waitlist_enabled")


def _check_times(roadshow: Roadshow) -> None:
    if roadshow.ends_at <= roadshow.starts_at:
        raise ServiceError(_("The roadshow must end after it starts."))
    outside = [item for item in roadshow.agenda
               if item.starts_at < roadshow.starts_at or item.ends_at > roadshow.ends_at]
    if outside:
        raise ServiceError(_("Agenda slots would fall outside the new times: %(titles)s. Move them "
                             "first.", titles="、".join(item.listing.title for item in outside)))


def create_roadshow(actor: User, data: dict) -> Roadshow:
    """A university's tto creates a roadshow (a draft until published)."""
    check("events.host", actor=actor)
    roadshow = Roadshow(organisation_id=actor.organisation_id, created_by_id=actor.id,
                        state=RoadshowState.DRAFT)
    for name in ROADSHOW_FIELDS:
        setattr(roadshow, name, data[name])
    _check_times(roadshow)
    if roadshow.starts_at <= utcnow():
        raise ServiceError(_("The roadshow must start in the future."))
    db.session.add(roadshow)
    db.session.flush()
    audit.record("roadshow.created", actor=actor, target=roadshow, title=roadshow.title)
    db.session.commit()
    return roadshow


def update_roadshow(actor: User, roadshow: Roadshow, data: dict) -> list[str]:
    """Edit a draft or published roadshow; registrants are told when the times change."""
    from events.registrations import fill_free_seats  # cycle: registrations imports services

    check("events.manage", roadshow, actor=actor)
    if roadshow.state not in EDITABLE_STATES:
        raise InvalidTransition(_("A roadshow that is live, ended or cancelled can no longer be "
                                  "edited."))
    lock_roadshow(roadshow.id)
    changed = [name for name in ROADSHOW_FIELDS if getattr(roadshow, name) != data[name]]
    if not changed:
        return []
    for name in changed:
        setattr(roadshow, name, data[name])
    _check_times(roadshow)
    times_changed = bool({"starts_at", "ends_at"} & set(changed))
    if times_changed:
        if roadshow.starts_at <= utcnow():
            raise ServiceError(_("The roadshow must start in the future."))
        roadshow.ics_sequence += 1
    audit.record("roadshow.updated", actor=actor, target=roadshow, fields=changed)
    promoted = fill_free_seats(roadshow, actor) if "capacity" in changed else []
    db.session.commit()
    for registration in promoted:
        notify.promoted(registration)
    if times_changed:
        for registration in roadshow.registrations:
            if registration.status is RegistrationStatus.CONFIRMED:
                notify.times_changed(registration)
    return changed


def lock_roadshow(roadshow_id: int) -> Roadshow:
    """Lock the roadshow row for the rest of the transaction: registrations and seats change
    only under this lock, so two people can never take the same last seat.

    PostgreSQL: SELECT ... FOR UPDATE. SQLite has no row locks; a no-op UPDATE takes its
    database write lock first, before anything is read.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        table = Roadshow.__table__
        db.session.execute(update(table).where(table.c.id == roadshow_id)
                           .values(id=table.c.id, updated_at=table.c.updated_at))
    return db.session.scalars(
        select(Roadshow).where(Roadshow.id == roadshow_id).with_for_update()
        .execution_options(populate_existing=True)).one()


# --- moderators -----------------------------------------------------------------------------

def add_moderator(actor: User, roadshow: Roadshow, email: str) -> RoadshowModerator:
    """The host names an existing account as a moderator of the live room."""
    check("events.manage", roadshow, actor=actor)
    if roadshow.state.is_over:
        raise InvalidTransition(_("This roadshow is over; its moderators can no longer change."))
    user = accounts.find_user_by_email(email)
    if user is None or not user.active:
        raise ServiceError(_("No active account uses this e-mail address."))
    if permissions.is_moderator(user, roadshow):
        raise ServiceError(_("%(name)s is already a moderator.", name=user.name))
    moderator = RoadshowModerator(roadshow_id=roadshow.id, user_id=user.id, added_by_id=actor.id)
    db.session.add(moderator)
    audit.record("roadshow.moderator_added", actor=actor, target=roadshow, user_id=user.id,
                 email=user.email)
    live_access.changed(roadshow.id, [user.id])
    db.session.commit()
    return moderator


def remove_moderator(actor: User, moderator: RoadshowModerator) -> None:
    """The host removes a moderator."""
    roadshow = moderator.roadshow
    check("events.manage", roadshow, actor=actor)
    audit.record("roadshow.moderator_removed", actor=actor, target=roadshow,
                 user_id=moderator.user_id, email=moderator.user.email)
    live_access.changed(roadshow.id, [moderator.user_id])
    db.session.delete(moderator)
    db.session.commit()
