"""Who may change a saved search: only the user who saved it."""

from flask_babel import lazy_gettext as _l

from marketplace.permissions.core import rule


@rule("alerts.own_search", message=_l("This is not your saved search."))
def own_search(user, saved) -> bool:
    return user.is_authenticated and saved.user_id == user.id
