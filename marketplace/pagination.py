"""The page parameter of every paginated page, read in one place.

A page number is a whole number from 1 to a maximum written in ASCII digits; anything else (0,
-1, 1.5, ２, NaN, 2^63, which no database can use as an offset) is the client's error: a 400 with
a message, never a 500 and never silently another page. No page parameter, or an empty one, is
page 1. Past the last page a page is simply empty.
"""

import re

from flask import request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

from marketplace.extensions import db

#: The largest page number any page accepts (pages that rank results use a smaller one).
MAX_PAGE = 100_000
_DIGITS = re.compile(r"[0-9]{1,9}")


class InvalidPage(BadRequest):
    """The page parameter is not a page number; the description says what is expected."""


def parse_page(value: str | None, maximum: int = MAX_PAGE) -> int:
    """The page number in ``value`` (None or "" is page 1); raise ``InvalidPage`` otherwise."""
    if value is None or value == "":
        return 1
    if _DIGITS.fullmatch(value) and 1 <= int(value) <= maximum:
        return int(value)
    raise InvalidPage(description=_("The page number must be a whole number from 1 to %(high)d.",
                                    high=maximum))


def page_number(maximum: int = MAX_PAGE) -> int:
    """The requested page of the current request."""
    return parse_page(request.args.get("page"), maximum)


def paginate(statement, per_page: int, page: int | None = None):
    """Flask-SQLAlchemy's pagination of ``statement`` at ``page`` (already read with
    ``parse_page``) or else the requested page."""
    return db.paginate(statement, page=page or page_number(), per_page=per_page,
                       max_per_page=per_page, error_out=False)
