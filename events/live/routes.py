"""The live room's page: the shell that room.js fills from the ``/live`` namespace."""

from flask import Blueprint, abort, current_app, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from events import services as roadshows
from events import stream
from events.models import Roadshow
from marketplace.http import load_or_404

bp = Blueprint("live", __name__)


@bp.route("/roadshows/<int:roadshow_id>/live")
@login_required
def room(roadshow_id):
    """The live room of a roadshow, for confirmed registrants and the host's staff."""
    roadshow = load_or_404(Roadshow, roadshow_id)
    if not roadshows.can_view(current_user, roadshow):
        abort(404)
    if not roadshows.can_enter_room(current_user, roadshow):
        abort(403, description=_("Only confirmed registrants and the host can enter this room."))
    embed = stream.embed_for(roadshow.stream_url)
    response = current_app.make_response(render_template(
        "events/room.html", roadshow=roadshow, embed=embed,
        moderator=roadshows.can_moderate(current_user, roadshow),
        detail_url=url_for("events.detail", roadshow_id=roadshow.id)))
    if embed is not None:
        response.headers["Content-Security-Policy"] = stream.csp_allowing(embed)
    return response
