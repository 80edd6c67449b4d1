"""The video's HTTP side: nginx's callbacks (publish, publish done, record done, the HLS access
check) and the host's pages (turn video on, rotate the key, the replay's settings, the status of
the arriving stream)."""

import logging
import re

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from events.manage_routes import host_view, managed
from events.models import Roadshow
from events.video import services, status
from events.video.models import ReplayAudience
from marketplace.errors import ServiceError
from marketplace.extensions import csrf, db
from marketplace.http import flash_service_error, load_or_404, me
from marketplace.permissions import can, require

bp = Blueprint("video", __name__)
log = logging.getLogger(__name__)
#: ``/hls/rs7/index.m3u8``, ``/hls/rs7/12.ts``, ``/replay/rs7/3/00001.ts``.
_MEDIA_PATH = re.compile(r"^/(hls|replay)/rs(\d{1,12})/")


def _from_nginx() -> None:
    if request.remote_addr not in current_app.config["VIDEO_CALLBACK_ADDRESSES"]:
        abort(404)


@bp.route("/video/rtmp/publish", methods=["POST"])
@csrf.exempt
def on_publish():
    """nginx-rtmp ``on_publish`` (the stream name, and the key's secret in the argument ``k``):
    204 when the key is the roadshow's current one and it may go live, else 403."""
    _from_nginx()
    if "name" not in request.form:
        abort(400)  # not nginx-rtmp's callback
    try:
        services.authorize_publish(request.form.get("name", ""), request.form.get("k", ""))
    except services.PublishRefused as refused:
        db.session.rollback()
        log.warning("publish refused from %s: %s", request.form.get("addr", "?"), refused)
        return "", 403
    return "", 204


@bp.route("/video/rtmp/publish-done", methods=["POST"])
@csrf.exempt
def on_publish_done():
    """nginx-rtmp ``on_publish_done``: the stream stopped arriving."""
    _from_nginx()
    services.publish_done(request.form.get("name", ""))
    return "", 204


@bp.route("/video/rtmp/record-done", methods=["POST"])
@csrf.exempt
def on_record_done():
    """nginx-rtmp ``on_record_done``: the recording is written; the replay is made from it."""
    _from_nginx()
    services.recording_done(request.form.get("name", ""), request.form.get("path", ""))
    return "", 204


@bp.route("/video/auth")
def auth():
    """nginx ``auth_request`` for every playlist and segment: 204 if the session's user may
    watch that roadshow's live stream (``/hls``) or replay (``/replay``), else 401 or 403."""
    if "X-Original-URI" not in request.headers:
        abort(400)  # not nginx's auth_request
    match = _MEDIA_PATH.match(request.headers["X-Original-URI"])
    if match is None:
        return "", 403
    if not current_user.is_authenticated:
        return "", 401
    roadshow = db.session.get(Roadshow, int(match.group(2)))
    if roadshow is None or services.video_of(roadshow) is None:
        return "", 403
    action = "events.watch_live" if match.group(1) == "hls" else "events.watch_replay"
    return ("", 204) if can(action, roadshow) else ("", 403)


@bp.route("/roadshows/<int:roadshow_id>/video/status")
@login_required
def stream_status(roadshow_id):
    """For those who run the room: is the stream arriving, its bitrate and resolution (JSON)."""
    roadshow = load_or_404(Roadshow, roadshow_id)
    require("events.moderate", roadshow)
    return jsonify(status.of(roadshow))


# --- the host's page ----------------------------------------------------------------------------

@bp.route("/manage/roadshows/<int:roadshow_id>/video")
@host_view
def manage(roadshow_id):
    """The roadshow's own video: stream key, OBS settings, replay."""
    roadshow = managed(roadshow_id)
    video = services.video_of(roadshow)
    return render_template("events/video/manage.html", roadshow=roadshow, video=video,
                           key=services.stream_key(video) if video else None,
                           server_url=current_app.config["RTMP_PUBLIC_URL"],
                           audiences=list(ReplayAudience))


def _act(roadshow_id: int, action, message: str):
    roadshow = managed(roadshow_id)
    try:
        action(roadshow)
    except ServiceError as error:
        db.session.rollback()
        flash_service_error(error)
    else:
        flash(message, "success")
    return redirect(url_for("video.manage", roadshow_id=roadshow.id))


@bp.route("/manage/roadshows/<int:roadshow_id>/video/enable", methods=["POST"])
@host_view
def enable(roadshow_id):
    """Stream this roadshow through the platform (a stream key is made)."""
    return _act(roadshow_id, lambda roadshow: services.enable_video(me(), roadshow),
                _("The platform's live video is on. Enter the server and stream key in OBS."))


@bp.route("/manage/roadshows/<int:roadshow_id>/video/rotate", methods=["POST"])
@host_view
def rotate(roadshow_id):
    """A new stream key; the old one stops working."""
    return _act(roadshow_id, lambda roadshow: services.rotate_key(me(), roadshow),
                _("New stream key made; the old key no longer works."))


@bp.route("/manage/roadshows/<int:roadshow_id>/video/replay", methods=["POST"])
@host_view
def replay_settings(roadshow_id):
    """Publish or take down the replay and choose who may watch it."""
    published = request.form.get("published") == "1"
    try:
        audience = ReplayAudience(request.form.get("audience", ReplayAudience.REGISTRANTS.value))
    except ValueError:
        abort(400)
    return _act(roadshow_id, lambda roadshow: services.set_replay(
        me(), roadshow, published=published, audience=audience), _("Replay settings saved."))
