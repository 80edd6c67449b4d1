"""The live room's page: the shell that room.js fills from the ``/live`` namespace."""

from flask import Blueprint, current_app, render_template, url_for
from flask_login import login_required

from events import stream
from events.models import Roadshow
from marketplace.http import load_or_404
from marketplace.permissions import can, require

bp = Blueprint("live", __name__)


@bp.route("/roadshows/<int:roadshow_id>/live")
@login_required
def room(roadshow_id):
    """The live room of a roadshow, for confirmed registrants and the host's staff."""
    roadshow = load_or_404(Roadshow, roadshow_id)
    require("events.view", roadshow, missing=404)
    require("events.enter_room", roadshow)
    embed = stream.embed_for(roadshow.stream_url)
    response = current_app.make_response(render_template(
        "events/room.html", roadshow=roadshow, embed=embed,
        moderator=can("events.moderate", roadshow),
        detail_url=url_for("events.detail", roadshow_id=roadshow.id)))
    if embed is not None:
        response.headers["Content-Security-Policy"] = stream.csp_allowing(embed)
    return response
