"""Who may set a university's revenue split, bank account and inventor shares, and see its
revenue ledger."""

from flask_babel import gettext as _

from marketplace.accounts.models import Role
from marketplace.errors import NotAllowed
from marketplace.orgs.models import OrgKind
from marketplace.permissions.core import rule, verified_member


@rule("ledger.university")
def university(user, _obj) -> bool:
    """The university ledger's pages: members of a university (its settings and statements)."""
    org = user.organisation if user.is_authenticated else None
    if org is None or org.kind is not OrgKind.UNIVERSITY:
        raise NotAllowed(_("Only universities have a revenue ledger."))
    return True


@rule("ledger.manage")
def manage(user, organisation_id: int) -> bool:
    """Change the split and bank account of the university ``organisation_id``, or the
    contribution shares of its listings: a tto of that university, once verified."""
    message = _("Only the university's technology-transfer officers can change this.")
    org = verified_member(user, OrgKind.UNIVERSITY, Role.TTO, refused=message, unverified=message)
    if org.id != organisation_id:
        raise NotAllowed(message)
    return True
