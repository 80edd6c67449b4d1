"""Public JSON API: listings search and detail, described by an OpenAPI document.

Read-only and anonymous: any origin may call it (CORS), successful reads are publicly cacheable
for a minute, and every error, including unknown URLs and methods under ``/api/``, is JSON.
"""

import re

from flask import Blueprint, abort, current_app, jsonify, request
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed, NotFound

from marketplace.api import serializers
from marketplace.api.errors import InvalidParameter, error_response
from marketplace.api.openapi import SEARCH_PARAMETERS, document
from marketplace.extensions import db, limiter
from marketplace.listings.models import Listing
from marketplace.listings.queries import SearchQuery, run_search

bp = Blueprint("api", __name__, url_prefix="/api/v1")

#: Requests per minute and address to the whole API, unless the ``API_RATE_LIMIT`` setting says.
DEFAULT_RATE_LIMIT = "120 per minute"
CACHE_SECONDS = 60
#: Response headers a browser script may read besides the CORS-safelisted ones.
EXPOSED_HEADERS = "ETag, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
_DIGITS = re.compile(r"[0-9]{1,10}")


def _rate_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT", DEFAULT_RATE_LIMIT)


limiter.shared_limit(_rate_limit, scope="api")(bp)


def _check_parameter(name: str, schema: dict, values: list[str]) -> None:
    """Refuse any value outside the parameter's schema (``SearchQuery.from_args`` would silently
    drop it), naming the parameter."""
    if not values:
        return
    if len(values) > 1:
        raise InvalidParameter(name, _("Give %(parameter)s only once.", parameter=name))
    value = values[0]  # an empty value is a value: refused unless the schema allows it
    if "enum" in schema and value not in schema["enum"]:
        raise InvalidParameter(name, _("%(parameter)s must be one of: %(values)s.", parameter=name,
                                       values=", ".join(schema["enum"])))
    if schema["type"] == "integer" and not (
            _DIGITS.fullmatch(value) and schema["minimum"] <= int(value) <= schema["maximum"]):
        raise InvalidParameter(name, _("%(parameter)s must be a whole number from %(low)d to %(high)d.",
                                       parameter=name, low=schema["minimum"], high=schema["maximum"]))
    if "maxLength" in schema and len(" ".join(value.split())) > schema["maxLength"]:
        raise InvalidParameter(name, _("%(parameter)s may be at most %(length)d characters long.",
                                       parameter=name, length=schema["maxLength"]))


@bp.get("/listings")
def listings():
    """Search published listings with the web search's parameters; a page, totals and facets."""
    for name, schema in SEARCH_PARAMETERS.items():
        _check_parameter(name, schema, request.args.getlist(name))
    result = run_search(SearchQuery.from_args(request.args))
    return jsonify(serializers.search_result(result))


@bp.get("/listings/<int(min=1, max=2147483647):listing_id>")
def listing(listing_id):
    """One published or converted listing with its attachments; any other is not found."""
    item = db.session.get(Listing, listing_id, options=[
        selectinload(Listing.organisation), selectinload(Listing.modes),
        selectinload(Listing.attachments)])
    if item is None or not item.is_public:
        abort(404, description=_("No published listing has this id."))
    return jsonify(serializers.listing_detail(item))


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document describing this API."""
    return jsonify(document())


# --- Errors and headers -----------------------------------------------------------------------


def _is_api_path() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    """An HTTP error in one of the API's views (400, 404, 429 ...) as JSON."""
    return error_response(error)


@bp.errorhandler(InternalServerError)
def server_error(error: InternalServerError):
    """An unexpected error in one of the API's views: roll back, then a JSON error."""
    db.session.rollback()
    return error_response(error)


@bp.before_app_request
def unmatched_api_url():
    """Unknown URLs and methods under /api/ get the API's JSON error, not the HTML page.

    The blueprint's error handlers only see requests routed to one of its views, so these are
    answered here, before Flask raises the routing error.
    """
    error = request.routing_exception
    if isinstance(error, NotFound | MethodNotAllowed) and _is_api_path():
        return error_response(error)
    return None


@bp.after_app_request
def api_headers(response):
    """CORS on every API response; public caching and an ETag on successful reads."""
    if not _is_api_path():
        return response
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response.headers["Access-Control-Max-Age"] = "86400"
    elif request.method in ("GET", "HEAD") and response.status_code == 200:
        response.cache_control.public = True
        response.cache_control.max_age = CACHE_SECONDS
        response.add_etag()
        response.make_conditional(request)
    elif response.status_code >= 400:
        response.cache_control.no_store = True
    return response
