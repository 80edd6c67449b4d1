"""State changes of a roadshow's own video: turning it on, rotating the stream key, nginx's
publish callbacks (accept or refuse, stream start and end, recording written), the replay's
settings. Each is one function that commits; views and nginx's callbacks call nothing else.
"""

import hashlib
import hmac
import logging
import re
import secrets
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from events.models import Roadshow, RoadshowState
from events.services import TRANSITIONS
from events.video.models import ReplayAudience, RoadshowVideo, VideoSession
from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.db_types import utcnow
from marketplace.errors import InvalidTransition
from marketplace.extensions import db
from marketplace.jobs import services as jobs
from marketplace.permissions import check

log = logging.getLogger(__name__)

#: The stream name, ``rs<roadshow id>``; the key's secret (32 hex, 128 bits) is its argument ``k``.
_NAME = re.compile(r"^rs(\d{1,12})$")
_SECRET = re.compile(r"^[0-9a-f]{32}$")
REPLAY_JOB = "video.replay"


class PublishRefused(Exception):
    """nginx must refuse this publish (wrong or rotated key, or a roadshow that may not go live).
    The reason is for our log; nginx only ever hears 403."""


def may_publish(roadshow: Roadshow) -> bool:
    """The stream may arrive while the roadshow is live, or before, while it may still go live
    (a published roadshow: the host's sound check, seen by the host and moderators only)."""
    return roadshow.state is RoadshowState.LIVE or (roadshow.state, "go_live") in TRANSITIONS


# --- the key --------------------------------------------------------------------------------

def stream_key(video: RoadshowVideo) -> str:
    """The roadshow's secret stream key, as typed into OBS (derived, never stored): the stream
    name and the secret as its argument, ``rs7?k=<32 hex>``. nginx-rtmp keeps the argument out
    of the stream's name, so the secret is in no file name, URL or log."""
    return f"{video.stream_name}?k={_mac(video.roadshow_id, video.key_nonce)}"


def _mac(roadshow_id: int, nonce: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    message = f"roadshow-stream-key:{roadshow_id}:{nonce}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


def video_of(roadshow: Roadshow) -> RoadshowVideo | None:
    return db.session.get(RoadshowVideo, roadshow.id)


def enable_video(actor: User, roadshow: Roadshow) -> RoadshowVideo:
    """The host streams this roadshow through the platform: a stream key is made."""
    check("events.manage", roadshow, actor=actor)
    if roadshow.state.is_over:
        raise InvalidTransition(_("This roadshow is over; its video can no longer be set up."))
    video = video_of(roadshow)
    if video is not None:
        return video
    video = RoadshowVideo(roadshow_id=roadshow.id, key_nonce=secrets.token_hex(16),
                          key_rotated_at=utcnow())
    db.session.add(video)
    audit.record("roadshow.video_enabled", actor=actor, target=roadshow)
    db.session.commit()
    return video


def rotate_key(actor: User, roadshow: Roadshow) -> RoadshowVideo:
    """A new stream key; the old one is refused from now on (a stream already arriving goes on
    until it stops)."""
    check("events.manage", roadshow, actor=actor)
    video = video_of(roadshow)
    if video is None:
        raise InvalidTransition(_("This roadshow does not use the platform's video."))
    video.key_nonce, video.key_rotated_at = secrets.token_hex(16), utcnow()
    audit.record("roadshow.video_key_rotated", actor=actor, target=roadshow)
    db.session.commit()
    return video


def set_replay(actor: User, roadshow: Roadshow, *, published: bool,
               audience: ReplayAudience) -> RoadshowVideo:
    """Publish or take down the replay, and say who may watch it."""
    check("events.manage", roadshow, actor=actor)
    video = video_of(roadshow)
    if video is None:
        raise InvalidTransition(_("This roadshow does not use the platform's video."))
    if (video.replay_published, video.replay_audience) == (published, audience):
        return video
    video.replay_published, video.replay_audience = published, audience
    audit.record("roadshow.replay_changed", actor=actor, target=roadshow, published=published,
                 audience=audience.value)
    db.session.commit()
    return video


# --- nginx's callbacks ----------------------------------------------------------------------

def authorize_publish(name: str, secret: str) -> VideoSession:
    """nginx's ``on_publish``: the session started when ``secret`` is the current key's for the
    roadshow named and the roadshow may go live; else ``PublishRefused``. Its start is time 0
    of the replay."""
    roadshow_id = roadshow_id_of(name)
    if roadshow_id is None or not _SECRET.match(secret or ""):
        raise PublishRefused("not a stream name and key")
    video = db.session.get(RoadshowVideo, roadshow_id)
    if video is None or not hmac.compare_digest(secret, _mac(roadshow_id, video.key_nonce)):
        raise PublishRefused(f"wrong or rotated key for roadshow {roadshow_id}")
    roadshow = db.session.get(Roadshow, roadshow_id)
    if not may_publish(roadshow):
        raise PublishRefused(f"roadshow {roadshow_id} is {roadshow.state.value}")
    now = utcnow()
    for open_session in _open_sessions(roadshow_id):  # a publisher that vanished without done
        open_session.ended_at = now
    session = VideoSession(roadshow_id=roadshow_id, started_at=now)
    db.session.add(session)
    audit.record("roadshow.video_started", target=roadshow)
    db.session.commit()
    return session


def roadshow_id_of(name: str) -> int | None:
    """The roadshow of a stream name as nginx reports it (``rs7``)."""
    match = _NAME.match(name or "")
    return int(match.group(1)) if match else None


def _open_sessions(roadshow_id: int) -> list[VideoSession]:
    return db.session.scalars(select(VideoSession).where(
        VideoSession.roadshow_id == roadshow_id, VideoSession.ended_at.is_(None))).all()


def publish_done(name: str) -> VideoSession | None:
    """nginx's ``on_publish_done``: the stream stopped arriving."""
    roadshow_id = roadshow_id_of(name)
    if roadshow_id is None:
        return None
    sessions = _open_sessions(roadshow_id)
    for session in sessions:
        session.ended_at = utcnow()
    db.session.commit()
    return sessions[-1] if sessions else None


def recording_done(name: str, path: str) -> VideoSession | None:
    """nginx's ``on_record_done``: the recording of the latest session is written; it becomes
    the replay in a background job (remuxed to HLS, nothing re-encoded)."""
    roadshow_id = roadshow_id_of(name)
    record_dir = Path(current_app.config["VIDEO_RECORD_DIR"]).resolve()
    recording = Path(path or "").resolve()
    if roadshow_id is None or not recording.is_relative_to(record_dir) or not recording.is_file():
        log.warning("recording refused: not in VIDEO_RECORD_DIR or missing")
        return None
    session = db.session.scalars(select(VideoSession).where(
        VideoSession.roadshow_id == roadshow_id, VideoSession.replay_path.is_(None))
        .order_by(VideoSession.id.desc()).limit(1)).first()
    if session is None:
        return None
    if session.ended_at is None:
        session.ended_at = utcnow()
        db.session.commit()
    jobs.submit(REPLAY_JOB, {"session_id": session.id, "recording": str(recording)})
    return session


def replay_ready(session: VideoSession, playlist: str, duration: float) -> None:
    """The replay job finished: the session's playlist and length."""
    session.replay_path, session.duration = playlist, duration
    db.session.commit()
