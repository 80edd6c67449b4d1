"""Every state change of an account goes through a function here."""

from datetime import timedelta

from flask import current_app, request, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from marketplace import mail
from marketplace.accounts import confirmation, lockout
from marketplace.accounts.mailings import MAILINGS
from marketplace.accounts.models import Role, User, new_session_nonce
from marketplace.accounts.passwords import hash_password, verify_password
from marketplace.audit import services as audit
from marketplace.audit.models import AuditEvent
from marketplace.db_types import utcnow
from marketplace.errors import ServiceError
from marketplace.extensions import db
from marketplace.permissions import check

_RESET_SALT = "password-reset"
#: Compared against when the e-mail is unknown, so a miss costs as much time as a wrong password.
_DUMMY_HASH: dict[str, str] = {}


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def email_taken(email: str) -> bool:
    return db.session.scalar(
        select(func.count()).select_from(User).where(User.email == normalise_email(email))
    ) > 0


def new_user(email: str, password: str, name: str, role: Role, **fields) -> User:
    """Build (not commit) a user; callers add it with its organisation in one transaction."""
    if email_taken(email):
        raise ServiceError(_("An account with this e-mail address already exists."))
    user = User(email=normalise_email(email), password_hash=hash_password(password),
                name=name.strip(), role=role, **fields)
    db.session.add(user)
    return user


class LoginPaused(ServiceError):
    """Too many failed logins for the account or from the address: the password was not tried."""

    status_code = 429

    def __init__(self, refusal: lockout.Refusal):
        super().__init__(refusal.message)
        self.retry_after = refusal.seconds


def authenticate(email: str, password: str, address: str | None = None) -> User | None:
    """Return the user whose credentials these are, or None after auditing the failure.

    Raises ``LoginPaused`` while the account or the address (``request.remote_addr``) is locked
    out (accounts/lockout.py); the attempt is counted before the password is checked.
    """
    refusal = lockout.admit(email, address)
    if refusal is not None:
        if refusal.scope == "account":
            record_lockout(email)
        raise LoginPaused(refusal)
    user = find_user_by_email(email)
    if user is None:
        method = current_app.config["PASSWORD_HASH_METHOD"]
        if method not in _DUMMY_HASH:
            _DUMMY_HASH[method] = hash_password("not-a-real-password-0")
        verify_password(_DUMMY_HASH[method], password)
    elif verify_password(user.password_hash, password) and user.active:
        lockout.succeeded(email, address)
        return user
    audit.record("accounts.login_failed", actor=user, actor_email=normalise_email(email)[:254],
                 reason="inactive" if user is not None and not user.active else "credentials")
    db.session.commit()
    return None


def record_lockout(email: str) -> None:
    """Audit that repeated failures locked logins for this address (once per lockout window)."""
    email = normalise_email(email)[:254]
    since = utcnow() - timedelta(minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])
    already = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.event == "accounts.login_locked", AuditEvent.actor_email == email,
        AuditEvent.created_at >= since))
    if already:
        return
    audit.record("accounts.login_locked", actor=find_user_by_email(email), actor_email=email)
    db.session.commit()


def start_session(user: User, remember: bool = False) -> None:
    """Log the user in on a fresh session (no data carried over from before login)."""
    keep = {key: session[key] for key in ("lang",) if key in session}
    session.clear()
    session.update(keep)
    login_user(user, remember=remember)
    user.last_login_at = utcnow()
    audit.record("accounts.login", actor=user)
    db.session.commit()


def end_session(user: User, *, everywhere: bool = False) -> None:
    """Log the user out: rotate their session token, so that no session or remember cookie issued
    before (in this browser or any other) logs in again, and delete this browser's cookies."""
    user.session_nonce = new_session_nonce()
    audit.record("accounts.logout_everywhere" if everywhere else "accounts.logout", actor=user)
    db.session.commit()
    logout_user()  # asks (through the session) for the remember cookie to be deleted
    keep = {key: session[key] for key in ("lang", "_remember") if key in session}
    session.clear()
    session.update(keep)


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_RESET_SALT)


