"""The platform's own video of a roadshow: its stream key, each time the host published, and
the replay made from each recording (see docs/video.md)."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db_types import UTCDateTime, enum_column, utcnow
from marketplace.extensions import db


class ReplayAudience(enum.Enum):
    """Who may watch the replay once the roadshow has ended."""

    #: Confirmed registrants, the host's staff and moderators (those who could enter the room).
    REGISTRANTS = "registrants"
    #: Also every signed-in user (for a roadshow whose content may be seen more widely later).
    SIGNED_IN = "signed_in"


class RoadshowVideo(db.Model):
    """A roadshow streamed through the platform (RTMP in, HLS out) instead of a public player.

    The stream key is never stored: it is an HMAC of ``key_nonce`` under the app's SECRET_KEY
    (``events.video.services.stream_key``), so the database alone does not reveal it, and
    rotating the key is replacing the nonce.
    """

    __tablename__ = "roadshow_videos"

    roadshow_id: Mapped[int] = mapped_column(
        sa.ForeignKey("roadshows.id", ondelete="CASCADE"), primary_key=True)
    #: Random; the key is derived from it. A new nonce makes the old key invalid at once.
    key_nonce: Mapped[str] = mapped_column(sa.String(64))
    key_rotated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The replay is offered after the event (the host may take it down and put it back).
    replay_published: Mapped[bool] = mapped_column(default=True)
    replay_audience: Mapped[ReplayAudience] = mapped_column(
        enum_column(ReplayAudience), default=ReplayAudience.REGISTRANTS)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    sessions: Mapped[list["VideoSession"]] = relationship(
        back_populates="video", cascade="all, delete-orphan", order_by="VideoSession.id")

    @property
    def stream_name(self) -> str:
        """The name nginx publishes under once the key is accepted (HLS directory, stat)."""
        return stream_name(self.roadshow_id)


def stream_name(roadshow_id: int) -> str:
    return f"rs{roadshow_id}"


class VideoSession(db.Model):
    """One publish of the roadshow's stream, from nginx's on_publish to on_publish_done; its
    recording becomes a replay (HLS VOD) when nginx reports it written."""

    __tablename__ = "roadshow_video_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    roadshow_id: Mapped[int] = mapped_column(
        sa.ForeignKey("roadshow_videos.roadshow_id", ondelete="CASCADE"), index=True)
    #: When nginx accepted the publish: time 0 of the replay's timeline.
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Seconds of video in the replay (from the remuxed recording), once it is ready.
    duration: Mapped[float | None] = mapped_column(sa.Float)
    #: The replay's playlist, relative to VIDEO_REPLAY_DIR (``rs7/3/index.m3u8``), once ready.
    replay_path: Mapped[str | None] = mapped_column(sa.String(200))

    video: Mapped[RoadshowVideo] = relationship(back_populates="sessions")
