"""Home page, dashboard and language switch (health checks: main/health_routes.py)."""

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from marketplace.accounts.models import Role
from marketplace.http import safe_next
from marketplace.listings import cache
from marketplace.main import home, workbench

bp = Blueprint("main", __name__)
#: What each member role does on the platform (the dashboard says it).
ROLE_DUTIES = {
    Role.TTO: _l("You manage your university's presence: its members, its patent and achievement "
                 "lists, interests from industry, roadshows and open licences."),
    Role.INVENTOR: _l("You see your own patents and achievements, the interest they draw, the "
                      "licences granted and your share of the income."),
    Role.INVESTOR: _l("You browse and follow university projects, express interest, and attend "
                      "roadshows to question inventors."),
    Role.COMPANY: _l("You post your technology needs, review matched patents, and accept open "
                     "licences, sign and pay online."),
}


@bp.route("/")
def index():
    """The public home page: search, new high-value listings, roadshows, open licences, figures."""
    def render(**overrides):
        return render_template("main/index.html", **home.page_data(), **overrides)
    return cache.page(render) or render()


@bp.route("/dashboard")
@login_required
def dashboard():
    """Your workbench: what waits for your action, newest first, each linking to where you act."""
    return render_template("main/dashboard.html", org=current_user.organisation,
                           sections=workbench.sections_for(current_user),
                           ROLE_DUTIES=ROLE_DUTIES)


@bp.route("/language", methods=["POST"])
def set_language():
    """Switch the interface language for this browser."""
    code = request.form.get("lang", "")
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(safe_next(request.form.get("next")) or url_for("main.index"))

