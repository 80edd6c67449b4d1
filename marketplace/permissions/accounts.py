"""Who may change other people's accounts: platform administrators change roles and
deactivate or reactivate accounts."""

from flask_babel import lazy_gettext as _l

from marketplace.permissions.core import rule


@rule("accounts.change_role", message=_l("Only platform administrators can change roles."))
def change_role(user, _account) -> bool:
    return user.is_authenticated and user.is_admin


@rule("accounts.set_active", message=_l("Only platform administrators can do this."))
def set_active(user, _account) -> bool:
    return user.is_authenticated and user.is_admin
