"""Confirming an account's e-mail address: the expiring signed link, sending it, using it.

Until the address is confirmed the account may only edit its profile: the gate is
``permissions.require_confirmed_email``. Accounts made from an invitation are confirmed at once
(the invitation's link was mailed to that address), as are the command line's administrators and
the demo's accounts.
"""

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from marketplace import mail
from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.db_types import utcnow
from marketplace.extensions import db
from marketplace.public_urls import public_url_for

_SALT = "email-confirmation"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def token_for(user: User) -> str:
    """A signed token naming the account and the address it proves (void once the address changes)."""
    return _serializer().dumps({"id": user.id, "e": user.email})


def user_for_token(token: str) -> User | None:
    """The active account a valid, unexpired token names, or None."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["EMAIL_CONFIRM_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict):
        return None
    user = db.session.get(User, data.get("id")) if isinstance(data.get("id"), int) else None
    if user is None or not user.active or user.email != data.get("e"):
        return None
    return user


def link_for(user: User) -> str:
    """The absolute confirmation link, always on PUBLIC_URL (as the mail module builds links
    outside a request): never on the Host header of the request that asked for it, so a forged
    Host cannot send the token elsewhere."""
    return public_url_for("accounts.confirm_email", token=token_for(user))


def send_link(user: User) -> None:
    """Mail the confirmation link to the account's address (nothing when it is confirmed)."""
    if user.email_confirmed:
        return
    mail.send(user.email, _l("Confirm your e-mail address"), "confirm_email", locale=user.locale,
              user=user, link=link_for(user),
              days=current_app.config["EMAIL_CONFIRM_MAX_AGE"] // (24 * 3600))


def resend_link(user: User) -> bool:
    """The owner asks for the link again (rate-limited by the view); False when confirmed."""
    if user.email_confirmed:
        return False
    audit.record("accounts.confirmation_sent", actor=user)
    db.session.commit()
    send_link(user)
    return True


def confirm(user: User) -> bool:
    """Record that the owner proved the address; False when it was confirmed already."""
    if user.email_confirmed:
        return False
    user.email_confirmed_at = utcnow()
    audit.record("accounts.email_confirmed", actor=user)
    db.session.commit()
    return True


def mark_confirmed(user: User) -> None:
    """Confirm in the caller's transaction: the address was proved another way (an invitation
    mailed to it) or the account was made by the operators (command line, demo)."""
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
