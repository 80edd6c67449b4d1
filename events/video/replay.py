"""The replay job: a session's FLV recording remuxed (no re-encoding) into an HLS VOD playlist
under VIDEO_REPLAY_DIR, which nginx serves behind the same access check as the live stream."""

import json
import subprocess
from pathlib import Path

from flask import current_app

from events.video import services
from events.video.models import VideoSession, stream_name
from marketplace.extensions import db
from marketplace.jobs import services as jobs


@jobs.register(services.REPLAY_JOB)
def make_replay(job, *, session_id: int, recording: str) -> dict:
    """Remux ``recording`` into ``<replay dir>/rs<id>/<session>/index.m3u8``."""
    session = db.session.get(VideoSession, session_id)
    relative = Path(stream_name(session.roadshow_id)) / str(session.id)
    target = Path(current_app.config["VIDEO_REPLAY_DIR"]) / relative
    target.mkdir(parents=True, exist_ok=True)
    ffmpeg = current_app.config["VIDEO_FFMPEG"]
    subprocess.run(  # noqa: S603  (our configured binary, paths we made)
        [ffmpeg, "-nostdin", "-loglevel", "error", "-y", "-i", recording, "-c", "copy",
         "-f", "hls", "-hls_time", "4", "-hls_playlist_type", "vod",
         "-hls_segment_filename", str(target / "%05d.ts"), str(target / "index.m3u8")],
        check=True, capture_output=True, timeout=3600)
    duration = probe_duration(target / "index.m3u8")
    services.replay_ready(session, str(relative / "index.m3u8"), duration)
    return {"duration": duration}


def probe_duration(path: Path) -> float:
    """Seconds of media in a file or playlist (ffprobe)."""
    ffprobe = str(Path(current_app.config["VIDEO_FFMPEG"]).with_name("ffprobe"))
    out = subprocess.run(  # noqa: S603
        [ffprobe, "-v", "error", "-show_entries", "format=duration", "-of", "json", str(path)],
        check=True, capture_output=True, text=True, timeout=120).stdout
    return float(json.loads(out)["format"]["duration"])
