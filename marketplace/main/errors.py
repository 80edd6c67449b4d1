"""Error pages in the user's language, as HTML or JSON depending on what the client accepts."""


from flask import flash, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from marketplace import public_urls, uploads
from marketplace.extensions import db
from marketplace.main.routes import bp

HANDLED = (400, 403, 404, 405, 413, 429, 500)


def _titles():
    return {
        400: _("The request could not be understood"),
        403: _("You do not have access"),
        404: _("Page not found"),
        405: _("This action is not allowed here"),
        413: _("The upload is too large"),
        429: _("Too many attempts"),
        500: _("Something went wrong on our side"),
    }


def _default_messages():
    return {
        400: _("Please go back, reload the page and try again."),
        403: _("Your account cannot open this page. If you think it should, contact your "
               "organisation's administrator."),
        404: _("The address may be mistyped, or the page has been removed."),
        405: _("Please use the buttons on the page."),
        413: uploads.too_large_message(),
        429: _("Please wait a little and try again."),
        500: _("The error has been logged. Please try again in a moment."),
    }


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.is_json or (best == "application/json"
                               and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"])


def render_error(code: int, message: str | None = None):
    title = _titles()[code]
    message = message or _default_messages()[code]
    if _wants_json():
        return jsonify(error=title, message=message), code
    return render_template("errors/error.html", code=code, title=title, message=message), code


@bp.app_errorhandler(CSRFError)
def csrf_error(error):
    """A form was sent without a valid CSRF token."""
    return render_error(400, _("The form has expired or was not sent from this site. Please "
                               "reload the page and submit it again."))


def _form_page() -> str | None:
    """The page (path and query) of this site the refused form was sent from, if any."""
    if request.method != "POST" or _wants_json():
        return None
    return public_urls.path_on_this_site(request.referrer)


def too_large(error):
    """A request over MAX_CONTENT_LENGTH, refused unread: back to the form it came from with the
    limit said (the form's text was not read, so uploads.js keeps it in the browser); without a
    form to go back to, the 413 page."""
    page = _form_page()
    if page is None:
        return render_error(413)
    flash(_("Your file was not sent: %(limit)s Choose a smaller file and send the form again.",
            limit=uploads.too_large_message()), "error")
    return redirect(page, 303)


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):
    """Known HTTP errors get a page; the description is used when a view set one for the user."""
    code = error.code if error.code in HANDLED else None
    if code is None:
        return error
    if code == 413:
        return too_large(error)
    description = error.description
    default = type(error).description
    custom = description if description and description != default else None
    if isinstance(error, RateLimitExceeded) and not error.limit.error_message:
        custom = None
    return render_error(code, custom)


@bp.app_errorhandler(InternalServerError)
def server_error(error):
    """An unexpected error: roll back, then show the error page."""
    db.session.rollback()
    return render_error(500)


@bp.app_errorhandler(UnicodeDecodeError)
def undecodable_request(error):
    """A query or form that is not valid UTF-8 is the client's error (400), not ours."""
    return render_error(400)
