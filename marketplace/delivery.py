"""Delivery: compressed responses and static files under content-hashed names.

Compression. A text response (HTML, JSON, CSS, JavaScript, SVG, ...) of at least
``COMPRESS_MIN_BYTES`` goes out compressed when the browser accepts it: Brotli if the ``brotli``
package is there and the browser prefers it at least as much, else gzip. Every such response says
``Vary: Accept-Encoding``, compressed or not, so a shared cache keeps the two apart. Left alone:
responses already encoded, streamed responses (their body is produced as it is sent), file
responses (downloads are mostly PDF, XLSX or images, compressed already; static files are
handled below), ``206``/``304``/``204`` answers, ``Cache-Control: no-transform``, and Socket.IO
(served by the Engine.IO middleware around the app, which never reaches these hooks). A strong
ETag becomes weak, as nginx does, so ``If-None-Match`` still matches (weak comparison) and
answers 304. The search page cache (``listings/cache.py``) stores pages before this step, so it
never holds compressed bytes.

Static files. ``url_for('static', filename='css/app.css')`` gives ``/static/css/app.<hash>.css``,
where ``<hash>`` is the first 12 hex digits of the file's SHA-256 (recomputed when the file's size
or time changes). That name is served with ``Cache-Control: public, max-age=31536000,
immutable``: a browser never asks for it again, and a new version has a new name. A name whose
hash is not the file's (a page from an older or newer release) is answered with the file as it is
now, cached briefly; the plain name (``/static/css/app.css``) works too, cached briefly
(``STATIC_SHORT_MAX_AGE``). Compressible static files are compressed once, at the best level, and
kept in memory per version and encoding, each with its own ETag.
"""

import gzip
import hashlib
import mimetypes
import re
import threading
from pathlib import Path

from flask import Flask, Response, abort, current_app, request, send_from_directory
from werkzeug.security import safe_join

try:  # optional: Brotli when its wheel is installed (requirements.txt), gzip otherwise
    import brotli
except ImportError:  # pragma: no cover - the pinned requirements install it
    brotli = None

IMMUTABLE = "public, max-age=31536000, immutable"
#: Seconds a browser may keep a static file asked for without its hash (or with a stale one).
STATIC_SHORT_MAX_AGE = 300
#: Static files larger than this are sent as they are (nothing we ship comes near it).
STATIC_COMPRESS_MAX_BYTES = 4 << 20
HASH_LENGTH = 12
_HASHED = re.compile(rf"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{{{HASH_LENGTH}}})(?P<ext>\.[A-Za-z0-9]+)$")
_COMPRESSIBLE = {"application/json", "application/javascript", "application/xml",
                 "image/svg+xml", "application/manifest+json", "application/ld+json"}

_lock = threading.Lock()
_hashes: dict[str, tuple[tuple[int, int], str]] = {}
_compressed: dict[tuple, bytes] = {}


def compressible(mimetype: str | None) -> bool:
    return bool(mimetype) and (mimetype.startswith("text/") or mimetype in _COMPRESSIBLE)


def chosen_encoding() -> str | None:
    """The encoding to answer this request with: "br", "gzip" or None (as it is)."""
    accepted = request.accept_encodings
    gzip_q = accepted.quality("gzip")
    brotli_q = accepted.quality("br") if brotli is not None else 0
    if brotli_q and brotli_q >= gzip_q:
        return "br"
    return "gzip" if gzip_q else None


def compress(data: bytes, encoding: str, *, best: bool = False) -> bytes:
    if encoding == "br":
        return brotli.compress(data, quality=11 if best else 5)
    return gzip.compress(data, compresslevel=9 if best else 6, mtime=0)


# --- responses ---------------------------------------------------------------------------------

