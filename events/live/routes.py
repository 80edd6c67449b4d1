"""The live room's page: the shell that room.js fills from the ``/live`` namespace; going live
from a page (the early start's confirmation)."""

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from events import services as roadshows
from events import stream
from events.forms import GoLiveForm
from events.live import bus, log, moderation, refusals
from events.live.services import RoomError
from events.models import Roadshow
from events.video import pages as video_pages
from marketplace.db_types import utcnow
from marketplace.http import load_or_404, me
from marketplace.permissions import can, require

bp = Blueprint("live", __name__)


@bp.route("/roadshows/<int:roadshow_id>/live")
@login_required
def room(roadshow_id):
    """The live room of a roadshow, for confirmed registrants and the host's staff."""
    roadshow = load_or_404(Roadshow, roadshow_id)
    require("events.view", roadshow, missing=404)
    replay = video_pages.replay_for(roadshow)
    if replay is not None:  # after the event: the recording and its Q&A timeline
        response = current_app.make_response(render_template(
            "events/video/replay.html", roadshow=roadshow, replay=replay,
            detail_url=url_for("events.detail", roadshow_id=roadshow.id)))
        response.headers["Content-Security-Policy"] = video_pages.video_csp()
        return response
    if not can("events.enter_room", roadshow):
        # Still a 403, but a page that says why and offers the next step (docs/realtime.md §1).
        return render_template("events/room_refused.html", roadshow=roadshow,
                               reason=refusals.why_not(current_user, roadshow)), 403
    live_video = video_pages.live_for(roadshow)
    embed = None if live_video else stream.embed_for(roadshow.stream_url)
    response = current_app.make_response(render_template(
        "events/room.html", roadshow=roadshow, embed=embed, live_video=live_video,
        moderator=can("events.moderate", roadshow), go_live_form=GoLiveForm(),
        early_seconds=max(0, int((roadshow.starts_at - roadshows.EARLY_START_WINDOW
                                  - utcnow()).total_seconds())),
        early_question=roadshows.early_start_question(roadshow),
        detail_url=url_for("events.detail", roadshow_id=roadshow.id)))
    if embed is not None:
        response.headers["Content-Security-Policy"] = stream.csp_allowing(embed)
    elif live_video is not None:
        response.headers["Content-Security-Policy"] = video_pages.video_csp()
    return response


@bp.route("/roadshows/<int:roadshow_id>/live/go", methods=["POST"])
@login_required
def go_live(roadshow_id):
    """Go live from a page: asks first when it is well before the scheduled start."""
    roadshow = load_or_404(Roadshow, roadshow_id)
    require("events.view", roadshow, missing=404)
    require("events.moderate", roadshow)
    form = GoLiveForm()  # the CSRF token was checked before the view (CSRFProtect)
    room = url_for("live.room", roadshow_id=roadshow.id)
    if roadshows.starts_early(roadshow) and not form.confirm.data:
        return render_template("events/go_live.html", roadshow=roadshow, form=form,
                               question=roadshows.early_start_question(roadshow), room_url=room)
    log.ensure_room(roadshow.id)  # made on the first connection; the page may come first
    try:
        result = moderation.go_live(roadshow, me(), {"confirm": bool(form.confirm.data)})
    except RoomError as error:
        flash(error.message, "error")
        return redirect(room)
    bus.publish(result.events)
    flash(_("The roadshow is live."), "success")
    return redirect(room)
