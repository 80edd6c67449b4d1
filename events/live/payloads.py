"""The shape of every request the live room accepts: one table, checked before any action runs.

A field of the wrong type (a question's ``text`` sent as an object, ``anonymous`` as the string
"false", an id as a list) refuses the whole request with ``invalid``; nothing is converted with
``str()`` or ``bool()`` and stored. Absent fields and ``null`` pass: the action decides whether
it needs them (and says so in words, e.g. "Write something first."). Unknown fields are dropped.
"""

from flask_babel import gettext as _

from events.live.services import RoomError

#: Largest id accepted (PostgreSQL's bigint; larger numbers would fail in the database).
MAX_ID = 2**63 - 1


def _text(value) -> bool:
    return isinstance(value, str)


def _id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_ID


def _flag(value) -> bool:
    return isinstance(value, bool)


def _texts(value) -> bool:
    return isinstance(value, list) and len(value) <= 20 and all(isinstance(item, str) for item in value)


#: Event name -> {field: check}. Every ``on_<event>`` handler of the namespace has an entry
#: (tests/security/test_live_input.py checks it); an event without one is refused.
SCHEMAS = {
    "sync": {"after": _id},
    "ask": {"uuid": _text, "text": _text, "anonymous": _flag},
    "upvote": {"question_id": _id},
    "chat": {"uuid": _text, "text": _text},
    "vote": {"poll_id": _id, "option_id": _id},
    "interest": {"listing_id": _id},
    "go_live": {"confirm": _flag},
    "end": {},
    "present": {"listing_id": _id},
    "qa": {"open": _flag},
    "moderation": {"on": _flag},
    "approve": {"question_id": _id},
    "hide": {"question_id": _id},
    "restore": {"question_id": _id},
    "answer": {"question_id": _id, "text": _text},
    "pin": {"question_id": _id, "pinned": _flag},
    "poll_open": {"question": _text, "options": _texts},
    "poll_close": {"poll_id": _id},
}


def validate(event: str, data) -> dict:
    """The payload of ``event`` with only its known fields, or RoomError("invalid")."""
    schema = SCHEMAS.get(event)
    if data is None:
        data = {}
    if schema is None or not isinstance(data, dict):
        raise _invalid()
    checked = {}
    for name, check in schema.items():
        value = data.get(name)
        if value is None:
            continue
        if not check(value):
            raise _invalid()
        checked[name] = value
    return checked


def _invalid() -> RoomError:
    return RoomError("invalid", _("This request is not valid. Reload the page and try again."))
