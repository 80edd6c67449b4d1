"""The action's blueprint and pages: batches and enrolment, categories, units, public cases.

Plans, reports and dashboards are sub-packages whose ``routes`` add their pages to this blueprint
(``marketplace.blueprints`` imports them)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from marketplace.action import metrics as _metrics  # noqa: F401  (registers the action's metrics)
from marketplace.action import services, units
from marketplace.action import sources as _sources  # noqa: F401  (the platform features' figures)
from marketplace.action.forms import (
    AssignForm,
    BatchForm,
    CategoryForm,
    EmptyForm,
    UnitForm,
)
from marketplace.action.models import Batch, Enrolment, Plan, UniversityCategory, UniversityProfile
from marketplace.action.reports.models import Report, SecondaryUnit
from marketplace.action.reports.services import public_cases
from marketplace.errors import ServiceError
from marketplace.extensions import db
from marketplace.http import flash_service_error, flash_service_errors, load_or_404, me, render_form
from marketplace.listings.models import Listing, ListingState
from marketplace.orgs.models import Organisation, OrgKind, OrgStatus
from marketplace.permissions import admin_required, permission_required, require_same_org

bp = Blueprint("action", __name__, url_prefix="/action")


def _batches() -> list[Batch]:
    return list(db.session.scalars(select(Batch).order_by(Batch.number).options(
        selectinload(Batch.enrolments).selectinload(Enrolment.plan))))


@bp.route("/")
@permission_required("action.use")
def index():
    """The action: batches, and for a university its enrolment, plan and reports."""
    batches = _batches()
    if current_user.is_admin:
        return render_template("action/admin_index.html", batches=batches, form=EmptyForm())
    org_id = current_user.organisation_id
    enrolment = services.enrolment_of(org_id)
    reports = {r.year: r for r in db.session.scalars(select(Report).where(Report.organisation_id == org_id))}
    problems = {batch.id: services.enrol_problem(current_user, batch) for batch in batches}
    return render_template("action/index.html", batches=batches, enrolment=enrolment, reports=reports,
                           problems=problems, category=services.category_of(org_id), form=EmptyForm())


@bp.route("/batches/seed", methods=["POST"])
@admin_required
def seed_batches():
    """Create batch 1 and batch 2 as the notice sets them, if they are missing."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    created = services.seed_batches(me())
    flash(_("%(n)d batch(es) created from the notice.", n=created), "success")
    return redirect(url_for("action.index"))


@bp.route("/batches/<int:batch_id>", methods=["GET", "POST"])
@admin_required
def batch(batch_id):
    """A batch's settings and the universities enrolled in it."""
    batch = load_or_404(Batch, batch_id)
    form = BatchForm(obj=batch)
    if request.method == "GET":
        form.eligible_categories.data = list(batch.eligible_categories or [])
    if form.validate_on_submit():
        try:
            changed = services.update_batch(me(), batch, form.cleaned())
        except ServiceError as error:
            flash_service_error(error)
            return render_form("action/batch.html", form, batch=batch, status=error.status_code)
        flash(_("Saved.") if changed else _("Nothing was changed."), "success")
        return redirect(url_for("action.batch", batch_id=batch.id))
    return render_form("action/batch.html", form, batch=batch)