def compress_response(response: Response) -> Response:
    """``after_request``: compress a text response when the browser accepts it (module docstring)."""
    if not current_app.config.get("COMPRESS_RESPONSES", True):
        return response
    if (response.direct_passthrough or response.is_streamed or not compressible(response.mimetype)
            or request.path.startswith("/socket.io")):
        return response
    response.vary.add("Accept-Encoding")
    if ("Content-Encoding" in response.headers or response.status_code in (204, 206, 304)
            or response.status_code < 200 or "no-transform" in response.headers.get("Cache-Control", "")):
        return response
    encoding = chosen_encoding()
    data = response.get_data()
    if encoding is None or len(data) < current_app.config.get("COMPRESS_MIN_BYTES", 512):
        return response
    response.set_data(compress(data, encoding))
    response.headers["Content-Encoding"] = encoding
    etag, weak = response.get_etag()
    if etag and not weak:
        response.set_etag(etag, weak=True)
    return response


# --- static files ------------------------------------------------------------------------------

def file_hash(path: Path) -> str:
    """The first hex digits of the file's SHA-256, recomputed when its size or time changes."""
    stat = path.stat()
    version = (stat.st_size, stat.st_mtime_ns)
    key = str(path)
    cached = _hashes.get(key)
    if cached and cached[0] == version:
        return cached[1]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:HASH_LENGTH]
    with _lock:
        _hashes[key] = (version, digest)
    return digest


def _static_path(filename: str) -> Path | None:
    joined = safe_join(current_app.static_folder, filename)
    return Path(joined) if joined and Path(joined).is_file() else None


def hashed_name(filename: str) -> str:
    """``css/app.css`` → ``css/app.<hash>.css`` (the name as it is when there is no such file)."""
    path = _static_path(filename)
    if path is None or not path.suffix:
        return filename
    return filename[: -len(path.suffix)] + f".{file_hash(path)}{path.suffix}"


def _add_static_hash(endpoint: str, values: dict) -> None:
    """``url_defaults``: static URLs carry their file's content hash."""
    if endpoint == "static" and "filename" in values:
        values["filename"] = hashed_name(values["filename"])


def _split_hash(filename: str) -> tuple[str, str | None]:
    """``css/app.<hash>.css`` → (``css/app.css``, hash); a name without a hash → (name, None)."""
    match = _HASHED.match(filename)
    if match and _static_path(match["stem"] + match["ext"]) is not None:
        return match["stem"] + match["ext"], match["hash"]
    return filename, None


def _compressed_body(path: Path, digest: str, encoding: str) -> bytes:
    key = (str(path), digest, encoding)
    body = _compressed.get(key)
    if body is None:
        body = compress(path.read_bytes(), encoding, best=True)
        with _lock:
            for old in [k for k in _compressed if k[0] == key[0] and k[1] != digest]:
                del _compressed[old]  # an older version of the file
            _compressed[key] = body
    return body


def serve_static(filename: str) -> Response:
    """The static view: a hashed name cached for a year, the plain (or a stale) name briefly."""
    real, asked_hash = _split_hash(filename)
    path = _static_path(real)
    if path is None:
        abort(404)
    digest = file_hash(path)
    cache = IMMUTABLE if asked_hash == digest else f"public, max-age={STATIC_SHORT_MAX_AGE}"
    mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    encoding = None
    if (compressible(mimetype) and current_app.config.get("COMPRESS_RESPONSES", True)
            and path.stat().st_size <= STATIC_COMPRESS_MAX_BYTES and "Range" not in request.headers):
        encoding = chosen_encoding()
    if encoding is None:
        response = send_from_directory(current_app.static_folder, real, etag=digest,
                                       conditional=True)
    else:
        response = Response(_compressed_body(path, digest, encoding), mimetype=mimetype)
        response.headers["Content-Encoding"] = encoding
        response.set_etag(f"{digest}-{encoding}")
        response.last_modified = path.stat().st_mtime
        response.make_conditional(request)
    if compressible(mimetype):
        response.vary.add("Accept-Encoding")
    response.headers["Cache-Control"] = cache
    return response


def init_app(app: Flask) -> None:
    """Hashed static URLs and their view, and compression of text responses."""
    app.url_defaults(_add_static_hash)
    app.view_functions["static"] = serve_static
    app.after_request(compress_response)
