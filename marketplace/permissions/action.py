"""Who takes part in the 百校千项 action: the technology-transfer officers of verified universities
(enrolment, plan, reports, units, their dashboard) and the action's administrators (batches,
categories, review, the national dashboard)."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.accounts.models import Role
from marketplace.errors import NotAllowed
from marketplace.orgs.models import OrgKind
from marketplace.permissions.core import can, rule, verified_member


@rule("action.take_part")
def take_part(user, _obj) -> bool:
    """The university's side of the action: a tto of a verified university."""
    if not user.is_authenticated or user.role is not Role.TTO:
        raise NotAllowed(_("Your role does not give access to this page."))
    refused = _("Your organisation must be a verified university to do this.")
    verified_member(user, OrgKind.UNIVERSITY, Role.TTO, refused=refused, unverified=refused)
    return True


@rule("action.use")
def use(user, _obj) -> bool:
    """The action's pages: its administrators, and the tto of verified universities."""
    return (user.is_authenticated and user.is_admin) or take_part(user, None)


@rule("action.administer", message=_l("Only the action's administrators can do this."))
def administer(user, _obj) -> bool:
    """Batches, categories and the review of plans and reports."""
    return user.is_authenticated and user.is_admin


@rule("action.enrol", message=_l(
    "Only an administrator of a verified university's technology-transfer office enrols the "
    "university."))
def enrol(user, _batch) -> bool:
    return can("action.take_part", user=user) and user.is_org_admin


@rule("action.manage_units", message=_l(
    "Only a verified university's technology-transfer officers manage its secondary units."))
def manage_units(user, _obj) -> bool:
    return can("action.take_part", user=user)


def _own_university(user, organisation_id: int) -> bool:
    return can("action.take_part", user=user) and user.organisation_id == organisation_id


@rule("action.view_plan")
def view_plan(user, plan) -> bool:
    """A plan: the action's administrators and its university (for anyone else it does not
    exist)."""
    return user.is_authenticated and (
        user.is_admin or user.organisation_id == plan.enrolment.organisation_id)


@rule("action.edit_plan",
      message=_l("Only the university's technology-transfer officers edit its plan."))
def edit_plan(user, plan) -> bool:
    return _own_university(user, plan.enrolment.organisation_id)


@rule("action.view_report")
def view_report(user, report) -> bool:
    """An annual report: the action's administrators and its university (for anyone else it does
    not exist)."""
    return user.is_authenticated and (user.is_admin or user.organisation_id == report.organisation_id)


@rule("action.edit_report",
      message=_l("Only the university's technology-transfer officers edit its report."))
def edit_report(user, report) -> bool:
    return _own_university(user, report.organisation_id)
