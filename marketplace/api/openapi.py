"""The OpenAPI 3.1 description of the public API, written by hand.

Allowed values come from the model enums (and the search's own constants), so the document, the
API's parameter checks (``SEARCH_PARAMETERS`` is what ``routes`` validates against) and the
database cannot drift apart.
"""

from flask_babel import force_locale

from marketplace.listings.forms import GRADE_LABELS, KIND_LABELS, LEGAL_LABELS, MODE_LABELS
from marketplace.listings.models import FIELDS, LISTING_MODES, Grade, LegalStatus, ListingKind
from marketplace.listings.queries import MAX_PAGE, MAX_QUERY_LENGTH, PER_PAGE, SORTS
from marketplace.public_urls import public_url

VERSION = "1.0.0"
PUBLIC_STATES = ("published", "converted")
ATTACHMENT_TYPES = ("application/pdf", "image/png", "image/jpeg")


def _values(enum_cls) -> list[str]:
    return [member.value for member in enum_cls]


#: JSON Schemas of the search parameters: the API refuses (400) a value outside them.
SEARCH_PARAMETERS: dict[str, dict] = {
    "q": {"type": "string", "maxLength": MAX_QUERY_LENGTH},
    "field": {"type": "string", "enum": list(FIELDS)},
    "grade": {"type": "string", "enum": _values(Grade)},
    "trl": {"type": "integer", "minimum": 1, "maximum": 9},
    "kind": {"type": "string", "enum": _values(ListingKind)},
    "mode": {"type": "string", "enum": _values(LISTING_MODES)},
    "university": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
    "legal_status": {"type": "string", "enum": _values(LegalStatus)},
    "sort": {"type": "string", "enum": list(SORTS), "default": "relevance"},
    "page": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
}

_DESCRIPTIONS = {
    "q": "Words to search for in Chinese or English; every word must match. Whitespace is "
         "collapsed before the length is checked.",
    "field": "Industry field.",
    "grade": "Value grade (分级分类), A the highest.",
    "trl": "Technology readiness level.",
    "kind": "Type of listing.",
    "mode": "Conversion mode offered.",
    "university": "Id of the owning university (`university.id` of a listing or facet).",
    "legal_status": "Legal status of the patent right.",
    "sort": "`relevance` (best match first; newest first without `q`), `newest` or `trl` "
            "(most mature first).",
    "page": f"Page of {PER_PAGE} results.",
}


def _labelled(description: str, labels: dict) -> str:
    items = "; ".join(f"`{getattr(key, 'value', key)}`: {label}" for key, label in labels.items())
    return f"{description} {items}."


def _parameters() -> dict:
    labels = {"field": FIELDS, "grade": GRADE_LABELS, "kind": KIND_LABELS, "mode": MODE_LABELS,
              "legal_status": LEGAL_LABELS}
    with force_locale("en"):
        descriptions = {name: _labelled(text, labels[name]) if name in labels else text
                        for name, text in _DESCRIPTIONS.items()}
    parameters = {name: {"name": name, "in": "query", "required": False,
                         "description": descriptions[name], "schema": schema}
                  for name, schema in SEARCH_PARAMETERS.items()}
    parameters["listing_id"] = {"name": "listing_id", "in": "path", "required": True,
                                "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}
    return parameters


def _ref(kind: str, name: str) -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def _json(schema: dict, description: str, headers: tuple[str, ...] = ()) -> dict:
    response = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        response["headers"] = {name: _ref("headers", name) for name in headers}
    return response


def _nullable(type_: str, **extra) -> dict:
    return {"type": [type_, "null"], **extra}


_STRING_LIST = {"type": "array", "items": {"type": "string"}}
_LISTING_PROPERTIES = {
    "id": {"type": "integer"},
    "url": {"type": "string", "format": "uri", "description": "The listing's public web page."},
    "state": {"type": "string", "enum": list(PUBLIC_STATES)},
    "state_reason": _nullable("string", description="How it was converted (converted only)."),
    "kind": {"type": "string", "enum": _values(ListingKind)},
    "title": {"type": "string"},
    "abstract": {"type": "string"},
    "field": {"type": "string", "enum": list(FIELDS)},
    "ipc_codes": _STRING_LIST,
    "keywords": _STRING_LIST,
    "inventors": _STRING_LIST,
    "application_number": _nullable("string", description="申请号, e.g. 201710601862.3; "
                                    "null for a non-patent achievement."),
    "patent_number": _nullable("string", description="ZL + application number once granted."),
    "application_date": _nullable("string", format="date"),
    "grant_date": _nullable("string", format="date"),
    "legal_status": {"type": "string", "enum": _values(LegalStatus)},
    "grade": {"type": "string", "enum": _values(Grade)},
    "trl": {"type": "integer", "minimum": 1, "maximum": 9},
    "conversion_modes": {"type": "array", "items": {"type": "string", "enum": _values(LISTING_MODES)}},
    "asking_price": {"oneOf": [_ref("schemas", "Money"), {"type": "null"}],
                     "description": "Null when the price is negotiable."},
    "terms": _nullable("string"),
    "university": _ref("schemas", "University"),
    "published_at": _nullable("string", format="date-time", description="UTC, e.g. 2026-03-01T08:00:00Z"),
    "is_demo": {"type": "boolean", "description": "Demo data, not a real offer."},
}


def _facet(value_type: str) -> dict:
    return {"type": "array", "items": {
        "type": "object", "required": ["value", "count"],
        "properties": {"value": {"type": value_type}, "count": {"type": "integer", "minimum": 1}}}}


def _schemas() -> dict:
    enum_facets = {name: _facet("string") for name in ("grade", "mode", "field", "kind", "legal_status")}
    university_facet = _facet("integer")
    university_facet["items"]["properties"]["name"] = {"type": "string"}
    university_facet["items"]["required"].append("name")
    query = {name: _nullable(schema["type"]) for name, schema in SEARCH_PARAMETERS.items()}
    query.update(q={"type": "string"}, sort={"type": "string", "enum": list(SORTS)},
                 page={"type": "integer"}, tokens={**_STRING_LIST, "description": "The words of q."})
    return {
        "Error": {"type": "object", "required": ["error", "message", "status"], "properties": {
            "error": {"type": "string", "description": "The HTTP reason phrase, e.g. Bad Request."},
            "message": {"type": "string", "description": "What went wrong, in the user's language."},
            "status": {"type": "integer", "description": "The HTTP status code."},
            "parameter": {"type": "string", "description": "The invalid query parameter (400 only)."},
        }},
        "Money": {"type": "object", "required": ["amount", "currency"], "properties": {
            "amount": {"type": "string", "pattern": r"^\d+\.\d{2}$", "examples": ["200000.00"]},
            "currency": {"type": "string", "enum": ["CNY"]},
        }},
        "University": {"type": "object", "required": ["id", "name", "url"], "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"},
            "url": {"type": "string", "format": "uri"},
        }},
        "Attachment": {"type": "object", "required": ["name", "content_type", "size", "url"],
                       "properties": {
                           "name": {"type": "string"},
                           "content_type": {"type": "string", "enum": list(ATTACHMENT_TYPES)},
                           "size": {"type": "integer", "description": "Bytes."},
                           "url": {"type": "string", "format": "uri"}}},
        "ListingSummary": {"type": "object", "required": list(_LISTING_PROPERTIES),
                           "properties": _LISTING_PROPERTIES},
        "Listing": {"allOf": [_ref("schemas", "ListingSummary"), {
            "type": "object", "required": ["attachments"],
            "properties": {"attachments": {"type": "array", "items": _ref("schemas", "Attachment")}}}]},
        "SearchResult": {"type": "object", "required": ["items", "total", "page", "pages", "per_page",
                                                        "facets", "query", "missing_terms"],
                         "properties": {
            "items": {"type": "array", "items": _ref("schemas", "ListingSummary")},
            "total": {"type": "integer"}, "page": {"type": "integer"}, "pages": {"type": "integer"},
            "per_page": {"type": "integer", "const": PER_PAGE},
            "facets": {"type": "object", "required": [*enum_facets, "trl", "university"],
                       "description": "Counts over every match, most frequent first.",
                       "properties": {**enum_facets, "trl": _facet("integer"),
                                      "university": university_facet}},
            "query": {"type": "object", "required": list(query), "properties": query},
            "missing_terms": {
                "type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
                "description": "Results that lack some words of the query (partial matches, after "
                               "those with every word): listing id -> the words it lacks."},
        }},
    }


