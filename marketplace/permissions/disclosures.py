"""Who may file, see, assess and review invention disclosures. A disclosure is confidential
before filing: only its inventors, its university's verified tto and the outside reviewers the tto
invited to it (that disclosure only) see it; everyone else gets a 404."""

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.disclosures.models import Reviewer
from marketplace.errors import NotAllowed
from marketplace.extensions import db
from marketplace.orgs.models import OrgKind
from marketplace.permissions.core import rule, verified_member


def _inventor_org(user):
    return verified_member(
        user, OrgKind.UNIVERSITY, Role.INVENTOR,
        refused=_("Only inventors of a university file invention disclosures."),
        unverified=_("Your university must be verified before you can file a disclosure."))


def _tto_of(user, disclosure) -> bool:
    try:
        org = verified_member(user, OrgKind.UNIVERSITY, Role.TTO, refused="", unverified="")
    except NotAllowed:
        return False
    return org.id == disclosure.organisation_id


def is_inventor(user, disclosure) -> bool:
    return user.is_authenticated and (
        disclosure.created_by_id == user.id
        or any(inventor.user_id == user.id for inventor in disclosure.inventors))


def is_reviewer(user, disclosure) -> bool:
    return user.is_authenticated and any(r.user_id == user.id for r in disclosure.reviewers)


@rule("disclosures.file")
def file(user, _obj) -> bool:
    """File a new disclosure: an inventor of a verified university."""
    _inventor_org(user)
    return True


@rule("disclosures.list")
def list_(user, _obj) -> bool:
    """The disclosures page: inventors and tto of a verified university, and outside reviewers."""
    if not user.is_authenticated:
        return False
    org = user.organisation
    if org is not None and org.kind is OrgKind.UNIVERSITY and org.status.is_verified \
            and user.role in (Role.TTO, Role.INVENTOR):
        return True
    return db.session.scalar(select(Reviewer.id).where(Reviewer.user_id == user.id).limit(1)) \
        is not None


@rule("disclosures.view")
def view(user, disclosure) -> bool:
    """See a disclosure: its inventors; its university's verified tto once it is submitted;
    the reviewers invited to it."""
    if is_inventor(user, disclosure):
        return True
    if _tto_of(user, disclosure) and not disclosure.state.is_draft:
        return True
    return is_reviewer(user, disclosure)


@rule("disclosures.edit", message=lambda: _("Only the inventor who filed it edits a draft."))
def edit(user, disclosure) -> bool:
    """Change and submit a draft: the inventor who filed it."""
    return user.is_authenticated and disclosure.created_by_id == user.id \
        and disclosure.state.is_draft


@rule("disclosures.confirm", message=lambda: _("Only a co-inventor confirms their own share."))
def confirm(user, disclosure) -> bool:
    """Confirm one's own share: an inventor with an account named on the disclosure."""
    return user.is_authenticated and any(i.user_id == user.id for i in disclosure.inventors)


@rule("disclosures.assess",
      message=lambda: _("Only the university's technology-transfer officers assess disclosures."))
def assess(user, disclosure) -> bool:
    """Assess, decide, invite reviewers, record the filing and make the listing: a verified tto of
    the disclosure's university."""
    return _tto_of(user, disclosure)


@rule("disclosures.review", message=lambda: _("Only an invited reviewer scores this disclosure."))
def review(user, disclosure) -> bool:
    """Record scores as an outside reviewer: a user the tto invited to this disclosure."""
    return is_reviewer(user, disclosure)


@rule("disclosures.attach", message=lambda: _("Only its inventors and the tto add files."))
def attach(user, disclosure) -> bool:
    """Attach files: its inventors, and its university's tto once it is submitted."""
    return is_inventor(user, disclosure) or (_tto_of(user, disclosure)
                                             and not disclosure.state.is_draft)
