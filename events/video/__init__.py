"""The platform's own video for roadshows: RTMP in through nginx, HLS out to the room only, and a
replay whose timeline holds the room's questions (docs/video.md)."""

import os

from flask import Flask

from marketplace.config import INSTANCE_DIR

#: Settings, with their defaults (each can be set in the environment).
DEFAULTS = {
    #: What the host types into OBS as the server ("推流地址"); the stream key goes apart.
    "RTMP_PUBLIC_URL": "rtmp://127.0.0.1:1935/live",
    #: Where nginx serves the live HLS (``<prefix>/rs<id>/index.m3u8``) and the replays.
    "VIDEO_HLS_PREFIX": "/hls",
    "VIDEO_REPLAY_PREFIX": "/replay",
    #: nginx-rtmp's ``record_path``, and where the replays are written (nginx serves it).
    "VIDEO_RECORD_DIR": str(INSTANCE_DIR / "video" / "record"),
    "VIDEO_REPLAY_DIR": str(INSTANCE_DIR / "video" / "replay"),
    #: nginx-rtmp's statistics (``rtmp_stat all``), read for the host's "stream arriving" panel.
    "VIDEO_STAT_URL": "",
    #: Addresses nginx's publish callbacks come from (comma-separated).
    "VIDEO_CALLBACK_ADDRESSES": "127.0.0.1,::1",
    "VIDEO_FFMPEG": "ffmpeg",
}


def init_app(app: Flask) -> None:
    """Read the settings and register the video's routes and replay job."""
    from events.video import replay as _replay  # noqa: F401  (registers the replay job)
    from events.video.routes import bp

    for key, default in DEFAULTS.items():
        app.config.setdefault(key, os.environ.get(key, default))
    addresses = app.config["VIDEO_CALLBACK_ADDRESSES"]
    if isinstance(addresses, str):
        app.config["VIDEO_CALLBACK_ADDRESSES"] = {item.strip() for item in addresses.split(",")
                                                  if item.strip()}
    app.register_blueprint(bp)
