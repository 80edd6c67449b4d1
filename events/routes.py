"""Public roadshow pages, registration, and the attendee's own registrations.

The host's pages are in ``manage_routes`` and the after-event pages in ``report_routes``; all
three share this blueprint (``events.init_app`` imports them).
"""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from events import notify, stream
from events import registrations as regs
from events.forms import ActionForm, RegistrationForm
from events.models import AgendaItem, Registration, RegistrationStatus, Roadshow, RoadshowState
from marketplace.db_types import utcnow
from marketplace.extensions import db
from marketplace.http import flash_form_errors, flash_service_errors, load_or_404, me
from marketplace.pagination import paginate
from marketplace.permissions import can, require

bp = Blueprint("events", __name__)
#: Endpoints the live room's page may have (``events.live`` registers it); the first found is used.
ROOM_ENDPOINTS = ("live.room", "events_live.room", "events.room")
PER_PAGE = 20


def visible_roadshow(roadshow_id: int) -> Roadshow:
    """The roadshow if the current user may see its public page, else 404."""
    roadshow = load_or_404(Roadshow, roadshow_id)
    require("events.view", roadshow, missing=404)
    return roadshow


def room_url(roadshow: Roadshow) -> str | None:
    for endpoint in ROOM_ENDPOINTS:
        if endpoint in current_app.view_functions:
            return url_for(endpoint, roadshow_id=roadshow.id)
    return None


@bp.route("/roadshows")
def index():
    """Upcoming (and live) roadshows, or past ones with ?when=past."""
    when = "past" if request.args.get("when") == "past" else "upcoming"
    now = utcnow()
    query = select(Roadshow).options(selectinload(Roadshow.organisation))
    if when == "upcoming":
        query = query.where(Roadshow.state.in_((RoadshowState.PUBLISHED, RoadshowState.LIVE)),
                            Roadshow.ends_at > now).order_by(Roadshow.starts_at)
    else:
        query = query.where(
            (Roadshow.state == RoadshowState.ENDED)
            | ((Roadshow.state.in_((RoadshowState.PUBLISHED, RoadshowState.CANCELLED)))
               & (Roadshow.ends_at <= now))).order_by(Roadshow.starts_at.desc())
    page = paginate(query, per_page=PER_PAGE)
    agenda_counts = dict(db.session.execute(
        select(AgendaItem.roadshow_id, func.count()).where(
            AgendaItem.roadshow_id.in_([r.id for r in page.items]))
        .group_by(AgendaItem.roadshow_id)).all()) if page.items else {}
    return render_template("events/index.html", page=page, when=when, agenda_counts=agenda_counts)


@bp.route("/roadshows/<int:roadshow_id>")
def detail(roadshow_id):
    """A roadshow's page: stream, agenda, registration."""
    roadshow = visible_roadshow(roadshow_id)
    embed = stream.embed_for(roadshow.stream_url)
    registration = regs.registration_of(current_user, roadshow)
    can_enter = can("events.enter_room", roadshow)
    runs_room = can("events.moderate", roadshow)
    response = current_app.make_response(render_template(
        "events/detail.html", roadshow=roadshow, embed=embed,
        provider=stream.PROVIDER_NAMES.get(embed.provider) if embed else None,
        registration=registration, seats_left=regs.seats_left(roadshow),
        position=regs.waitlist_position(registration) if registration else None,
        # The stream is shown to those who may enter the room (and on public pages once ended).
        show_stream=can_enter, can_enter=can_enter, room_url=room_url(roadshow) if can_enter else None,
        registration_open=roadshow.is_open_for_registration and roadshow.ends_at > utcnow(),
        runs_room=runs_room,
        pending_count=regs.pending_count(roadshow) if can("events.manage", roadshow) else 0,
        form=RegistrationForm(), action_form=ActionForm(), RegistrationStatus=RegistrationStatus))
    if can_enter and embed is not None:
        response.headers["Content-Security-Policy"] = stream.csp_allowing(embed)
    return response


@bp.route("/roadshows/<int:roadshow_id>/calendar.ics")
def calendar(roadshow_id):
    """The roadshow as an iCalendar file."""
    roadshow = visible_roadshow(roadshow_id)
    response = current_app.response_class(notify.calendar_file(roadshow),
                                          mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="roadshow-{roadshow.id}.ics"'
    return response


@bp.route("/roadshows/<int:roadshow_id>/register", methods=["POST"])
@login_required
def register(roadshow_id):
    """Register for a roadshow."""
    roadshow = visible_roadshow(roadshow_id)
    form = RegistrationForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("events.detail", roadshow_id=roadshow.id))
    with flash_service_errors():
        registration = regs.register(me(), roadshow, (form.note.data or "").strip())
        flash({RegistrationStatus.CONFIRMED: _("You are registered. A confirmation with a calendar "
                                               "file is on its way to your e-mail."),
               RegistrationStatus.PENDING: _("Registration received. The host will review it."),
               RegistrationStatus.WAITLISTED: _("The roadshow is full: you are on the waiting list "
                                                "and will be e-mailed if a seat opens up.")}
              [registration.status], "success")
    return redirect(url_for("events.detail", roadshow_id=roadshow.id))


@bp.route("/roadshows/<int:roadshow_id>/register/cancel", methods=["POST"])
@login_required
def cancel_registration(roadshow_id):
    """Cancel your own registration."""
    roadshow = visible_roadshow(roadshow_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    registration = regs.registration_of(current_user, roadshow)
    if registration is None:
        abort(404)
    with flash_service_errors():
        regs.cancel(me(), registration)
        flash(_("Your registration is cancelled."), "success")
    return redirect(url_for("events.detail", roadshow_id=roadshow.id))


@bp.route("/my/roadshows")
@login_required
def mine():
    """The roadshows you registered for."""
    items = db.session.scalars(
        select(Registration).join(Roadshow).where(Registration.user_id == current_user.id)
        .options(selectinload(Registration.roadshow).selectinload(Roadshow.organisation))
        .order_by(Roadshow.starts_at.desc())).all()
    return render_template("events/mine.html", items=items, now=utcnow(),
                           RegistrationStatus=RegistrationStatus)