def _errors(*codes: int) -> dict:
    names = {400: "BadRequest", 404: "NotFound", 429: "TooManyRequests", 500: "ServerError"}
    return {str(code): _ref("responses", names[code]) for code in codes}


def document() -> dict:
    """The OpenAPI document served at ``/api/v1/openapi.json``."""
    ok = ("Cache-Control", "Access-Control-Allow-Origin")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "百校千项 public API",
            "version": VERSION,
            "description": (
                "Read-only JSON access to the patents and achievements universities publish in the "
                "百校千项 high-value patent conversion action. No authentication; any origin may "
                "call it (CORS). Requests are rate-limited per address (429 with Retry-After). "
                "Contact details are not part of the API: they are on the listing's web page for "
                "logged-in users. Errors, including 405 for methods other than GET, have the Error "
                "schema. Parameters not listed here are ignored. A listed parameter given a value "
                "outside its schema, an empty value included, is refused (400 naming it); to "
                "leave a filter out, leave the parameter out."),
        },
        "servers": [{"url": public_url("/api/v1")}],
        "paths": {
            "/listings": {"get": {
                "operationId": "searchListings",
                "summary": "Search published listings, with facet counts",
                "description": "The same search as the web page /listings: same parameters, same "
                               "results in the same order.",
                "parameters": [_ref("parameters", name) for name in SEARCH_PARAMETERS],
                "responses": {"200": _json(_ref("schemas", "SearchResult"), "A page of results.", ok),
                              **_errors(400, 429, 500)},
            }},
            "/listings/{listing_id}": {"get": {
                "operationId": "getListing",
                "summary": "One published or converted listing",
                "parameters": [_ref("parameters", "listing_id")],
                "responses": {"200": _json(_ref("schemas", "Listing"), "The listing.", ok),
                              **_errors(404, 429, 500)},
            }},
            "/openapi.json": {"get": {
                "operationId": "getOpenApiDocument",
                "summary": "This document",
                "responses": {"200": _json({"type": "object"}, "The OpenAPI document.", ok),
                              **_errors(429, 500)},
            }},
        },
        "components": {
            "parameters": _parameters(),
            "schemas": _schemas(),
            "headers": {
                "Cache-Control": {"schema": {"type": "string"}, "description": "public, max-age=60"},
                "Access-Control-Allow-Origin": {"schema": {"type": "string", "const": "*"}},
                "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."},
            },
            "responses": {
                "BadRequest": _json(_ref("schemas", "Error"), "A parameter has an invalid value; "
                                    "`parameter` names it."),
                "NotFound": _json(_ref("schemas", "Error"), "No published listing has this id."),
                "TooManyRequests": _json(_ref("schemas", "Error"), "Rate limit exceeded.",
                                         ("Retry-After",)),
                "ServerError": _json(_ref("schemas", "Error"), "Unexpected error (logged)."),
            },
        },
    }
