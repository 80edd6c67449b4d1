"""What the room page shows of the platform's video to the current user: the live player (with
the stream's status and the OBS guide for those who run the room), or the replay and its
timeline after the event."""

from dataclasses import dataclass

from flask import current_app, url_for

from events.models import Roadshow, RoadshowState
from events.video import services, timeline
from events.video.models import VideoSession, stream_name
from marketplace.permissions import can
from marketplace.security import csp


@dataclass
class LiveVideo:
    src: str
    status_url: str | None
    server_url: str
    #: Only the host's staff see the key in the room (moderators may be from outside).
    key: str | None


@dataclass
class Replay:
    src: str
    session: VideoSession
    points: list


def live_for(roadshow: Roadshow) -> LiveVideo | None:
    """The live player, for whoever is in the room of a roadshow that uses the platform's video
    and is not over. Before the roadshow goes live the player waits (nginx refuses attendees
    the stream until then: ``events.watch_live``) and starts by itself once it may."""
    video = services.video_of(roadshow)
    if video is None or roadshow.state.is_over or not can("events.enter_room", roadshow):
        return None
    moderator = can("events.moderate", roadshow)
    prefix = current_app.config["VIDEO_HLS_PREFIX"]
    return LiveVideo(
        src=f"{prefix}/{stream_name(roadshow.id)}/index.m3u8",
        status_url=url_for("video.stream_status", roadshow_id=roadshow.id) if moderator else None,
        server_url=current_app.config["RTMP_PUBLIC_URL"],
        key=services.stream_key(video) if can("events.manage", roadshow) else None)


def replay_for(roadshow: Roadshow) -> Replay | None:
    """The replay, if there is one ready and the user may watch it."""
    if roadshow.state is not RoadshowState.ENDED or not can("events.watch_replay", roadshow):
        return None
    session = timeline.replay_session(roadshow)
    if session is None:
        return None
    prefix = current_app.config["VIDEO_REPLAY_PREFIX"]
    return Replay(src=f"{prefix}/{session.replay_path}", session=session,
                  points=timeline.points(roadshow, session))


def video_csp() -> str:
    """The platform's CSP plus what hls.js needs: MediaSource blob: URLs and its blob: worker."""
    return csp() + "; media-src 'self' blob:; worker-src 'self' blob:"
