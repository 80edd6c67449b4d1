"""Bulk import of listings from XLSX or CSV."""


from flask import Blueprint, abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.errors import ServiceError
from marketplace.http import (
    flash_service_error,
    flash_service_errors,
    load_or_404,
    me,
    render_form,
    send_download,
)
from marketplace.listings.imports import jobs as _jobs  # noqa: F401  (registers the import's job functions)
from marketplace.listings.imports import services as importer
from marketplace.listings.imports import template as import_template
from marketplace.listings.imports.forms import ImportRunForm, ImportUploadForm
from marketplace.listings.imports.models import ImportBatch, ImportState
from marketplace.pagination import paginate
from marketplace.permissions import can, roles_required, verified_org_required
from marketplace.spreadsheets import XLSX_TYPE

bp = Blueprint("imports", __name__, url_prefix="/manage/imports")
XLSX = XLSX_TYPE
#: Problems shown on the report page (the counts always cover all of them).
PROBLEMS_SHOWN = 1000


def _batch(batch_id: int) -> ImportBatch:
    batch = load_or_404(ImportBatch, batch_id)
    if not can("listings.manage_import", batch):
        abort(403, description=_("This import belongs to another university."))
    return batch


@bp.route("")
@roles_required(Role.TTO)
@verified_org_required
def index():
    """Your university's imports, newest first."""
    query = (select(ImportBatch).where(ImportBatch.organisation_id == current_user.organisation_id)
             .order_by(ImportBatch.created_at.desc(), ImportBatch.id.desc()))
    page = paginate(query, per_page=50)
    return render_template("imports/index.html", page=page)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.TTO)
@verified_org_required
def upload():
    """Upload a filled-in template; every row is checked and reported."""
    form = ImportUploadForm()
    if form.validate_on_submit():
        upload_file = form.file.data
        try:
            batch = importer.upload(me(), upload_file.stream, upload_file.filename)
        except ServiceError as error:
            flash_service_error(error)
            return render_form("imports/upload.html", form, status=error.status_code)
        if batch.state is ImportState.VALIDATING:
            flash(_("The file has %(n)d rows; they are being checked in the background.",
                    n=batch.total_rows), "info")
        else:
            flash(_("The file is checked: %(valid)d of %(total)d rows are valid.",
                    valid=batch.valid_rows, total=batch.total_rows), "success")
        return redirect(url_for("imports.report", batch_id=batch.id))
    return render_form("imports/upload.html", form)


@bp.route("/template.xlsx")
@roles_required(Role.TTO)
@verified_org_required
def template():
    """Download the XLSX template with its instructions."""
    return send_download(import_template.build(), mimetype=XLSX,
                         name=_("listings-import-template") + ".xlsx",
                         ascii_name="bxqx-listings-import-template.xlsx")


@bp.route("/<int:batch_id>")
@roles_required(Role.TTO)
@verified_org_required
def report(batch_id):
    """The report of an import: counts, problems by row and column, and what to do next."""
    batch = _batch(batch_id)
    return render_template("imports/report.html", batch=batch, form=ImportRunForm(),
                           busy=importer.busy(batch), job=importer.active_job(batch) or batch.job,
                           problems=(batch.problems or [])[:PROBLEMS_SHOWN], ImportState=ImportState)


@bp.route("/<int:batch_id>/status.json")
@roles_required(Role.TTO)
@verified_org_required
def status(batch_id):
    """The state and job progress of an import, for the progress bar."""
    batch = _batch(batch_id)
    active = importer.active_job(batch)
    job = active or batch.job
    return jsonify({
        "state": batch.state.value,
        "done": active is None and batch.state is not ImportState.VALIDATING,
        "job": None if job is None else {"name": job.name, "state": job.state.value,
                                         "progress": job.progress, "total": job.total,
                                         "percent": job.percent, "error": job.error},
    })


@bp.route("/<int:batch_id>/import", methods=["POST"])
@roles_required(Role.TTO)
@verified_org_required
def run_import(batch_id):
    """Import the valid rows of a checked file (all of them or none)."""
    batch = _batch(batch_id)
    form = ImportRunForm()
    if not form.validate_on_submit():
        abort(400)
    with flash_service_errors():
        done = importer.import_valid_rows(me(), batch, publish=form.publish.data)
        if not done:
            flash(_("The rows are being imported in the background."), "info")
        elif form.publish.data:
            flash(_("%(n)d listings were imported and published.", n=batch.imported_rows), "success")
        else:
            flash(_("%(n)d listings were imported as drafts. Check them, then publish them.",
                    n=batch.imported_rows), "success")
    return redirect(url_for("imports.report", batch_id=batch_id))


@bp.route("/<int:batch_id>/discard", methods=["POST"])
@roles_required(Role.TTO)
@verified_org_required
def discard(batch_id):
    """Discard a checked file without importing anything."""
    batch = _batch(batch_id)
    form = ImportRunForm()
    if not form.validate_on_submit():
        abort(400)
    with flash_service_errors():
        importer.discard(me(), batch)
        flash(_("The file is discarded; nothing was imported."), "info")
    return redirect(url_for("imports.report", batch_id=batch_id))
