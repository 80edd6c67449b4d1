"""Who may do what with a roadshow, and its state changes (each audited, each one commit).

Registrations live in ``events.registrations``; the agenda and the roadshow's own fields here.
"""

from flask_babel import gettext as _

from events.models import Roadshow, RoadshowModerator, RoadshowState
from marketplace.accounts.models import Role, User
from marketplace.audit import services as audit
from marketplace.db_types import utcnow
from marketplace.errors import InvalidTransition, NotAllowed
from marketplace.extensions import db

#: (state, action) -> (new state, audit event).
TRANSITIONS = {
    (RoadshowState.DRAFT, "publish"): (RoadshowState.PUBLISHED, "roadshow.published"),
    (RoadshowState.PUBLISHED, "go_live"): (RoadshowState.LIVE, "roadshow.live"),
    (RoadshowState.LIVE, "end"): (RoadshowState.ENDED, "roadshow.ended"),
    (RoadshowState.DRAFT, "cancel"): (RoadshowState.CANCELLED, "roadshow.cancelled"),
    (RoadshowState.PUBLISHED, "cancel"): (RoadshowState.CANCELLED, "roadshow.cancelled"),
}
#: States in which the host may still edit the roadshow's details and agenda.
EDITABLE_STATES = (RoadshowState.DRAFT, RoadshowState.PUBLISHED)


# --- access ---------------------------------------------------------------------------------

def is_host_staff(user: User, roadshow: Roadshow) -> bool:
    """A tto of the host university (verified): runs the roadshow, its registrations and its room."""
    return bool(user is not None and user.is_authenticated and user.role is Role.TTO
                and user.organisation_id == roadshow.organisation_id and user.org_verified)


def can_manage(user: User, roadshow: Roadshow) -> bool:
    """Edit the roadshow, its agenda, registrations and moderators: host staff only."""
    return is_host_staff(user, roadshow)


def is_moderator(user: User, roadshow: Roadshow) -> bool:
    """Named as a moderator of this roadshow by the host."""
    if user is None or not user.is_authenticated:
        return False
    return db.session.query(RoadshowModerator.id).filter_by(
        roadshow_id=roadshow.id, user_id=user.id).first() is not None


def can_moderate(user: User, roadshow: Roadshow) -> bool:
    """Run the live room (go live, end, moderate questions): host staff, moderators, admins."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_admin or is_host_staff(user, roadshow) or is_moderator(user, roadshow)


def can_enter_room(user: User, roadshow: Roadshow) -> bool:
    """Join the live room: confirmed registrants plus everyone who may moderate.

    A draft or cancelled roadshow's room is open to its moderators only.
    """
    if can_moderate(user, roadshow):
        return True
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if roadshow.state not in (RoadshowState.PUBLISHED, RoadshowState.LIVE, RoadshowState.ENDED):
        return False
    from events.models import Registration, RegistrationStatus

    return db.session.query(Registration.id).filter_by(
        roadshow_id=roadshow.id, user_id=user.id,
        status=RegistrationStatus.CONFIRMED).first() is not None


def can_view(user: User, roadshow: Roadshow) -> bool:
    """Public pages show published, live, ended and cancelled roadshows; drafts only to the host."""
    if roadshow.is_public:
        return True
    return bool(user is not None and user.is_authenticated
                and (user.is_admin or is_host_staff(user, roadshow)))


def can_see_reports(user: User, roadshow: Roadshow) -> bool:
    """Transcript, reports and the moderation log: host staff, moderators and admins."""
    return can_moderate(user, roadshow)


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
    if not can_manage(actor, roadshow):
        raise NotAllowed(_("Only the host university's technology-transfer officers can do this."))
    if not roadshow.agenda:
        raise InvalidTransition(_("Add at least one listing to the agenda before publishing."))
    _transition(roadshow, actor, "publish")
    roadshow.published_at = utcnow()
    db.session.commit()


def go_live(roadshow: Roadshow, actor: User) -> None:
    """Open the live room: published -> live (host staff, moderators, admins)."""
    if not can_moderate(actor, roadshow):
        raise NotAllowed(_("Only the host and the roadshow's moderators can do this."))
    _transition(roadshow, actor, "go_live")
    roadshow.went_live_at = utcnow()
    db.session.commit()


def end_roadshow(roadshow: Roadshow, actor: User) -> None:
    """Close the live room: live -> ended (host staff, moderators, admins)."""
    if not can_moderate(actor, roadshow):
        raise NotAllowed(_("Only the host and the roadshow's moderators can do this."))
    _transition(roadshow, actor, "end")
    roadshow.ended_at = utcnow()
    db.session.commit()
