"""The host university's pages: its roadshows, their details, agenda, registrations, moderators."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from events import agenda
from events import registrations as regs
from events import services as roadshows
from events.forms import (
    ActionForm,
    AgendaEditForm,
    AgendaItemForm,
    CancelRoadshowForm,
    ModeratorForm,
    RoadshowForm,
    to_local,
    to_utc,
)
from events.models import (
    AgendaItem,
    Registration,
    RegistrationStatus,
    Roadshow,
    RoadshowModerator,
    RoadshowState,
)
from events.routes import bp
from marketplace.accounts.models import Role
from marketplace.errors import ServiceError
from marketplace.extensions import db
from marketplace.http import flash_service_error, flash_service_errors, load_or_404, me, render_form
from marketplace.listings.models import Listing
from marketplace.permissions import roles_required, verified_org_required


def managed(roadshow_id: int) -> Roadshow:
    """A roadshow of the current user's university: another university's is a 404."""
    roadshow = load_or_404(Roadshow, roadshow_id)
    if roadshow.organisation_id != current_user.organisation_id:
        abort(404)
    return roadshow


def host_view(view):
    """The host pages: a verified university's tto (decorators in one place)."""
    return roles_required(Role.TTO)(verified_org_required(view))


@bp.route("/manage/roadshows")
@host_view
def manage():
    """Your university's roadshows in every state."""
    items = db.session.scalars(select(Roadshow).where(
        Roadshow.organisation_id == current_user.organisation_id)
        .order_by(Roadshow.starts_at.desc())).all()
    counts = dict(db.session.execute(
        select(Registration.roadshow_id, func.count()).join(Roadshow).where(
            Roadshow.organisation_id == current_user.organisation_id,
            Registration.status == RegistrationStatus.CONFIRMED)
        .group_by(Registration.roadshow_id)).all())
    pending = dict(db.session.execute(
        select(Registration.roadshow_id, func.count()).join(Roadshow).where(
            Roadshow.organisation_id == current_user.organisation_id,
            Registration.status == RegistrationStatus.PENDING)
        .group_by(Registration.roadshow_id)).all())
    return render_template("events/manage.html", items=items, counts=counts, pending=pending)


@bp.route("/manage/roadshows/new", methods=["GET", "POST"])
@host_view
def create():
    """Create a roadshow (a draft until published)."""
    form = RoadshowForm()
    if form.validate_on_submit():
        try:
            roadshow = roadshows.create_roadshow(me(), form.cleaned())
        except ServiceError as error:
            flash_service_error(error)
            return render_form("events/edit.html", form, status=422, roadshow=None)
        flash(_("Draft saved. Now add the listings to present."), "success")
        return redirect(url_for("events.agenda", roadshow_id=roadshow.id))
    return render_form("events/edit.html", form, roadshow=None)


@bp.route("/manage/roadshows/<int:roadshow_id>/edit", methods=["GET", "POST"])
@host_view
def edit(roadshow_id):
    """Edit a roadshow's details."""
    roadshow = managed(roadshow_id)
    form = RoadshowForm(obj=roadshow)
    if request.method == "GET":
        form.starts_at.data, form.ends_at.data = to_local(roadshow.starts_at), to_local(roadshow.ends_at)
    if form.validate_on_submit():
        try:
            changed = roadshows.update_roadshow(me(), roadshow, form.cleaned())
        except ServiceError as error:
            db.session.rollback()
            flash_service_error(error)
            status = 422 if error.status_code == 400 else error.status_code
            return render_form("events/edit.html", form, status=status, roadshow=roadshow)
        flash(_("Saved.") if changed else _("Nothing was changed."), "success")
        return redirect(url_for("events.detail", roadshow_id=roadshow.id))
    return render_form("events/edit.html", form, roadshow=roadshow)


@bp.route("/manage/roadshows/<int:roadshow_id>/agenda", methods=["GET", "POST"], endpoint="agenda")
@host_view
def agenda_page(roadshow_id):
    """The agenda: its slots, and a form to add one."""
    roadshow = managed(roadshow_id)
    form = AgendaItemForm(listings=agenda.eligible_listings(roadshow))
    if request.method == "GET" and not roadshow.agenda:
        form.starts_at.data = to_local(roadshow.starts_at)
    if form.validate_on_submit():
        listing = db.session.get(Listing, form.listing_id.data)
        try:
            agenda.add_item(me(), roadshow, listing, form.presenter.data,
                            to_utc(form.starts_at.data), to_utc(form.ends_at.data))
        except ServiceError as error:
            db.session.rollback()
            form.listing_id.errors.append(error.message)
            return render_form("events/agenda.html", form, status=error.status_code
                               if error.status_code != 400 else 422, roadshow=roadshow,
                               action_form=ActionForm())
        flash(_("Added to the agenda."), "success")
        return redirect(url_for("events.agenda", roadshow_id=roadshow.id))
    return render_form("events/agenda.html", form, roadshow=roadshow, action_form=ActionForm())


def _item(roadshow: Roadshow, item_id: int) -> AgendaItem:
    item = load_or_404(AgendaItem, item_id, roadshow_id=roadshow.id)
    return item


