"""Stream URLs: the known video hosts whose players may be embedded, and the CSP that allows them.

Only hosts that publish an official iframe player are embedded; any other https URL (a meeting
link, a Douyin page, a streaming service whose pages refuse framing) is shown as a link.
"""

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

from marketplace.security import csp


@dataclass(frozen=True)
class Embed:
    """A player URL to put in an iframe, and the host the CSP must allow for it."""

    provider: str
    src: str

    @property
    def origin(self) -> str:
        parts = urlsplit(self.src)
        return f"{parts.scheme}://{parts.netloc}"


#: Origins of the official players; the CSP of a page names only the one it embeds.
PLAYER_ORIGINS = {
    "bilibili": "https://player.bilibili.com",
    "bilibili_live": "https://www.bilibili.com",
    "tencent": "https://v.qq.com",
    "youku": "https://player.youku.com",
    "xigua": "https://www.ixigua.com",
}
#: Labels of the providers (brand names, not translated).
PROVIDER_NAMES = {"bilibili": "哔哩哔哩", "bilibili_live": "哔哩哔哩直播", "tencent": "腾讯视频",
                  "youku": "优酷", "xigua": "西瓜视频"}

_BVID = re.compile(r"^BV[0-9A-Za-z]{10}$")
_AID = re.compile(r"^av(\d{1,12})$", re.IGNORECASE)
_DIGITS = re.compile(r"^\d{1,20}$")
_TENCENT_VID = re.compile(r"^[0-9a-z]{11}$")
_YOUKU_ID = re.compile(r"^X[0-9A-Za-z=]{8,24}$")


def _bilibili(host: str, segments: list[str], query: dict) -> Embed | None:
    if host == "player.bilibili.com" and segments == ["player.html"]:
        bvid = query.get("bvid", [""])[0]
        aid = query.get("aid", [""])[0]
        if _BVID.match(bvid):
            return _player("bilibili", "https://player.bilibili.com/player.html", bvid=bvid)
        if _DIGITS.match(aid):
            return _player("bilibili", "https://player.bilibili.com/player.html", aid=aid)
        return None
    if host in ("www.bilibili.com", "bilibili.com", "m.bilibili.com") \
            and len(segments) == 2 and segments[0] == "video":
        if _BVID.match(segments[1]):
            return _player("bilibili", "https://player.bilibili.com/player.html", bvid=segments[1])
        match = _AID.match(segments[1])
        if match:
            return _player("bilibili", "https://player.bilibili.com/player.html", aid=match.group(1))
    if host == "live.bilibili.com" and len(segments) == 1 and _DIGITS.match(segments[0]):
        return _player("bilibili_live",
                       "https://www.bilibili.com/blackboard/live/live-activity-player.html",
                       cid=segments[0], quality="0")
    return None


def _tencent(host: str, segments: list[str], query: dict) -> Embed | None:
    if host != "v.qq.com":
        return None
    if segments[:2] == ["txp", "iframe"]:
        vid = query.get("vid", [""])[0]
    elif len(segments) in (3, 4) and segments[0] == "x" and segments[1] in ("page", "cover"):
        vid = segments[-1].removesuffix(".html")
    else:
        return None
    if _TENCENT_VID.match(vid):
        return _player("tencent", "https://v.qq.com/txp/iframe/player.html", vid=vid)
    return None


def _youku(host: str, segments: list[str], query: dict) -> Embed | None:
    video_id = None
    if host == "player.youku.com" and len(segments) == 2 and segments[0] == "embed":
        video_id = segments[1]
    elif host == "v.youku.com" and len(segments) == 2 and segments[0] == "v_show":
        video_id = segments[1].removeprefix("id_").removesuffix(".html")
    if video_id and _YOUKU_ID.match(video_id):
        return Embed("youku", f"https://player.youku.com/embed/{video_id}")
    return None


def _xigua(host: str, segments: list[str], query: dict) -> Embed | None:
    if host == "www.ixigua.com" and segments and segments[0] == "iframe":
        segments = segments[1:]
    if host in ("www.ixigua.com", "ixigua.com") and len(segments) == 1 \
            and _DIGITS.match(segments[0]):
        return _player("xigua", f"https://www.ixigua.com/iframe/{segments[0]}", autoplay="0")
    return None


def _player(provider: str, base: str, **params) -> Embed:
    return Embed(provider, f"{base}?{urlencode(params)}")


def embed_for(url: str | None) -> Embed | None:
    """The official player for a stream URL of a known video host, or None (show a link)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or parts.username or parts.port:
        return None
    host = (parts.hostname or "").lower()
    segments = [segment for segment in parts.path.split("/") if segment]
    query = parse_qs(parts.query)
    for parser in (_bilibili, _tencent, _youku, _xigua):
        embed = parser(host, segments, query)
        if embed is not None:
            return embed
    return None


def csp_allowing(embed: Embed | None) -> str:
    """The platform's CSP with ``frame-src`` widened by exactly the embedded player's origin."""
    policy = csp()
    if embed is None:
        return policy
    return policy.replace("frame-src 'self'", f"frame-src 'self' {embed.origin}")
