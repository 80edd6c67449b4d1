"""Who may declare open licences and record agreements (the owning university's technology-transfer
officers; admins record announcements), who may accept one (a verified company), and who may see
and act on a licence (its licensee and its licensor)."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.accounts.models import Role
from marketplace.licences.models import DeclarationState
from marketplace.orgs.models import OrgKind
from marketplace.permissions.core import can, rule, verified_member

OWNER_TTO_ONLY = _l("Only the owning university's technology-transfer officers can do this.")
#: Declarations everyone may read; the others only their university and admins.
PUBLIC_DECLARATION_STATES = (DeclarationState.ANNOUNCED, DeclarationState.WITHDRAWN)


# --- Declarations and recorded agreements ---------------------------------------------------------

@rule("licences.manage", message=OWNER_TTO_ONLY)
def manage(user, listing) -> bool:
    """The owning university's verified tto manages a listing's declarations and agreements: whoever
    may edit the listing (with this area's own message)."""
    return can("listings.edit", listing, user=user)


@rule("licences.manage_declaration", message=OWNER_TTO_ONLY)
def manage_declaration(user, declaration) -> bool:
    """A declaration's management page, its eligibility check and its licences, and recording its
    announcement: the managers of its listing, and platform admins."""
    return user.is_authenticated and (user.is_admin or manage(user, declaration.listing))


@rule("licences.view_declaration")
def view_declaration(user, declaration) -> bool:
    """Announced and withdrawn declarations are public; others only for their university and
    admins (for anyone else they do not exist)."""
    if declaration.state in PUBLIC_DECLARATION_STATES:
        return True
    return user.is_authenticated and (user.is_admin
                                      or user.organisation_id == declaration.organisation_id)


# --- Licences ---------------------------------------------------------------------------------------

@rule("licences.accept")
def accept(user, _declaration) -> bool:
    """Accepting an open licence: a member with the company role of a verified company."""
    verified_member(user, OrgKind.COMPANY, Role.COMPANY,
                    refused=_("Only a company can accept an open licence."),
                    unverified=_("Your organisation must be verified before it can sign."))
    return True


@rule("licences.view")
def view(user, licence) -> bool:
    """A licence's page: the two organisations and admins (for anyone else it does not exist)."""
    return user.is_authenticated and (
        user.is_admin or user.organisation_id in (licence.licensee_id, licence.licensor_id))


@rule("licences.see_signer_details")
def see_signer_details(user, licence) -> bool:
    """The address and browser recorded at signing (and so the frozen document, which holds
    them): platform admins, and the two organisations' administrators and technology-transfer
    officers; not inventors nor other plain members."""
    if not view(user, licence):
        return False
    return user.is_admin or user.is_org_admin or user.role is Role.TTO


@rule("licences.act_as_licensee", message=_l("Only the licensee can do this."))
def act_as_licensee(user, licence) -> bool:
    """Paying, reporting royalties and leaving a trial: the licensee company's verified members."""
    return (user.is_authenticated and user.role is Role.COMPANY
            and user.organisation_id == licence.licensee_id and user.org_verified)


@rule("licences.act_as_licensor", message=_l(
    "Only the licensing university's technology-transfer officers can do this."))
def act_as_licensor(user, licence) -> bool:
    """The licensing university's verified tto."""
    return (user.is_authenticated and user.role is Role.TTO
            and user.organisation_id == licence.licensor_id and user.org_verified)


@rule("licences.act_as_party",
      message=_l("Only the licensee or the licensing university can do this."))
def act_as_party(user, licence) -> bool:
    """Ending an unpaid licence, recording it with CNIPA: the licensee or the licensor."""
    return act_as_licensee(user, licence) or act_as_licensor(user, licence)
