"""Implementation plans: the structured form, key projects, submission, review, versions, PDF."""

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from marketplace import kept_files
from marketplace.action import plan_files, services
from marketplace.action.forms import (
    PROJECTS_LABEL,
    SECTION_LABELS,
    TARGET_LABELS,
    EmptyForm,
    PlanForm,
    ProjectForm,
    ReviewForm,
)
from marketplace.action.models import PLAN_SECTIONS, PLAN_TARGETS, Plan, PlanProject, PlanState
from marketplace.action.routes import bp
from marketplace.db_types import utcnow
from marketplace.errors import ServiceError
from marketplace.http import download_caching, flash_service_error, flash_service_errors, load_or_404, me
from marketplace.permissions import admin_required, can, permission_required, require


def _plan(plan_id: int) -> Plan:
    """The plan, if the user is an admin or a tto of its university (others: 404)."""
    plan = load_or_404(Plan, plan_id)
    require("action.view_plan", plan, missing=404)
    return plan


def _project_form(plan: Plan, project: PlanProject | None = None) -> ProjectForm:
    form = ProjectForm(obj=project, prefix=f"p{project.id}" if project else "new")
    form.listing_ids.choices = [SelectChoice(li.id, f"{li.title}（{li.grade.value}）")
                                for li in services.selectable_listings(plan.enrolment.organisation_id)]
    if project is not None and request.method == "GET":
        form.listing_ids.data = [li.id for li in project.listings]
    return form


def _render(plan: Plan, form: PlanForm | None = None, project_form: ProjectForm | None = None,
            review_form: ReviewForm | None = None, status: int = 200):
    editing = plan.editable and can("action.edit_plan", plan)
    if project_form is None and editing:
        project_form = _project_form(plan)
    return render_template(
        "action/plan.html", plan=plan, form=form or PlanForm(obj=plan), editing=editing,
        sections=PLAN_SECTIONS, targets=PLAN_TARGETS, SECTION_LABELS=SECTION_LABELS,
        TARGET_LABELS=TARGET_LABELS, PROJECTS_LABEL=PROJECTS_LABEL, project_form=project_form,
        review_form=review_form or ReviewForm(), empty_form=EmptyForm(),
        late_now=services.is_late(plan.enrolment.batch, utcnow())), status


@bp.route("/plans/<int:plan_id>", methods=["GET", "POST"])
@permission_required("action.use")
def plan(plan_id):
    """The plan: its sections, projects and versions; the university edits it, admins review it."""
    plan = _plan(plan_id)
    if request.method == "GET":
        return _render(plan)
    require("action.edit_plan", plan)
    form = PlanForm()
    if not form.validate_on_submit():
        return _render(plan, form, status=422)
    try:
        changed = services.update_plan(me(), plan, form.cleaned())
    except ServiceError as error:
        flash_service_error(error)
        return _render(plan, form, status=error.status_code)
    flash(_("Saved.") if changed else _("Nothing was changed."), "success")
    return redirect(url_for("action.plan", plan_id=plan.id))


@bp.route("/plans/<int:plan_id>/projects", methods=["POST"])
@permission_required("action.take_part")
def add_project(plan_id):
    """Add a key project with its patent portfolio."""
    plan = _plan(plan_id)
    form = _project_form(plan)
    if not form.validate_on_submit():
        return _render(plan, project_form=form, status=422)
    try:
        services.save_project(me(), plan, form.cleaned())
    except ServiceError as error:
        flash_service_error(error)
        return _render(plan, project_form=form, status=error.status_code)
    flash(_("Key project added."), "success")
    return redirect(url_for("action.plan", plan_id=plan.id, _anchor="projects"))


def _project(plan: Plan, project_id: int) -> PlanProject:
    project = load_or_404(PlanProject, project_id, plan_id=plan.id)
    return project


@bp.route("/plans/<int:plan_id>/projects/<int:project_id>", methods=["GET", "POST"])
@permission_required("action.take_part")
def edit_project(plan_id, project_id):
    """Change a key project and its portfolio."""
    plan = _plan(plan_id)
    project = _project(plan, project_id)
    form = _project_form(plan, project)
    if form.validate_on_submit():
        with flash_service_errors():
            services.save_project(me(), plan, form.cleaned(), project)
            flash(_("Saved."), "success")
            return redirect(url_for("action.plan", plan_id=plan.id, _anchor="projects"))
    status = 422 if request.method == "POST" else 200
    return render_template("action/project.html", plan=plan, project=project, form=form), status


@bp.route("/plans/<int:plan_id>/projects/<int:project_id>/remove", methods=["POST"])
@permission_required("action.take_part")
def remove_project(plan_id, project_id):
    """Remove a key project."""
    plan = _plan(plan_id)
    project = _project(plan, project_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with flash_service_errors():
        services.remove_project(me(), plan, project)
        flash(_("Key project removed."), "info")
    return redirect(url_for("action.plan", plan_id=plan.id, _anchor="projects"))


@bp.route("/plans/<int:plan_id>/submit", methods=["POST"])
@permission_required("action.take_part")
def submit_plan(plan_id):
    """Submit (or resubmit) the plan for review."""
    plan = _plan(plan_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with flash_service_errors():
        version = services.submit_plan(me(), plan)
        message = _("Version %(n)d is submitted for review.", n=version.number)
        if version.late:
            message += " " + _("It was submitted after the deadline and is marked late.")
        flash(message, "success")
    return redirect(url_for("action.plan", plan_id=plan.id))


@bp.route("/plans/<int:plan_id>/review", methods=["POST"])
@admin_required
def review_plan(plan_id):
    """Approve the submitted plan, or return it for revision with a comment."""
    plan = _plan(plan_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        return _render(plan, review_form=form, status=422)
    decision = PlanState.APPROVED if form.decision.data == "approve" else PlanState.RETURNED
    with flash_service_errors():
        services.review_plan(me(), plan, decision, form.comment.data)
        flash(_("The plan is approved.") if decision is PlanState.APPROVED
              else _("The plan is returned to the university with your comment."), "success")
    return redirect(url_for("action.plan", plan_id=plan.id))


def _version(plan: Plan, number: int):
    version = next((v for v in plan.versions if v.number == number), None)
    if version is None:
        abort(404)
    return version


@bp.route("/plans/<int:plan_id>/versions/<int:number>")
@permission_required("action.use")
def plan_version(plan_id, number):
    """One submitted version of the plan, as it was submitted."""
    plan = _plan(plan_id)
    return render_template("action/plan_version.html", plan=plan, version=_version(plan, number),
                           SECTION_LABELS=SECTION_LABELS, TARGET_LABELS=TARGET_LABELS,
                           PROJECTS_LABEL=PROJECTS_LABEL, targets=PLAN_TARGETS)


@bp.route("/plans/<int:plan_id>/versions/<int:number>.pdf")
@permission_required("action.use")
def plan_pdf(plan_id, number):
    """Download a submitted version as a PDF."""
    plan = _plan(plan_id)
    version = _version(plan, number)
    content = plan_files.FILES.content(version, "pdf")
    if content is None:
        return kept_files.pending(
            _("The PDF of version %(number)d of the implementation plan is being made: try again "
              "in a minute.", number=version.number),
            url_for("action.plan_version", plan_id=plan.id, number=version.number),
            _("Back to the plan"))
    response = send_file(io.BytesIO(content), mimetype="application/pdf",
                         as_attachment=True, download_name=f"plan-{plan.id}-v{version.number}.pdf")
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return download_caching(response, public=False)
