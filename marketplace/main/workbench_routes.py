"""What a user does on the workbench itself (on the ``main`` blueprint)."""

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from marketplace.accounts.models import Role
from marketplace.http import me
from marketplace.interests import services as interests
from marketplace.main.routes import bp
from marketplace.permissions import roles_required


@bp.route("/dashboard/interest-seen", methods=["POST"])
@roles_required(Role.INVENTOR)
def interests_seen():
    """An inventor marks the new interest in their listings seen."""
    if FlaskForm().validate_on_submit():
        interests.mark_interest_seen(me())
        flash(_("Marked as seen. New interest will show here again."), "success")
    return redirect(url_for("main.dashboard"))
