"""Storing uploaded files the way listing attachments are: checked by content, random names."""

import hashlib
import secrets

from flask import abort, current_app, send_file
from flask_babel import gettext as _

from marketplace.errors import ServiceError
from marketplace.http import download_caching
from marketplace.listings.services import detect_type, typed_name, upload_dir


def store(stream, filename: str) -> dict:
    """Check an upload (PDF, PNG or JPEG by its bytes, size limit) and store it; return columns."""
    limit = current_app.config["MAX_ATTACHMENT_BYTES"]
    content = stream.read(limit + 1)
    if not content:
        raise ServiceError(_("The file is empty."))
    if len(content) > limit:
        raise ServiceError(_("Files may be at most %(mb)d MB.", mb=limit // (1024 * 1024)))
    detected = detect_type(content[:16])
    if detected is None:
        raise ServiceError(_("Only PDF, PNG and JPEG files can be attached."))
    content_type, extension = detected
    stored_name = secrets.token_hex(16) + extension
    (upload_dir() / stored_name).write_bytes(content)
    return {"stored_name": stored_name,
            "original_name": typed_name(filename, content_type),
            "content_type": content_type, "size": len(content),
            "sha256": hashlib.sha256(content).hexdigest()}


def discard(stored_name: str) -> None:
    (upload_dir() / stored_name).unlink(missing_ok=True)


def download(item):
    """Send a stored file as a download that is never rendered (private: not cached)."""
    path = upload_dir() / item.stored_name
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=item.content_type, as_attachment=True,
                         download_name=typed_name(item.original_name, item.content_type))
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return download_caching(response, public=False)
