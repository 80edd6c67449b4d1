"""The API's error body: ``{"error", "message", "status"}`` JSON for any HTTP error.

Used by the API blueprint's error handlers and by the e-mail confirmation guard
(``permissions.require_confirmed_email``), which answers API requests in the API's own format.
"""

from flask import jsonify
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from werkzeug.exceptions import BadRequest, HTTPException, MethodNotAllowed
from werkzeug.http import HTTP_STATUS_CODES

from marketplace.public_urls import public_url_for


class InvalidParameter(BadRequest):
    """A query parameter has a value the API does not accept."""

    def __init__(self, parameter: str, message: str):
        super().__init__(description=message)
        self.parameter = parameter


def _messages() -> dict[int, str]:
    return {
        400: _("Check the request's parameters and try again."),
        404: _("Nothing was found at this address. The API's paths are listed in %(document)s.",
               document=public_url_for("api.openapi")),
        405: _("The API is read-only: use GET."),
        429: _("Please wait a little and try again."),
        500: _("The error has been logged. Please try again in a moment."),
    }


def error_response(error: HTTPException):
    """``{"error", "message", "status"}`` (and ``parameter`` for an invalid one) as JSON."""
    code = error.code or 500
    messages = _messages()
    custom = error.description if error.description != type(error).description else None
    if isinstance(error, RateLimitExceeded):
        custom = None  # its description is the limit, in English
    body = {"error": HTTP_STATUS_CODES.get(code, "Error"), "status": code,
            "message": custom or messages.get(code) or messages[400 if code < 500 else 500]}
    if isinstance(error, InvalidParameter):
        body["parameter"] = error.parameter
    response = jsonify(body)
    response.status_code = code
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response
