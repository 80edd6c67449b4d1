"""Who may see and change listings, their attachments and their bulk imports."""

from flask_babel import gettext as _

from marketplace.accounts.models import Role
from marketplace.errors import NotAllowed
from marketplace.orgs.models import Organisation, OrgKind
from marketplace.permissions.core import rule, verified_member


def publisher(user) -> Organisation:
    """The verified university of ``user``, a tto; raises ``NotAllowed`` with the reason otherwise."""
    return verified_member(
        user, OrgKind.UNIVERSITY, Role.TTO,
        refused=_("Only a university's technology-transfer officers manage listings."),
        unverified=_("Your organisation must be verified before it can publish."))


@rule("listings.view")
def view(user, listing) -> bool:
    """Public listings: everyone. The others: their university's members and platform admins."""
    if listing.is_public:
        return True
    if not user.is_authenticated:
        return False
    return user.is_admin or user.organisation_id == listing.organisation_id


@rule("listings.publish")
def publish(user, _obj) -> bool:
    """Write listings and import them in bulk: a tto of a verified university."""
    publisher(user)
    return True


@rule("listings.edit")
def edit(user, listing) -> bool:
    """Edit, move through its states, attach files to (and keep the NDA of) a listing: a tto of
    its verified university."""
    if publisher(user).id != listing.organisation_id:
        raise NotAllowed(_("This listing belongs to another university."))
    return True


@rule("listings.manage_import")
def manage_import(user, batch) -> bool:
    """See, import or discard an import batch: a tto of its verified university."""
    if publisher(user).id != batch.organisation_id:
        raise NotAllowed(_("This import belongs to another university."))
    return True
