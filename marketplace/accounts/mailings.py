"""The mail a user may turn off, and the one-click unsubscribe link in it (RFC 8058).

Three mailings: ``digests`` (saved-search digests), ``follows`` (alerts on followed listings) and
``notifications`` (the other notification e-mails). Each is a switch on the user (``mail_*``),
shown on the profile. A mail of a mailing carries ``List-Unsubscribe`` with ``url_for(user,
mailing)``: a signed token (itsdangerous) naming the user and the mailing, on PUBLIC_URL. Posting
to it, without a session or CSRF token as RFC 8058 requires, turns that mailing off; the token
proves the link came from a mail sent to that user. Transactional mail has no mailing.
"""

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.public_urls import public_url_for

_SALT = "mail-unsubscribe"


@dataclass(frozen=True)
class Mailing:
    name: str
    #: The ``User`` column that switches it.
    column: str
    label: object


MAILINGS = {m.name: m for m in (
    Mailing("digests", "mail_digests", _l("Saved-search digests")),
    Mailing("follows", "mail_follow_alerts", _l("Alerts on listings you follow")),
    Mailing("notifications", "mail_notifications", _l("Other notifications by e-mail")),
)}


class BadToken(Exception):
    """The link is not one we signed, or it is too old; ``user`` is who it names, when known."""

    def __init__(self, user: User | None = None):
        super().__init__("bad unsubscribe token")
        self.user = user


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def receives(user: User, mailing: str) -> bool:
    """Whether ``user`` wants the mails of ``mailing``."""
    return bool(getattr(user, MAILINGS[mailing].column))


def token_for(user: User, mailing: str) -> str:
    if mailing not in MAILINGS:
        raise ValueError(f"unknown mailing {mailing!r}")
    return _serializer().dumps({"u": user.id, "m": mailing})


def unsubscribe_url(user: User, mailing: str) -> str:
    """The one-click unsubscribe link of ``mailing`` for ``user``, on PUBLIC_URL."""
    return public_url_for("accounts.unsubscribe", token=token_for(user, mailing))


def _named(data) -> tuple[User, str] | None:
    if not isinstance(data, dict) or data.get("m") not in MAILINGS or not isinstance(data.get("u"), int):
        return None
    user = db.session.get(User, data["u"])
    return (user, data["m"]) if user is not None else None


def read_token(token: str) -> tuple[User, str]:
    """The user and mailing a valid token names; ``BadToken`` otherwise (an expired token still
    names its user, so the page can speak their language)."""
    serializer = _serializer()
    try:
        data = serializer.loads(token, max_age=current_app.config["UNSUBSCRIBE_MAX_AGE"])
    except SignatureExpired as error:
        try:
            named = _named(serializer.load_payload(error.payload))
        except BadSignature:
            named = None
        raise BadToken(named[0] if named else None) from error
    except BadSignature as error:
        raise BadToken() from error
    named = _named(data)
    if named is None:
        raise BadToken()
    return named


def unsubscribe(user: User, mailing: str) -> None:
    """Turn ``mailing`` off for ``user`` (idempotent) and commit."""
    setattr(user, MAILINGS[mailing].column, False)
    db.session.commit()
