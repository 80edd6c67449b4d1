"""Suggestions as you type, for the search boxes (``static/js/suggest.js``): JSON, public."""

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from flask_babel import ngettext

from marketplace.extensions import limiter
from marketplace.listings import suggest
from marketplace.listings.routes import bp


def _rate_limit() -> str:
    return current_app.config["SUGGEST_RATE_LIMIT"]


def _refuse(message: str):
    response = jsonify(error="Bad Request", status=400, parameter="q", message=message)
    response.status_code = 400
    return response


@bp.get("/listings/suggest")
@limiter.limit(_rate_limit)
def suggestions():
    """Up to eight suggestions for the text typed so far (``q``), grouped by kind."""
    values = request.args.getlist("q")
    if len(values) > 1:
        return _refuse(_("Give the text typed so far as q, once."))
    text = " ".join((values[0] if values else "").split())
    if len(text) > suggest.MAX_LENGTH:
        return _refuse(_("Type at most %(length)d characters.", length=suggest.MAX_LENGTH))
    groups = suggest.suggest(text)
    count = sum(len(items) for _, _, items in groups)
    response = jsonify(
        q=text, count=count,
        status=ngettext("%(num)d suggestion: use the up and down arrows to choose.",
                        "%(num)d suggestions: use the up and down arrows to choose.", count)
        if count else _("No suggestions."),
        groups=[{"kind": kind, "label": label, "items": [item.as_json() for item in items]}
                for kind, label, items in groups])
    response.headers["Cache-Control"] = "private, max-age=60"
    return response