@bp.route("/manage/roadshows/<int:roadshow_id>/agenda/<int:item_id>", methods=["GET", "POST"])
@host_view
def agenda_edit(roadshow_id, item_id):
    """Change a slot's presenter or times."""
    roadshow = managed(roadshow_id)
    item = _item(roadshow, item_id)
    form = AgendaEditForm(obj=item)
    if request.method == "GET":
        form.starts_at.data, form.ends_at.data = to_local(item.starts_at), to_local(item.ends_at)
    if form.validate_on_submit():
        try:
            agenda.update_item(me(), item, form.presenter.data, to_utc(form.starts_at.data),
                               to_utc(form.ends_at.data))
        except ServiceError as error:
            db.session.rollback()
            form.starts_at.errors.append(error.message)
            return render_form("events/agenda_edit.html", form, status=422 if
                               error.status_code == 400 else error.status_code,
                               roadshow=roadshow, item=item)
        flash(_("Saved."), "success")
        return redirect(url_for("events.agenda", roadshow_id=roadshow.id))
    return render_form("events/agenda_edit.html", form, roadshow=roadshow, item=item)


@bp.route("/manage/roadshows/<int:roadshow_id>/agenda/<int:item_id>/remove", methods=["POST"])
@host_view
def agenda_remove(roadshow_id, item_id):
    """Take a listing off the agenda."""
    roadshow = managed(roadshow_id)
    item = _item(roadshow, item_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    with flash_service_errors():
        agenda.remove_item(me(), item)
        flash(_("Removed from the agenda."), "success")
    return redirect(url_for("events.agenda", roadshow_id=roadshow.id))


@bp.route("/manage/roadshows/<int:roadshow_id>/publish", methods=["POST"])
@host_view
def publish(roadshow_id):
    """Publish a draft roadshow and open registration."""
    roadshow = managed(roadshow_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        roadshows.publish_roadshow(roadshow, me())
    except ServiceError as error:
        flash_service_error(error)
        return redirect(url_for("events.agenda", roadshow_id=roadshow.id))
    flash(_("The roadshow is published; registration is open."), "success")
    return redirect(url_for("events.detail", roadshow_id=roadshow.id))


@bp.route("/manage/roadshows/<int:roadshow_id>/cancel", methods=["GET", "POST"])
@host_view
def cancel(roadshow_id):
    """Cancel a roadshow, telling every registrant why."""
    roadshow = managed(roadshow_id)
    form = CancelRoadshowForm()
    if form.validate_on_submit():
        try:
            roadshows.cancel_roadshow(roadshow, me(), form.reason.data)
        except ServiceError as error:
            flash_service_error(error)
            return redirect(url_for("events.detail", roadshow_id=roadshow.id))
        flash(_("The roadshow is cancelled and its registrants have been told."), "success")
        return redirect(url_for("events.detail", roadshow_id=roadshow.id))
    return render_form("events/cancel.html", form, roadshow=roadshow)


@bp.route("/manage/roadshows/<int:roadshow_id>/registrations")
@host_view
def registrations(roadshow_id):
    """Registrations by status, with approval and cancellation."""
    roadshow = managed(roadshow_id)
    items = db.session.scalars(select(Registration).where(Registration.roadshow_id == roadshow.id)
                               .options(selectinload(Registration.user))
                               .order_by(Registration.queued_at, Registration.id)).all()
    groups = {status: [r for r in items if r.status is status] for status in RegistrationStatus}
    return render_template("events/registrations.html", roadshow=roadshow, groups=groups,
                           seats_left=regs.seats_left(roadshow), action_form=ActionForm(),
                           RegistrationStatus=RegistrationStatus, RoadshowState=RoadshowState)


@bp.route("/manage/roadshows/<int:roadshow_id>/registrations/<int:registration_id>/"
          "<any(approve, reject, cancel):action>", methods=["POST"])
@host_view
def decide(roadshow_id, registration_id, action):
    """Approve, reject or cancel a registration."""
    roadshow = managed(roadshow_id)
    registration = load_or_404(Registration, registration_id, roadshow_id=roadshow.id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        if action == "approve":
            regs.approve(me(), registration)
        elif action == "reject":
            regs.reject(me(), registration)
        else:
            regs.cancel(me(), registration)
    except ServiceError as error:
        db.session.rollback()
        flash_service_error(error)
    else:
        flash({"approve": _("Approved."), "reject": _("Rejected."),
               "cancel": _("Registration cancelled.")}[action], "success")
    return redirect(url_for("events.registrations", roadshow_id=roadshow.id))


@bp.route("/manage/roadshows/<int:roadshow_id>/moderators", methods=["GET", "POST"])
@host_view
def moderators(roadshow_id):
    """The roadshow's moderators: add by e-mail, remove."""
    roadshow = managed(roadshow_id)
    form = ModeratorForm()
    if form.validate_on_submit():
        try:
            roadshows.add_moderator(me(), roadshow, form.email.data)
        except ServiceError as error:
            db.session.rollback()
            form.email.errors.append(error.message)
            return render_form("events/moderators.html", form, status=422, roadshow=roadshow,
                               action_form=ActionForm())
        flash(_("Moderator added."), "success")
        return redirect(url_for("events.moderators", roadshow_id=roadshow.id))
    return render_form("events/moderators.html", form, roadshow=roadshow, action_form=ActionForm())


@bp.route("/manage/roadshows/<int:roadshow_id>/moderators/<int:moderator_id>/remove",
          methods=["POST"])
@host_view
def remove_moderator(roadshow_id, moderator_id):
    """Remove a moderator."""
    roadshow = managed(roadshow_id)
    moderator = load_or_404(RoadshowModerator, moderator_id, roadshow_id=roadshow.id)
    if not ActionForm().validate_on_submit():
        abort(400)
    with flash_service_errors():
        roadshows.remove_moderator(me(), moderator)
        flash(_("Moderator removed."), "success")
    return redirect(url_for("events.moderators", roadshow_id=roadshow.id))