def request_password_reset(email: str) -> None:
    """E-mail a reset link if the address has an account; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    # The token binds to the current hash, so it stops working once the password changes.
    token = _reset_serializer().dumps({"id": user.id, "h": user.password_hash[-16:]})
    audit.record("accounts.password_reset_requested", actor=user)
    db.session.commit()
    mail.send(user.email, _l("Reset your password"), "reset_password", locale=user.locale,
              user=user, token=token)


def user_for_reset_token(token: str) -> User | None:
    """Return the user a valid, unused, unexpired reset token belongs to."""
    try:
        data = _reset_serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        return None
    user = db.session.get(User, data.get("id"))
    if user is None or not user.active or user.password_hash[-16:] != data.get("h"):
        return None
    return user


def reset_password(user: User, password: str) -> None:
    """Set a new password from a reset link, sign out every existing session and lift a login
    lockout of the account."""
    user.password_hash = hash_password(password)
    user.session_nonce = new_session_nonce()
    lockout.forget_account(user.email)
    audit.record("accounts.password_reset", actor=user)
    db.session.commit()


def change_password(user: User, current: str, new: str) -> None:
    """Change a password after re-checking the current one; other sessions are signed out."""
    if not verify_password(user.password_hash, current):
        raise ServiceError(_("The current password is not correct."))
    user.password_hash = hash_password(new)
    user.session_nonce = new_session_nonce()
    audit.record("accounts.password_changed", actor=user)
    db.session.commit()
    # Keep this browser logged in with the new token; a remember cookie it had is renewed.
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    login_user(user, remember=remembered)


def update_profile(user: User, *, name: str, title: str | None, phone: str | None,
                   locale: str | None, timezone: str | None,
                   mail: dict[str, bool] | None = None) -> None:
    """Save the fields a user may edit on their own profile (``mail``: mailing name -> wanted)."""
    user.name = name.strip()
    user.title = (title or "").strip() or None
    user.phone = (phone or "").strip() or None
    user.locale = locale or None
    user.timezone = timezone or None
    for mailing, wanted in (mail or {}).items():
        setattr(user, MAILINGS[mailing].column, bool(wanted))
    db.session.commit()
    if locale:
        session["lang"] = locale
    else:
        session.pop("lang", None)


def change_role(admin: User, user: User, role: Role) -> None:
    """An admin changes a user's role; the role must fit the user's organisation."""
    check("accounts.change_role", user, actor=admin)
    if user.id == admin.id:
        raise ServiceError(_("You cannot change your own role."))
    if role is Role.ADMIN:
        if user.organisation_id is not None:
            raise ServiceError(_("Administrators cannot belong to an organisation."))
    elif user.organisation is None or role not in user.organisation.allowed_roles:
        raise ServiceError(_("This role does not fit the user's organisation."))
    if role is user.role:
        return
    old = user.role
    user.role = role
    user.session_nonce = new_session_nonce()
    audit.record("user.role_changed", actor=admin, target=user, old=old.value, new=role.value,
                 email=user.email)
    db.session.commit()


def set_active(admin: User, user: User, active: bool) -> None:
    """An admin deactivates or reactivates an account; deactivation signs it out."""
    check("accounts.set_active", user, actor=admin)
    if user.id == admin.id:
        raise ServiceError(_("You cannot deactivate your own account."))
    if user.active == active:
        return
    user.active = active
    user.session_nonce = new_session_nonce()
    audit.record("user.reactivated" if active else "user.deactivated", actor=admin, target=user,
                 email=user.email)
    db.session.commit()


def create_admin(email: str, password: str, name: str) -> User:
    """Create a platform administrator (from the command line; never from a web form)."""
    user = new_user(email, password, name, Role.ADMIN)
    confirmation.mark_confirmed(user)  # made by the operators, who know the address
    db.session.flush()
    audit.record("accounts.register", actor=user, admin=True)
    db.session.commit()
    return user
