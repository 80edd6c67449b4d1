"""The patent portfolio: a verified university's technology-transfer officers grade their
patents, record maintenance decisions and see the fees due and their map against demand; the
action's administrators see the national map. Nobody else sees a university's grading or
maintenance (for them a patent's portfolio page does not exist)."""

from flask_babel import lazy_gettext as _l

from marketplace.permissions.core import can, rule


@rule("portfolio.view", message=_l(
    "Only a verified university's technology-transfer officers see its patent portfolio."))
def view(user, _obj) -> bool:
    """The fees-due list and the university's map: a tto of a verified university."""
    return can("action.take_part", user=user)


@rule("portfolio.manage", message=_l(
    "Only the university's technology-transfer officers grade its patents and decide on their "
    "maintenance."))
def manage(user, listing) -> bool:
    """Regrade, record a maintenance decision, set the fee due date: the owning university's tto."""
    return (listing is not None and listing.kind.is_patent and can("portfolio.view", user=user)
            and user.organisation_id == listing.organisation_id)


@rule("portfolio.national", message=_l("Only the action's administrators see the national map."))
def national(user, _obj) -> bool:
    """The national portfolio map: the action's administrators."""
    return user.is_authenticated and user.is_admin
