"""Why the live room refuses a connection, and what the person can do about it.

A refusal is Socket.IO's own ``ConnectionRefusedError`` (Python's built-in one reaches the client
as "Connection refused by server", without any of this): the client's ``connect_error`` gets
``err.message``, a sentence in the user's language, and ``err.data``: ``code`` for programs
(docs/realtime.md §2) and, when there is a next step, ``next_url`` and ``next_label`` for the
link room.js shows (log in, register, see the registration waiting for approval).
"""

from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _
from flask_socketio import ConnectionRefusedError as Refusal
from sqlalchemy import select

from events.models import Registration, RegistrationStatus, Roadshow, RoadshowState
from marketplace.accounts.models import User
from marketplace.db_types import utcnow
from marketplace.extensions import db


def refusal(code: str, message: str, next_url: str | None = None,
            next_label: str | None = None) -> Refusal:
    data = {"code": code}
    if next_url:
        data.update(next_url=next_url, next_label=next_label)
    return Refusal(message, data)


def bad_origin() -> Refusal:
    return refusal("bad_origin", _("This page may not connect to the live room."))


def unauthorized(roadshow_id: int | None) -> Refusal:
    """No session (logged out, expired, password changed elsewhere): log in, then come back."""
    room = url_for("live.room", roadshow_id=roadshow_id) if roadshow_id else None
    return refusal("unauthorized", _("Please log in to enter the live room."),
                   url_for("accounts.login", next=room), _("Log in"))


def not_found() -> Refusal:
    return refusal("not_found", _("This roadshow does not exist."), url_for("events.index"),
                   _("All roadshows"))


@dataclass(frozen=True)
class Reason:
    """Why a logged-in user may not enter a room: ``code`` for programs, ``message`` for people,
    and the next step as a link (``next_url``, ``next_label``)."""

    code: str
    message: str
    next_url: str
    next_label: str


def why_not(user: User, roadshow: Roadshow) -> Reason:
    """The reason a logged-in user who may not enter the room is refused, from the roadshow's
    state and their registration (or its absence); the live room's page and its Socket.IO
    connection both say this."""
    detail = url_for("events.detail", roadshow_id=roadshow.id)
    back = _("Back to the roadshow")
    if roadshow.state is RoadshowState.CANCELLED:
        return Reason("room_closed", _("This roadshow was cancelled; its live room is closed."),
                      detail, back)
    status = db.session.scalar(select(Registration.status).where(
        Registration.roadshow_id == roadshow.id, Registration.user_id == user.id))
    if status is RegistrationStatus.PENDING:
        return Reason("awaiting_approval", _("Your registration is waiting for the host's approval. "
                                             "You can enter the room once it is confirmed."),
                      detail, _("My registration"))
    if status is RegistrationStatus.WAITLISTED:
        return Reason("waitlisted", _("You are on the waiting list. You can enter the room once a "
                                      "seat is confirmed for you; you will be e-mailed."),
                      detail, _("My registration"))
    if status is RegistrationStatus.REJECTED:
        return Reason("registration_rejected",
                      _("The host did not accept your registration for this roadshow."),
                      detail, back)
    if not (roadshow.is_open_for_registration and roadshow.ends_at > utcnow()):
        return Reason("registration_closed",
                      _("Registration for this roadshow is closed; its live room is open only to "
                        "confirmed registrants."), detail, back)
    if status is RegistrationStatus.CANCELLED:
        return Reason("registration_cancelled",
                      _("Your registration was cancelled. Register again to enter the live room."),
                      detail, _("Go to registration"))
    return Reason("not_registered", _("Register for this roadshow to enter its live room."),
                  detail, _("Go to registration"))


def no_entry(user: User, roadshow: Roadshow) -> Refusal:
    """A logged-in user who may not enter: the reason their registration (or its absence) gives."""
    reason = why_not(user, roadshow)
    return refusal(reason.code, reason.message, reason.next_url, reason.next_label)
