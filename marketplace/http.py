"""Small helpers every blueprint's views use: the current user, loading a row or 404, form pages,
a service's refusal as a flash, safe redirects, download caching and download names."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote, urlsplit

from flask import Response, abort, flash, render_template, request
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from marketplace.errors import ServiceError
from marketplace.extensions import db

#: Status for a submitted form that failed validation.
INVALID_FORM_STATUS = 422
#: The largest id a row can have (ids are 32-bit ``Integer`` columns on PostgreSQL).
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: a number above ``MAX_ID`` (or a route's own ``max``) does not
    match, so it is a 404 like any other id without a row, instead of a number the database
    cannot take (SQLite refuses integers above 2^63 - 1 with an error)."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min,
                         max=MAX_ID if max is None else max, signed=signed)


def is_id(value: int | None) -> bool:
    """Whether ``value`` (say, from a query parameter) can be the id of a row."""
    return value is not None and 1 <= value <= MAX_ID


def me():
    """The logged-in user itself (not the ``current_user`` proxy), to hand to services."""
    return current_user._get_current_object()


def load_or_404(model, ident, **belongs):
    """The row of ``model`` whose primary key is ``ident``, or 404 (also for an ``ident`` that
    cannot be an id). ``belongs`` (e.g. ``listing_id=listing.id``) names attributes the row must
    have: a child asked for under another parent's address is a 404 too."""
    row = db.session.get(model, ident) if is_id(ident) else None
    if row is None or any(getattr(row, name) != value for name, value in belongs.items()):
        abort(404)
    return row


def render_form(template: str, form, status: int | None = None, **context):
    """Render a form page; a submitted form with errors gets status 422 unless ``status`` says."""
    if status is None:
        status = INVALID_FORM_STATUS if request.method == "POST" and form.errors else 200
    return render_template(template, form=form, **context), status


def flash_service_error(error) -> None:
    flash(error.message, "error")


def flash_form_errors(form, fallback: str | None = None) -> None:
    """A posted form that did not validate, for a view that redirects instead of showing the form
    again: each of its messages flashed as an error (``fallback`` when it has none)."""
    messages = [str(error) for errors in form.errors.values() for error in errors]
    for message in messages or ([fallback] if fallback else []):
        flash(message, "error")


@contextmanager
def flash_service_errors() -> Iterator[None]:
    """Around a view's service call and its success flash: a ``ServiceError`` skips the rest of the
    block and is flashed as an error, and the view carries on (typically to its redirect)."""
    try:
        yield
    except ServiceError as error:
        flash_service_error(error)


def safe_next(target: str | None) -> str | None:
    """Return ``target`` if it is a path on this site, else None (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


#: How long a browser or shared cache may keep a public download.
PUBLIC_DOWNLOAD_SECONDS = 3600


def download_caching(response, *, public: bool):
    """The one rule for downloads: a file anyone may see is cached for an hour by anyone; any
    other (a draft's attachment, an unverified university's list, an agreement, an export) is
    ``private, no-store``, so that no proxy or shared browser keeps a copy."""
    cache = response.cache_control
    if public:
        cache.no_store = cache.private = cache.no_cache = None
        cache.public, cache.max_age = True, PUBLIC_DOWNLOAD_SECONDS
        response.expires = None
    else:
        cache.public = cache.max_age = cache.no_cache = None
        response.headers["Cache-Control"] = "private, no-store"
        response.expires = None
    return response


#: Characters that are unsafe in a file name on some system.
_UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
#: What an ASCII fallback name may hold.
_ASCII_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")


def file_name(text: str, *, limit: int = 80) -> str:
    """``text`` (a title, in any script) made safe as a file name: no path or control characters."""
    return _UNSAFE_FILENAME.sub("", text or "").strip().strip(".")[:limit].strip()


def content_disposition(name: str, ascii_name: str) -> str:
    """The one ``Content-Disposition`` of a generated download (RFC 6266): ``filename`` is
    ``ascii_name``, which says what the file is (``bxqx-list-12-v1.xlsx``) for clients that read
    only ASCII; ``filename*`` keeps the full name (``2026年度高价值专利清单-v1.xlsx``) in UTF-8.

    Werkzeug's own fallback strips every non-ASCII character, which left "()-v1.xlsx".
    """
    if not _ASCII_NAME.match(ascii_name):
        raise ValueError(f"not a plain ASCII file name: {ascii_name!r}")
    extension = ascii_name.rpartition(".")[2]
    name = file_name(name) or ascii_name
    if not name.lower().endswith("." + extension.lower()):
        name = f"{name}.{extension}"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def send_download(content: bytes, *, mimetype: str, name: str, ascii_name: str,
                  public: bool = False) -> Response:
    """A file the platform generates (an export, a template) as a download that is never
    rendered: its names (``content_disposition``) and caching (``download_caching``)."""
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(name, ascii_name)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return download_caching(response, public=public)