@bp.route("/batches/<int:batch_id>/enrol", methods=["POST"])
@permission_required("action.take_part")
def enrol(batch_id):
    """Enrol one's university in a batch."""
    batch = load_or_404(Batch, batch_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        enrolment = services.enrol(me(), batch)
    except ServiceError as error:
        flash_service_error(error)
        return redirect(url_for("action.index"))
    flash(_("Your university takes part in %(batch)s. Now write the implementation plan.",
            batch=batch.name), "success")
    return redirect(url_for("action.plan", plan_id=enrolment.plan.id))


@bp.route("/universities")
@admin_required
def universities():
    """Universities with their category in the action, enrolment and plan."""
    orgs = db.session.scalars(select(Organisation).where(
        Organisation.kind == OrgKind.UNIVERSITY, Organisation.status == OrgStatus.VERIFIED)
        .order_by(Organisation.name)).all()
    categories = dict(db.session.execute(select(UniversityProfile.organisation_id,
                                                UniversityProfile.category)).all())
    enrolments = {e.organisation_id: e for e in db.session.scalars(
        select(Enrolment).options(selectinload(Enrolment.plan), selectinload(Enrolment.batch)))}
    return render_template("action/universities.html", orgs=orgs, categories=categories,
                           enrolments=enrolments, form=CategoryForm(), default=UniversityCategory.OTHER)


@bp.route("/universities/<int:org_id>/category", methods=["POST"])
@admin_required
def set_category(org_id):
    """Set a university's category (demonstration, pilot, other)."""
    org = load_or_404(Organisation, org_id)
    form = CategoryForm()
    if not form.validate_on_submit():
        flash(_("Choose a category."), "error")
        return redirect(url_for("action.universities"))
    with flash_service_errors():
        services.set_category(me(), org, UniversityCategory(form.category.data))
        flash(_("%(org)s: category saved.", org=org.name), "success")
    return redirect(url_for("action.universities"))


@bp.route("/review")
@admin_required
def review_queue():
    """Plans and reports waiting for review, then every plan and report."""
    plans = db.session.scalars(select(Plan).join(Enrolment).options(
        selectinload(Plan.enrolment).selectinload(Enrolment.organisation),
        selectinload(Plan.versions)).order_by(Plan.updated_at.desc())).all()
    reports = db.session.scalars(select(Report).options(selectinload(Report.organisation))
                                 .order_by(Report.year.desc(), Report.id)).all()
    return render_template("action/review_queue.html", plans=plans, reports=reports)


@bp.route("/cases")
def cases():
    """Typical cases (典型案例) of approved annual reports, for everyone."""
    return render_template("action/cases.html", cases=public_cases())


@bp.route("/units", methods=["GET", "POST"])
@permission_required("action.take_part")
def unit_list():
    """The university's secondary units, and which listings belong to which."""
    org_id = current_user.organisation_id
    form = UnitForm()
    if form.validate_on_submit():
        with flash_service_errors():
            units.create_unit(me(), form.name.data)
            flash(_("Unit added."), "success")
            return redirect(url_for("action.unit_list"))
    listings = db.session.scalars(select(Listing).where(
        Listing.organisation_id == org_id, Listing.state != ListingState.WITHDRAWN)
        .order_by(Listing.id.desc())).all()
    all_units = units.units_of(org_id)
    assign_form = AssignForm()
    assign_form.unit_id.choices = [SelectChoice("", _("No unit"))] + [
        SelectChoice(str(u.id), u.name) for u in all_units]
    return render_form("action/units.html", form, units=all_units, counts=units.unit_counts(org_id),
                       listings=listings, by_listing=units.unit_by_listing(org_id),
                       assign_form=assign_form, empty_form=EmptyForm())


@bp.route("/units/<int:unit_id>/remove", methods=["POST"])
@permission_required("action.take_part")
def remove_unit(unit_id):
    """Remove a unit (its listings keep no unit)."""
    unit = load_or_404(SecondaryUnit, unit_id)
    require_same_org(unit.organisation_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    units.delete_unit(me(), unit)
    flash(_("Unit removed."), "info")
    return redirect(url_for("action.unit_list"))


@bp.route("/units/assign", methods=["POST"])
@permission_required("action.take_part")
def assign_units():
    """Give the chosen listings to a unit."""
    form = AssignForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        count = units.assign(me(), int(form.unit_id.data) if form.unit_id.data else None,
                             form.listing_ids.data or [])
    except (ServiceError, ValueError) as error:
        flash(getattr(error, "message", _("Choose a unit.")), "error")
    else:
        flash(_("%(n)d listing(s) updated.", n=count), "success")
    return redirect(url_for("action.unit_list"))

