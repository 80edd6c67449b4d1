"""Uploaded files: the one check every upload goes through (not empty, the size limit, the type
read from the file's first bytes), the random names they are stored under in ``UPLOAD_DIR``, and
sending them back as downloads that are never rendered.

Listing attachments, interest messages' files, confidential files, organisations' documents and
signed agreements are all stored here; their rows keep the columns ``store`` returns.
"""

import hashlib
import secrets
from pathlib import Path, PurePosixPath

from flask import abort, current_app, send_file
from flask_babel import gettext as _

from marketplace.errors import ServiceError
from marketplace.http import download_caching

#: (first bytes, content type, extension) of the files the platform accepts.
FILE_TYPES = ((b"%PDF-", "application/pdf", ".pdf"),
              (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
              (b"\xff\xd8\xff", "image/jpeg", ".jpg"))
#: Only PDF (signed agreements).
PDF_ONLY = FILE_TYPES[:1]
#: Extensions a file of each accepted type may keep (any other is replaced by the first).
EXTENSIONS = {"application/pdf": (".pdf",), "image/png": (".png",),
              "image/jpeg": (".jpg", ".jpeg", ".jpe")}
#: How many first bytes tell a file's type.
HEAD_BYTES = 16


def max_bytes() -> int:
    """The one upload limit (``MAX_ATTACHMENT_BYTES``): the largest file, in bytes."""
    return current_app.config["MAX_ATTACHMENT_BYTES"]


def max_mb() -> int:
    """The limit in whole MB, as forms and messages state it."""
    return max(1, max_bytes() // (1024 * 1024))


def too_large_message() -> str:
    """What a user reads when a file is over the limit (forms, the 413 page, uploads.js)."""
    return _("Files may be at most %(mb)d MB.", mb=max_mb())


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def detect_type(head: bytes, types=FILE_TYPES) -> tuple[str, str] | None:
    """(content type, extension) from a file's first bytes, or None if not one of ``types``."""
    for magic, content_type, extension in types:
        if head.startswith(magic):
            return content_type, extension
    return None


def typed_name(name: str | None, content_type: str) -> str:
    """The uploader's file name, without any folder, ending in an extension of the detected type.

    ``x.png.html`` holding a PNG becomes ``x.png``, ``report.svg`` holding a PDF ``report.pdf``:
    the name a browser saves a download under never claims a type the content is not. Used when
    a file is stored and again when it is served (names stored before this rule included).
    """
    allowed = EXTENSIONS.get(content_type, ("",))
    base = PurePosixPath((name or "").replace("\\", "/")).name.strip()
    for _attempt in range(2):  # "x.png.html": drop ".html", keep ".png"
        stem, dot, suffix = base.rpartition(".")
        if dot and "." + suffix.lower() in allowed:
            break
        base = stem if dot else base
    else:
        stem, suffix = base, allowed[0].lstrip(".")
    if not stem.strip(". "):
        stem = "attachment"
    return f"{stem[:195]}.{suffix}"


def store(stream, filename: str | None, *, types=FILE_TYPES, refused: str | None = None) -> dict:
    """Check an upload and store it under a random name; return the columns that describe it:
    ``stored_name``, ``original_name``, ``content_type``, ``size`` and ``sha256``.

    Raises ``ServiceError`` for an empty file, one above ``MAX_ATTACHMENT_BYTES``, or one whose
    first bytes are none of ``types`` (with ``refused`` as the message, if given).
    """
    limit = max_bytes()
    content = stream.read(limit + 1)
    if not content:
        raise ServiceError(_("The file is empty."))
    if len(content) > limit:
        raise ServiceError(too_large_message())
    detected = detect_type(content[:HEAD_BYTES], types)
    if detected is None:
        raise ServiceError(refused or _("Only PDF, PNG and JPEG files can be attached."))
    content_type, extension = detected
    stored_name = secrets.token_hex(16) + extension
    (upload_dir() / stored_name).write_bytes(content)
    return {"stored_name": stored_name, "original_name": typed_name(filename, content_type),
            "content_type": content_type, "size": len(content),
            "sha256": hashlib.sha256(content).hexdigest()}


def discard(stored_name: str) -> None:
    """Delete a stored file (nothing happens if it is already gone)."""
    (upload_dir() / stored_name).unlink(missing_ok=True)


def send(stored_name: str | None, *, content_type: str, download_name: str, public: bool = False):
    """A stored file as a download that is never rendered; 404 if it is not there. ``public``:
    anyone may see it, so caches may keep it (``download_caching``)."""
    path = upload_dir() / (stored_name or "-")
    if not stored_name or not path.is_file():
        abort(404)
    response = send_file(path, mimetype=content_type, as_attachment=True,
                         download_name=download_name)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return download_caching(response, public=public)


def download(item, *, public: bool = False):
    """Send a row stored by ``store`` (it has its columns) under its typed name."""
    return send(item.stored_name, content_type=item.content_type,
                download_name=typed_name(item.original_name, item.content_type), public=public)
