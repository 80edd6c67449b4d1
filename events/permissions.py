"""Who may do what with a roadshow: host it, manage it, see it, enter and run its live room, read
its reports, cancel a registration. Registered with ``marketplace.permissions`` (``events``
imports this module at start-up); views, services and templates ask ``can``/``check``/``require``.

The live room asks "may enter" and "may moderate" on every connection and action, so
``room_access`` answers both at once and ``RoomAccess`` / ``room_access_from`` let a caller that
already read the moderator and registration rows (``events.services.load_room``) decide
without another query.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from events.models import (
    Registration,
    RegistrationStatus,
    Roadshow,
    RoadshowModerator,
    RoadshowState,
)
from events.video.models import ReplayAudience, RoadshowVideo
from marketplace.accounts.models import Role
from marketplace.errors import NotAllowed
from marketplace.extensions import db
from marketplace.orgs.models import OrgKind
from marketplace.permissions import rule, verified_member

HOST_STAFF_ONLY = _l("Only the host university's technology-transfer officers can do this.")
#: States whose room confirmed registrants may enter (moderators may enter any).
ROOM_OPEN_STATES = (RoadshowState.PUBLISHED, RoadshowState.LIVE, RoadshowState.ENDED)


@rule("events.host")
def host(user, _obj) -> bool:
    """Creating roadshows: a tto of a verified university."""
    verified_member(
        user, OrgKind.UNIVERSITY, Role.TTO,
        refused=_("Only a university's technology-transfer officers host roadshows."),
        unverified=_("Your organisation must be verified before it can host roadshows."))
    return True


@rule("events.manage", message=HOST_STAFF_ONLY)
def manage(user, roadshow: Roadshow) -> bool:
    """Edit the roadshow, its agenda, registrations and moderators: a tto of the host university
    (verified), who also runs its room."""
    return bool(user is not None and user.is_authenticated and user.role is Role.TTO
                and user.organisation_id == roadshow.organisation_id and user.org_verified)


def is_moderator(user, roadshow: Roadshow) -> bool:
    """Named as a moderator of this roadshow by the host."""
    if user is None or not user.is_authenticated:
        return False
    return db.session.query(RoadshowModerator.id).filter_by(
        roadshow_id=roadshow.id, user_id=user.id).first() is not None


@rule("events.moderate", message=_l("Only the host and the roadshow's moderators can do this."))
def moderate(user, roadshow: Roadshow) -> bool:
    """Run the live room (go live, end, moderate questions): host staff, moderators, admins."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_admin or manage(user, roadshow) or is_moderator(user, roadshow)


@rule("events.enter_room", message=_l("Only confirmed registrants and the host can enter this room."))
def enter_room(user, roadshow: Roadshow) -> bool:
    """Join the live room: confirmed registrants plus everyone who may moderate.

    A draft or cancelled roadshow's room is open to its moderators only.
    """
    return room_access(user, roadshow).enter


@rule("events.view")
def view(user, roadshow: Roadshow) -> bool:
    """Public pages show published, live, ended and cancelled roadshows; drafts only to the host
    and admins (for anyone else they do not exist)."""
    if roadshow.is_public:
        return True
    return bool(user is not None and user.is_authenticated
                and (user.is_admin or manage(user, roadshow)))


@rule("events.see_reports")
def see_reports(user, roadshow: Roadshow) -> bool:
    """Transcript, reports and the moderation log: host staff, moderators and admins."""
    return moderate(user, roadshow)


@rule("events.register", message=_l("Log in to register."))
def register(user, roadshow: Roadshow) -> bool:
    """Signing up for a roadshow: any active account except those who run its room (the host's
    staff, its moderators, admins), who enter it without a seat. The roadshow's state decides
    the rest."""
    if not (user.is_authenticated and user.active):
        return False
    if moderate(user, roadshow):
        raise NotAllowed(_("You run this roadshow: you enter its live room without registering."))
    return True


@rule("events.cancel_registration", message=_l("This is not your registration."))
def cancel_registration(user, registration: Registration) -> bool:
    """The registrant, or the host's staff."""
    return user.is_authenticated and (user.id == registration.user_id
                                      or manage(user, registration.roadshow))


# --- the live room: entering and running it, in at most one query -----------------------------

@dataclass(frozen=True)
class RoomAccess:
    """What a user may do in a roadshow's live room: enter it, and run it."""

    enter: bool
    moderate: bool


NO_ACCESS = RoomAccess(False, False)


def room_access(user, roadshow: Roadshow) -> RoomAccess:
    """``events.enter_room`` and ``events.moderate`` together, in at most one query.

    The live room asks both on every connection and action; asked apart they cost a query for
    the moderator row twice and one for the registration.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_ACCESS
    if user.is_admin or manage(user, roadshow):
        return RoomAccess(True, True)
    named, confirmed = db.session.execute(select(
        named_moderator(user.id, roadshow.id), confirmed_registrant(user.id, roadshow.id))).one()
    return room_access_from(user, roadshow, named, confirmed)


def named_moderator(user_id, roadshow_id):
    """EXISTS: the user is a named moderator of the roadshow."""
    return select(RoadshowModerator.id).where(
        RoadshowModerator.roadshow_id == roadshow_id, RoadshowModerator.user_id == user_id).exists()


def confirmed_registrant(user_id, roadshow_id):
    """EXISTS: the user holds a confirmed registration for the roadshow."""
    return select(Registration.id).where(
        Registration.roadshow_id == roadshow_id, Registration.user_id == user_id,
        Registration.status == RegistrationStatus.CONFIRMED).exists()


def room_access_from(user, roadshow: Roadshow, named: bool, confirmed: bool) -> RoomAccess:
    """The rule of the room, given whether the user is a named moderator and a confirmed
    registrant."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_ACCESS
    may_moderate = bool(user.is_admin or manage(user, roadshow) or named)
    return RoomAccess(may_moderate or bool(confirmed and roadshow.state in ROOM_OPEN_STATES),
                      may_moderate)


# --- the platform's own video (events.video) ----------------------------------------------------

@rule("events.watch_live", message=_l("Only confirmed registrants and the host can watch this stream."))
def watch_live(user, roadshow: Roadshow) -> bool:
    """The live stream: whoever may enter the room, while it is live (those who run the room
    also before, for the sound check)."""
    access = room_access(user, roadshow)
    return access.moderate or (access.enter and roadshow.state is RoadshowState.LIVE)


@rule("events.watch_replay", message=_l("The replay of this roadshow is not open to you."))
def watch_replay(user, roadshow: Roadshow) -> bool:
    """The replay, after the event: those who run the room always; when the host publishes it,
    whoever could enter the room, or every signed-in user if the host allows that."""
    video = db.session.get(RoadshowVideo, roadshow.id)
    if video is None or roadshow.state is not RoadshowState.ENDED:
        return False
    access = room_access(user, roadshow)
    if access.moderate:
        return True
    if not video.replay_published:
        return False
    if video.replay_audience is ReplayAudience.SIGNED_IN:
        return bool(user is not None and user.is_authenticated and user.is_active)
    return access.enter
