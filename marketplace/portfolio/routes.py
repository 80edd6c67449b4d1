"""The portfolio pages: fees falling due, a patent's grading and maintenance, and the portfolio
map against demand for a university and for the action."""

import json

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, pgettext
from flask_babel import gettext as _
from flask_login import current_user

from marketplace import spreadsheets, timezones
from marketplace.action import exports
from marketplace.action.dashboards.figures import Table
from marketplace.db_types import utcnow
from marketplace.http import flash_service_errors, load_or_404, me, send_download
from marketplace.listings.forms import GRADE_LABELS
from marketplace.listings.models import Grade, Listing
from marketplace.permissions import login_required, permission_required, require
from marketplace.portfolio import demo as _demo  # noqa: F401  (adds the demo loader)
from marketplace.portfolio import navigation, queries
from marketplace.portfolio import services as portfolio
from marketplace.portfolio.fees import HORIZON_DAYS, next_due
from marketplace.portfolio.forms import CHOICE_LABELS, FeeDueForm, MaintenanceForm, RegradeForm
from marketplace.portfolio.models import MaintenanceChoice
from marketplace.portfolio.queries import SORTS, LicenceSituation

bp = Blueprint("portfolio", __name__)
FORMATS = {"csv": spreadsheets.CSV_TYPE, "xlsx": spreadsheets.XLSX_TYPE}


def situation_label(situation: LicenceSituation) -> str:
    return {LicenceSituation.LICENSED: _("Licensed"),
            LicenceSituation.OPEN_DECLARED: _("Open licence declared"),
            LicenceSituation.UNLICENSED: _("Not licensed")}[situation]


def _sort() -> str:
    sort = request.args.get("sort", "due")
    return sort if sort in SORTS else "due"


def _fees_table(rows) -> Table:
    columns = [("due_on", _("Fee due on")), ("days", _("Days left")), ("title", _("Patent")),
               ("number", _("Patent number")), ("grade", _("Grade")), ("interests", _("Interests")),
               ("licence", _("Licence state")), ("decision", _("Maintenance decision"))]
    data = [{"due_on": row.due_on, "days": row.days_left, "title": row.listing.title,
             "number": row.listing.patent_number or "", "grade": row.listing.grade.value,
             "interests": row.interests, "licence": situation_label(row.situation),
             "decision": str(CHOICE_LABELS[row.decision.choice]) if row.decision else ""}
            for row in rows]
    return Table("fees-due", _("Annual fees due in the next %(days)d days", days=HORIZON_DAYS),
                 columns, data)


def _download(table: Table, fmt: str, name: str):
    if fmt not in FORMATS:
        abort(404)
    today = timezones.today()
    if fmt == "csv":
        content = exports.table_csv(table)
    else:
        content = exports.table_xlsx(table, title=table.title, about=[
            (pgettext("about this file", "Exported (China Standard Time)"),
             utcnow().astimezone(timezones.BEIJING))])
    return send_download(content, mimetype=FORMATS[fmt],
                         name=f"{table.title}-{today.isoformat()}.{fmt}",
                         ascii_name=f"bxqx-{name}.{fmt}")


@bp.route("/manage/portfolio/fees-due")
@permission_required("portfolio.view")
def fees_due():
    """The university's patents whose annual fee falls due in the next 90 days."""
    today = timezones.today()
    rows = queries.fees_due(current_user.organisation_id, today, sort=_sort())
    return render_template("portfolio/fees_due.html", rows=rows, sort=_sort(), today=today,
                           days=HORIZON_DAYS, let_go=queries.low_grade_unlicensed(rows),
                           situation_label=situation_label, choice_labels=CHOICE_LABELS)


@bp.route("/manage/portfolio/fees-due.<fmt>")
@permission_required("portfolio.view")
def fees_due_export(fmt):
    """The fees-due list as CSV or XLSX, in the order shown."""
    today = timezones.today()
    rows = queries.fees_due(current_user.organisation_id, today, sort=_sort())
    return _download(_fees_table(rows), fmt, f"fees-due-{today.isoformat()}")


def _patent(listing_id: int) -> Listing:
    listing = load_or_404(Listing, listing_id)
    require("portfolio.manage", listing, missing=404)
    return listing


