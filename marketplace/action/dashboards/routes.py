"""The national (admin) and university (tto) dashboards, and CSV / XLSX of their tables."""

import io
import json

from flask import abort, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user

from marketplace import timezones
from marketplace.action import exports
from marketplace.action.dashboards import figures as dashboards
from marketplace.action.routes import bp
from marketplace.db_types import utcnow
from marketplace.http import download_caching
from marketplace.permissions import admin_required, permission_required

FIRST_YEAR = 2022
FORMATS = {"csv": "text/csv; charset=utf-8", "xlsx": exports.XLSX_TYPE}


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


def _export(org_id: int | None, table_key: str, fmt: str):
    if fmt not in FORMATS:
        abort(404)
    year = _year()
    table = next((t for t in dashboards.build(year, org_id)["tables"] if t.key == table_key), None)
    if table is None:
        abort(404)
    content = exports.table_csv(table) if fmt == "csv" else exports.table_xlsx(table)
    response = send_file(io.BytesIO(content), mimetype=FORMATS[fmt], as_attachment=True,
                         download_name=f"{table_key}-{year}.{fmt}")
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return download_caching(response, public=False)


@bp.route("/dashboard")
@admin_required
def national_dashboard():
    """The national dashboard: conversions, supply, top universities, roadshow reach, units."""
    return _page(None, _("National dashboard"), "action.national_export")


@bp.route("/dashboard/<table_key>.<fmt>")
@admin_required
def national_export(table_key, fmt):
    """A table of the national dashboard as CSV or XLSX."""
    return _export(None, table_key, fmt)


@bp.route("/our-dashboard")
@permission_required("action.take_part")
def university_dashboard():
    """The university's own dashboard."""
    return _page(current_user.organisation_id, _("Our dashboard"), "action.university_export")


@bp.route("/our-dashboard/<table_key>.<fmt>")
@permission_required("action.take_part")
def university_export(table_key, fmt):
    """A table of the university's dashboard as CSV or XLSX."""
    return _export(current_user.organisation_id, table_key, fmt)
