"""Who may see and assemble published lists: a university's lists are its verified tto's, the
action's lists the platform admins'."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.accounts.models import Role
from marketplace.errors import NotAllowed
from marketplace.orgs.models import OrgKind
from marketplace.permissions.core import rule


def _university_tto(user) -> bool:
    org = user.organisation
    return (user.role is Role.TTO and org is not None and org.kind is OrgKind.UNIVERSITY
            and org.status.is_verified)


@rule("lists.view")
def view(user, plist) -> bool:
    """A list with a published version: everyone, unless its university is not verified; then
    only that university's members and platform admins."""
    org = plist.organisation
    if org is None or org.status.is_verified:
        return True
    return user.is_authenticated and (user.is_admin or user.organisation_id == plist.organisation_id)


@rule("lists.open_management")
def open_management(user, _obj) -> bool:
    """The management pages: a tto of a verified organisation, or a platform admin (who has no
    organisation to verify)."""
    if not user.is_authenticated or user.role not in (Role.TTO, Role.ADMIN):
        raise NotAllowed(_("Your role does not give access to this page."))
    if user.role is Role.TTO and not user.org_verified:
        raise NotAllowed(_("Your organisation has not been verified yet. You can act once an "
                           "administrator has verified it."))
    return True


@rule("lists.create", message=_l("Only a verified university's technology-transfer officers and "
                                 "the action's administrators manage lists."))
def create(user, _obj) -> bool:
    """A verified university's tto (a list of their university) or an admin (of the action)."""
    return user.is_authenticated and (user.role is Role.ADMIN or _university_tto(user))


@rule("lists.manage", message=_l("This list belongs to another university."))
def manage(user, plist) -> bool:
    """A university's list: its verified tto. The action's lists: the platform admins."""
    if not user.is_authenticated:
        return False
    if plist.organisation_id is None:
        if user.role is Role.ADMIN:
            return True
        raise NotAllowed(_("Only the action's administrators manage this list."))
    return _university_tto(user) and user.organisation_id == plist.organisation_id