def _patent_page(listing: Listing, status: int = 200, **forms):
    today = timezones.today()
    forms.setdefault("regrade_form", RegradeForm(formdata=None, prefix="regrade"))
    forms.setdefault("maintenance_form", MaintenanceForm(formdata=None, prefix="decision"))
    forms.setdefault("fee_form", FeeDueForm(formdata=None, prefix="fee",
                                            fee_due_on=listing.fee_due_override))
    return render_template("portfolio/patent.html", listing=listing, due=next_due(listing, today),
                           history=queries.grade_history(listing.id),
                           decisions=queries.decisions(listing.id), choice_labels=CHOICE_LABELS,
                           grade_labels=GRADE_LABELS, **forms), status


@bp.route("/manage/portfolio/patents/<int:listing_id>")
@login_required
def patent(listing_id):
    """A patent's grade history and maintenance decisions, with the forms to change them."""
    return _patent_page(_patent(listing_id))


@bp.route("/manage/portfolio/patents/<int:listing_id>/grade", methods=["POST"])
@login_required
def regrade(listing_id):
    """Regrade a patent with a reason."""
    listing = _patent(listing_id)
    form = RegradeForm(prefix="regrade")
    if not form.validate():
        return _patent_page(listing, 422, regrade_form=form)
    with flash_service_errors():
        portfolio.regrade(me(), listing, Grade(form.grade.data), form.reason.data)
        flash(_("Grade changed to %(grade)s; the reason is in the history.",
                grade=form.grade.data), "success")
    return redirect(url_for("portfolio.patent", listing_id=listing.id))


@bp.route("/manage/portfolio/patents/<int:listing_id>/maintenance", methods=["POST"])
@login_required
def maintenance(listing_id):
    """Record a maintenance decision: keep paying, open-license or abandon."""
    listing = _patent(listing_id)
    form = MaintenanceForm(prefix="decision")
    if not form.validate():
        return _patent_page(listing, 422, maintenance_form=form)
    with flash_service_errors():
        decision = portfolio.decide_maintenance(me(), listing, MaintenanceChoice(form.choice.data),
                                                form.reason.data, form.fee_due_on.data)
        flash(_("Decision recorded for the fee due on %(day)s.",
                day=format_date(decision.fee_due_on)), "success")
    return redirect(url_for("portfolio.patent", listing_id=listing.id))


@bp.route("/manage/portfolio/patents/<int:listing_id>/fee-due", methods=["POST"])
@login_required
def fee_due(listing_id):
    """Set the next annual fee due date explicitly, or go back to the filing anniversary."""
    listing = _patent(listing_id)
    form = FeeDueForm(prefix="fee")
    if not form.validate():
        return _patent_page(listing, 422, fee_form=form)
    with flash_service_errors():
        portfolio.set_fee_due(me(), listing, form.fee_due_on.data)
        flash(_("Annual fee due date saved."), "success")
    return redirect(url_for("portfolio.patent", listing_id=listing.id))


def _map_page(org_id: int | None, title: str, export_endpoint: str):
    data = navigation.build(org_id)
    charts = {key: json.dumps(chart, ensure_ascii=False) for key, chart in data["charts"].items()}
    return render_template("portfolio/map.html", data=data, charts=charts, title=title,
                           export_endpoint=export_endpoint, national=org_id is None)


def _map_export(org_id: int | None, table_key: str, fmt: str):
    table = next((t for t in navigation.build(org_id)["tables"] if t.key == table_key), None)
    if table is None:
        abort(404)
    return _download(table, fmt, f"patent-map-{table_key}-{timezones.today().isoformat()}")


@bp.route("/manage/portfolio/map")
@permission_required("portfolio.view")
def university_map():
    """The university's patents by field and IPC subclass beside the platform's demand."""
    return _map_page(current_user.organisation_id, _("Our patent map against demand"),
                     "portfolio.university_map_export")


@bp.route("/manage/portfolio/map/<table_key>.<fmt>")
@permission_required("portfolio.view")
def university_map_export(table_key, fmt):
    """A table of the university's patent map as CSV or XLSX."""
    return _map_export(current_user.organisation_id, table_key, fmt)


@bp.route("/action/patent-map")
@permission_required("portfolio.national")
def national_map():
    """The action's patents by field and IPC subclass beside the platform's demand."""
    return _map_page(None, _("National patent map against demand"), "portfolio.national_map_export")


@bp.route("/action/patent-map/<table_key>.<fmt>")
@permission_required("portfolio.national")
def national_map_export(table_key, fmt):
    """A table of the national patent map as CSV or XLSX."""
    return _map_export(None, table_key, fmt)
