"""Who may see a payment and move it: the payer organisation, the receiving university's
technology-transfer officers, and the platform's administrators."""

from flask_babel import lazy_gettext as _l

from marketplace.accounts.models import Role
from marketplace.permissions.core import rule

PAYEE_TTO_ONLY = _l("Only the receiving university's technology-transfer officers can do this.")


def _payer(user, payment) -> bool:
    return user.organisation_id == payment.payer_org_id


def _payee_tto(user, payment) -> bool:
    return user.role is Role.TTO and user.organisation_id == payment.payee_org_id


@rule("payments.start", message=_l("Only members of a verified organisation can pay for it."))
def start(user, payer_org) -> bool:
    """Starting a payment from ``payer_org``: its own members, once it is verified."""
    return user.is_authenticated and user.organisation_id == payer_org.id and payer_org.status.is_verified


@rule("payments.view")
def view(user, payment) -> bool:
    """A payment's page: its payer organisation, the payee's tto and admins (others: 404)."""
    return user.is_authenticated and (user.is_admin or _payer(user, payment)
                                      or _payee_tto(user, payment))


@rule("payments.pay")
def pay(user, payment) -> bool:
    """Paying a started payment online: members of the payer organisation."""
    return user.is_authenticated and _payer(user, payment)


@rule("payments.confirm", message=PAYEE_TTO_ONLY)
def confirm(user, payment) -> bool:
    """Confirming that a bank transfer arrived: a tto of the verified receiving university."""
    return user.is_authenticated and _payee_tto(user, payment) and user.org_verified


@rule("payments.cancel", message=_l("You cannot cancel this payment."))
def cancel(user, payment) -> bool:
    """Cancelling a pending bank transfer: the payer, the payee's tto or an admin."""
    return user.is_authenticated and (user.is_admin or _payer(user, payment)
                                      or _payee_tto(user, payment))


@rule("payments.refund", message=PAYEE_TTO_ONLY)
def refund(user, payment) -> bool:
    """Refunding a received payment: an admin, or a tto of the verified receiving university."""
    return user.is_authenticated and (user.is_admin or confirm(user, payment))
