"""Whether a roadshow's stream is arriving, and at what bitrate and resolution: nginx-rtmp's
statistics (``rtmp_stat all``, XML), read from VIDEO_STAT_URL."""

import logging
import xml.etree.ElementTree as ET  # noqa: N817  (nginx's own XML, from our own server)

import requests
from flask import current_app
from sqlalchemy import select

from events.models import Roadshow
from events.video.models import VideoSession, stream_name
from marketplace.extensions import db

log = logging.getLogger(__name__)


def of(roadshow: Roadshow) -> dict:
    """``arriving`` (bool), ``bitrate_kbps``, ``width``, ``height``, ``fps`` (None if unknown),
    and ``since`` (ISO time nginx accepted the publish)."""
    session = db.session.scalars(select(VideoSession).where(
        VideoSession.roadshow_id == roadshow.id, VideoSession.ended_at.is_(None))
        .order_by(VideoSession.id.desc()).limit(1)).first()
    result = {"arriving": session is not None, "bitrate_kbps": None, "width": None,
              "height": None, "fps": None,
              "since": session.started_at.isoformat() if session else None}
    url = current_app.config["VIDEO_STAT_URL"]
    if session is None or not url:
        return result
    try:
        xml = requests.get(url, timeout=2).text
    except requests.RequestException:
        log.warning("nginx-rtmp statistics unreachable at VIDEO_STAT_URL")
        return result
    result.update(stream_stats(xml, stream_name(roadshow.id)))
    return result


def stream_stats(xml: str, name: str) -> dict:
    """One stream's figures from nginx-rtmp's statistics XML (empty if it is not there)."""
    root = ET.fromstring(xml)  # noqa: S314
    for stream in root.iter("stream"):
        if stream.findtext("name") != name:
            continue
        # bw_in is averaged over nginx-rtmp's 10 s windows (0 in the first one): until then,
        # the bytes received over the stream's age.
        bits = _number(stream, "bw_in")
        received, age_ms = _number(stream, "bytes_in"), _number(stream, "time")
        if not bits and received and age_ms:
            bits = received * 8 * 1000 // age_ms
        return {"arriving": bool(stream.find("publishing") is not None or bits),
                "bitrate_kbps": round(bits / 1000) if bits else None,
                "width": _number(stream, "meta/video/width"),
                "height": _number(stream, "meta/video/height"),
                "fps": _number(stream, "meta/video/frame_rate")}
    return {"arriving": False}


def _number(element, path: str) -> int | None:
    text = element.findtext(path)
    return int(float(text)) if text not in (None, "") else None
