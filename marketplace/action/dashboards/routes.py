"""The national (admin) and university (tto) dashboards, and CSV / XLSX of their tables."""

import json

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_babel import pgettext
from flask_login import current_user

from marketplace import spreadsheets, timezones
from marketplace.action import exports
from marketplace.action.dashboards import figures as dashboards
from marketplace.action.routes import bp
from marketplace.db_types import utcnow
from marketplace.http import send_download
from marketplace.permissions import admin_required, permission_required

FIRST_YEAR = 2022
FORMATS = {"csv": spreadsheets.CSV_TYPE, "xlsx": spreadsheets.XLSX_TYPE}


def _years() -> list[int]:
    return list(range(utcnow().astimezone(timezones.BEIJING).year, FIRST_YEAR - 1, -1))


def _year() -> int:
    years = _years()
    year = request.args.get("year", type=int)
    return year if year in years else years[0]


def _page(org_id: int | None, title: str, export_endpoint: str):
    year = _year()
    data = dashboards.build(year, org_id)
    charts = {key: json.dumps(chart, ensure_ascii=False) for key, chart in data["charts"].items()}
    return render_template("action/dashboard.html", data=data, charts=charts, year=year,
                           years=_years(), title=title, export_endpoint=export_endpoint,
                           national=org_id is None)


def _export(org_id: int | None, table_key: str, fmt: str, title: str):
    if fmt not in FORMATS:
        abort(404)
    year = _year()
    table = next((t for t in dashboards.build(year, org_id)["tables"] if t.key == table_key), None)
    if table is None:
        abort(404)
    if fmt == "csv":
        content = exports.table_csv(table)
    else:
        scope = current_user.organisation.name if org_id is not None else title
        content = exports.table_xlsx(
            table, title=_("%(dashboard)s: %(table)s (%(year)d)", dashboard=title,
                           table=table.title, year=year),
            about=[(pgettext("about this file", "Dashboard"), scope), (_("Year"), year),
                   (pgettext("about this file", "Exported (China Standard Time)"),
                    utcnow().astimezone(timezones.BEIJING))])
    scope_key = "national" if org_id is None else f"org-{org_id}"
    return send_download(content, mimetype=FORMATS[fmt], name=f"{title}-{table.title}-{year}.{fmt}",
                         ascii_name=f"bxqx-dashboard-{scope_key}-{table_key}-{year}.{fmt}")


@bp.route("/dashboard")
@admin_required
def national_dashboard():
    """The national dashboard: conversions, supply, top universities, roadshow reach, units."""
    return _page(None, _("National dashboard"), "action.national_export")


@bp.route("/dashboard/<table_key>.<fmt>")
@admin_required
def national_export(table_key, fmt):
    """A table of the national dashboard as CSV or XLSX."""
    return _export(None, table_key, fmt, _("National dashboard"))


@bp.route("/our-dashboard")
@permission_required("action.take_part")
def university_dashboard():
    """The university's own dashboard."""
    return _page(current_user.organisation_id, _("Our dashboard"), "action.university_export")


@bp.route("/our-dashboard/<table_key>.<fmt>")
@permission_required("action.take_part")
def university_export(table_key, fmt):
    """A table of the university's dashboard as CSV or XLSX."""
    return _export(current_user.organisation_id, table_key, fmt, _("Our dashboard"))
