"""Who may see an organisation and its verification documents, administer it (profile,
documents, invitations, members), and decide on its verification."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.errors import NotAllowed
from marketplace.permissions.core import rule

ORG_ADMINS_ONLY = _l("Only your organisation's administrators can do this.")


def _administers(user, org) -> bool:
    return (org is not None and user.is_authenticated and user.is_org_admin
            and user.organisation_id == org.id)


@rule("orgs.view")
def view(user, org) -> bool:
    """An organisation's public page: verified ones for everyone; the others for their members
    and platform admins (for anyone else they do not exist)."""
    return org.status.is_verified or (user.is_authenticated and (user.is_admin
                                                          or user.organisation_id == org.id))


@rule("orgs.view_document")
def view_document(user, document) -> bool:
    """A verification document: platform admins and the organisation's members."""
    return user.is_authenticated and (user.is_admin
                                      or user.organisation_id == document.organisation_id)


@rule("orgs.administer", message=ORG_ADMINS_ONLY)
def administer(user, org) -> bool:
    """Add claim documents, withdraw invitations, remove members and grant the right to
    administer: the organisation's own administrators."""
    return _administers(user, org)


@rule("orgs.edit", message=_l("Only your organisation's administrators can edit it."))
def edit(user, org) -> bool:
    """Edit the organisation's profile: its administrators."""
    return _administers(user, org)


@rule("orgs.invite")
def invite(user, _obj) -> bool:
    """Invite members: the administrators of a verified organisation."""
    org = user.organisation if user.is_authenticated else None
    if not _administers(user, org):
        raise NotAllowed(_("Only your organisation's administrators can invite members."))
    if not org.status.is_verified:
        raise NotAllowed(_("Your organisation must be verified before it can invite members."))
    return True


@rule("orgs.decide", message=_l("Only platform administrators can do this."))
def decide(user, _org) -> bool:
    """Verify or reject an organisation: platform administrators."""
    return user.is_authenticated and user.is_admin
