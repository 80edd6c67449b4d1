"""Home page, dashboard, language switch and health check."""

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select, text

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.http import safe_next
from marketplace.orgs.models import Organisation, OrgKind, OrgStatus

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    """The public home page of the action."""
    counts = dict(db.session.execute(
        select(Organisation.kind, func.count()).where(Organisation.status == OrgStatus.VERIFIED)
        .group_by(Organisation.kind)).all())
    return render_template("main/index.html", counts=counts, OrgKind=OrgKind)


@bp.route("/dashboard")
@login_required
def dashboard():
    """Your workbench: organisation status and what your role can do next."""
    if current_user.role is Role.ADMIN:
        return redirect(url_for("admin.dashboard"))
    return render_template("main/dashboard.html", org=current_user.organisation, Role=Role)


@bp.route("/language", methods=["POST"])
def set_language():
    """Switch the interface language for this browser."""
    code = request.form.get("lang", "")
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(safe_next(request.form.get("next")) or url_for("main.index"))


@bp.route("/healthz")
def healthz():
    """Liveness and database check for load balancers."""
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")
