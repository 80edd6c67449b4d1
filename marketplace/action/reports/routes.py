"""Annual reports (实施成效): figures from the platform, narrative, typical cases, review."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from marketplace.action import registry
from marketplace.action.forms import CaseForm, EmptyForm, ReportForm, ReviewForm
from marketplace.action.reports import services as reports
from marketplace.action.reports.models import Report, ReportState, TypicalCase
from marketplace.action.routes import bp
from marketplace.action.services import selectable_listings
from marketplace.errors import ServiceError
from marketplace.http import flash_service_error, flash_service_errors, load_or_404, me
from marketplace.permissions import admin_required, can, permission_required, require


def _report(report_id: int) -> Report:
    """The report, if the user is an admin or a tto of its university (others: 404)."""
    report = load_or_404(Report, report_id)
    require("action.view_report", report, missing=404)
    return report


def _case_form(report: Report, form: CaseForm | None = None) -> CaseForm:
    form = form or CaseForm()
    deals = registry.deals(report.organisation_id, report.year)
    used = {case.deal_key for case in report.cases}
    form.deal_key.choices = [SelectChoice("", _("No recorded deal: describe it by hand"))] + [
        SelectChoice(d.key, f"{d.concluded_on.isoformat()} {d.title}") for d in deals if d.key not in used]
    form.listing_id.choices = [SelectChoice("", "—")] + [
        SelectChoice(str(li.id), li.title) for li in selectable_listings(report.organisation_id)]
    return form


def _render(report: Report, form: ReportForm | None = None, case_form: CaseForm | None = None,
            review_form: ReviewForm | None = None, status: int = 200):
    editing = report.editable and can("action.edit_report", report)
    return render_template(
        "action/report.html", report=report, figures=reports.report_figures(report), editing=editing,
        form=form or ReportForm(obj=report),
        case_form=_case_form(report, case_form) if editing else None,
        review_form=review_form or ReviewForm(), empty_form=EmptyForm()), status


@bp.route("/reports/start", methods=["POST"])
@permission_required("action.take_part")
def start_report():
    """Open the university's report of a year (or the one already started)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        report = reports.start_report(me(), request.form.get("year", type=int) or 0)
    except ServiceError as error:
        flash_service_error(error)
        return redirect(url_for("action.index"))
    return redirect(url_for("action.report", report_id=report.id))


@bp.route("/reports/<int:report_id>", methods=["GET", "POST"])
@permission_required("action.use")
def report(report_id):
    """The annual report: pre-filled figures, narrative and typical cases."""
    report = _report(report_id)
    if request.method == "GET":
        return _render(report)
    require("action.edit_report", report)
    form = ReportForm()
    if not form.validate_on_submit():
        return _render(report, form, status=422)
    declared = {m.key: request.form.get(f"figure-{m.key}", "") for m in registry.metrics()}
    try:
        reports.save_report(me(), report, form.narrative.data, declared)
    except ServiceError as error:
        flash_service_error(error)
        return _render(report, form, status=error.status_code if error.status_code != 400 else 422)
    flash(_("Saved."), "success")
    return redirect(url_for("action.report", report_id=report.id))


@bp.route("/reports/<int:report_id>/submit", methods=["POST"])
@permission_required("action.take_part")
def submit_report(report_id):
    """Submit the report; its figures are frozen."""
    report = _report(report_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with flash_service_errors():
        reports.submit_report(me(), report)
        flash(_("The report is submitted for review."), "success")
    return redirect(url_for("action.report", report_id=report.id))


@bp.route("/reports/<int:report_id>/review", methods=["POST"])
@admin_required
def review_report(report_id):
    """Approve the report (its typical cases go public) or return it with a comment."""
    report = _report(report_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        return _render(report, review_form=form, status=422)
    decision = ReportState.APPROVED if form.decision.data == "approve" else ReportState.RETURNED
    with flash_service_errors():
        reports.review_report(me(), report, decision, form.comment.data)
        flash(_("The report is approved; its typical cases are public.")
              if decision is ReportState.APPROVED
              else _("The report is returned to the university with your comment."), "success")
    return redirect(url_for("action.report", report_id=report.id))


@bp.route("/reports/<int:report_id>/cases", methods=["POST"])
@permission_required("action.take_part")
def add_case(report_id):
    """Add a typical case from a recorded deal, or described by hand with its listing."""
    report = _report(report_id)
    form = _case_form(report)
    if not form.validate_on_submit():
        return _render(report, case_form=form, status=422)
    try:
        reports.add_case(me(), report, form.title.data, form.narrative.data,
                         deal_key=form.deal_key.data or None,
                         listing_id=int(form.listing_id.data) if form.listing_id.data else None)
    except (ServiceError, ValueError) as error:
        flash(getattr(error, "message", _("Choose the deal or the listing the case is about.")), "error")
        return _render(report, case_form=form, status=getattr(error, "status_code", 422))
    flash(_("Typical case added."), "success")
    return redirect(url_for("action.report", report_id=report.id, _anchor="cases"))


@bp.route("/reports/<int:report_id>/cases/<int:case_id>/remove", methods=["POST"])
@permission_required("action.take_part")
def remove_case(report_id, case_id):
    """Remove a typical case from the report."""
    report = _report(report_id)
    case = load_or_404(TypicalCase, case_id, report_id=report.id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with flash_service_errors():
        reports.remove_case(me(), report, case)
        flash(_("Typical case removed."), "info")
    return redirect(url_for("action.report", report_id=report.id, _anchor="cases"))
