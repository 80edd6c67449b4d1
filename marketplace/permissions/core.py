"""The permission mechanism: rules registered per action, asked by views, services and templates.

A rule is ``fn(user, obj) -> bool``, registered once with ``@rule("area.action")`` in that area's
module of this package (or ``events/permissions.py``). It may raise ``NotAllowed`` to give the user
a precise reason; returning False refuses with the action's default message. Then:

- templates and views ask ``can("listings.edit", listing)`` (the current user by default);
- services call ``check("listings.edit", listing, actor=actor)``, which raises ``NotAllowed``;
- views may declare ``@permission_required("listings.create")`` (403 with the rule's message), or
  ``require("listings.view", listing, missing=404)`` for objects whose existence must not leak.
"""

from collections.abc import Callable
from functools import wraps

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import Forbidden

from marketplace.accounts.models import Role
from marketplace.api.errors import error_response  # the API's own JSON errors
from marketplace.errors import NotAllowed

__all__ = ["login_required", "roles_required", "admin_required", "verified_org_required",
           "org_admin_required", "require_same_org", "OPEN_TO_UNCONFIRMED",
           "require_confirmed_email", "can_see_contacts", "rule", "can", "check", "require",
           "permission_required", "verified_member", "Rule"]


class Rule:
    """One registered rule: its predicate and the message used when it returns False."""

    def __init__(self, action: str, predicate: Callable, message: str | Callable[[], str] | None):
        self.action, self.predicate, self._message = action, predicate, message

    @property
    def message(self) -> str:
        message = self._message() if callable(self._message) else self._message
        return str(message) if message else _("You are not allowed to do this.")


RULES: dict[str, Rule] = {}


def rule(action: str, message=None):
    """Register ``fn(user, obj) -> bool`` as the one rule for ``action``. ``message`` (a lazy
    string) is what the user reads when the rule returns False; a rule may instead raise
    ``NotAllowed`` with a more precise reason."""
    def decorator(predicate):
        if action in RULES:
            raise RuntimeError(f"permission rule {action!r} is registered twice")
        RULES[action] = Rule(action, predicate, message)
        return predicate
    return decorator


def _rule(action: str) -> Rule:
    try:
        return RULES[action]
    except KeyError:
        raise LookupError(f"no permission rule {action!r}") from None


def check(action: str, obj=None, *, actor=None) -> None:
    """Raise ``NotAllowed`` (with the rule's reason) unless ``actor`` (by default the current
    user) may do ``action`` on ``obj``. Services call this."""
    registered = _rule(action)
    user = current_user if actor is None else actor
    if not registered.predicate(user, obj):
        raise NotAllowed(registered.message)


def can(action: str, obj=None, *, user=None) -> bool:
    """Whether ``user`` (by default the current user) may do ``action`` on ``obj``. Templates ask
    ``can('listings.edit', listing)``."""
    try:
        check(action, obj, actor=user)
    except NotAllowed:
        return False
    return True


def require(action: str, obj=None, *, missing: int = 403) -> None:
    """In a view: abort unless the current user may do ``action`` on ``obj``; with
    ``missing=404`` the refusal looks like a missing object (no existence leak)."""
    try:
        check(action, obj)
    except NotAllowed as refused:
        if missing == 404:
            abort(404)
        abort(missing, description=refused.message)


def permission_required(action: str):
    """View decorator: logged-in users whom the rule for ``action`` (with no object) allows."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            require(action)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def verified_member(user, kind, role: Role | None = None, *, refused: str, unverified: str):
    """The guard written once: ``user`` must have ``role`` (any role when None) in an
    organisation of ``kind`` that an administrator has verified. Raises ``NotAllowed`` with
    ``refused`` (wrong role or kind, or no organisation) or ``unverified``; returns the
    organisation."""
    org = user.organisation if user.is_authenticated else None
    if org is None or org.kind is not kind or (role is not None and user.role is not role):
        raise NotAllowed(refused)
    if not org.status.is_verified:
        raise NotAllowed(unverified)
    return org


def roles_required(*roles: Role):
    """Allow logged-in users whose role is one of ``roles``."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403, description=_("Your role does not give access to this page."))
            return view(*args, **kwargs)
        return wrapped
    return decorator


admin_required = roles_required(Role.ADMIN)


def verified_org_required(view):
    """Allow members of a verified organisation only: unverified organisations cannot act."""
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.organisation is None:
            abort(403, description=_("You need to belong to an organisation to do this."))
        if not current_user.organisation.status.is_verified:
            abort(403, description=_(
                "Your organisation has not been verified yet. You can act once an administrator "
                "has verified it."))
        return view(*args, **kwargs)
    return wrapped


def org_admin_required(view):
    """Allow administrators of the user's own organisation."""
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.organisation is None or not current_user.is_org_admin:
            abort(403, description=_("Only your organisation's administrators can do this."))
        return view(*args, **kwargs)
    return wrapped


def require_same_org(organisation_id: int | None) -> None:
    """Object-level check: refuse objects of another organisation with 404 (no existence leak)."""
    if organisation_id is None or current_user.organisation_id != organisation_id:
        abort(404)


#: What an account whose e-mail address is not confirmed yet may use: its profile and password,
#: logging out, the confirmation itself, the language switch, and the public account forms (which
#: send a logged-in user on to the dashboard, hence to the confirmation page).
OPEN_TO_UNCONFIRMED = frozenset({
    "static", "main.healthz", "main.readyz", "main.metrics_page", "main.set_language",
    "accounts.register", "accounts.login", "accounts.logout", "accounts.logout_everywhere",
    "accounts.reset_request",
    "accounts.reset_password",
    "accounts.profile", "accounts.change_password",
    "accounts.confirm_notice", "accounts.confirm_email", "accounts.resend_confirmation",
})


def require_confirmed_email():
    """Before every request: an account that has not confirmed its e-mail address may only use
    what ``OPEN_TO_UNCONFIRMED`` names. Pages send it to the confirmation page (as
    ``login_required`` sends visitors to the login page); other requests get 403 with the page."""
    if request.endpoint is None or request.endpoint in OPEN_TO_UNCONFIRMED:
        return None
    if not current_user.is_authenticated or current_user.email_confirmed:
        return None
    message = _("Confirm your e-mail address first: open the link we sent you, or ask for a new one.")
    if request.blueprint == "api" or request.path.startswith("/api/"):
        return error_response(Forbidden(description=message))
    if request.method in ("GET", "HEAD"):
        return redirect(url_for("accounts.confirm_notice"))
    return render_template("accounts/confirm_notice.html", refused=message), 403


def can_see_contacts(user=None) -> bool:
    """Whether ``user`` (by default the current user) may see people's contact details (names,
    e-mail addresses, phones) on listings, needs, interests, declarations and roadshow reports: a
    confirmed account of a verified organisation, or a platform administrator with a confirmed
    address. Unconfirmed accounts and members of pending or rejected organisations see none.
    Templates ask ``can_see_contacts()`` (a template global, also inside imported macros)."""
    if user is None:
        user = current_user
    if not user.is_authenticated or not user.email_confirmed:
        return False
    return user.is_admin or user.org_verified
