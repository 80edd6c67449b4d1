"""The one permission layer: every view declares who may use it with these decorators."""

from functools import wraps

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts.models import Role

__all__ = ["login_required", "roles_required", "admin_required", "verified_org_required",
           "org_admin_required", "require_same_org"]


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
        if not current_user.organisation.is_verified:
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
