"""E-mails about payments, delivered only once the transaction that changed the payment commits."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace import mail
from marketplace.accounts.models import Role, User
from marketplace.extensions import db
from marketplace.payments import registry

SUBJECTS = {
    "succeeded": _l("Payment received"),
    "failed": _l("Payment failed"),
    "cancelled": _l("Payment cancelled"),
    "refunded": _l("Payment refunded"),
}


def state_changed(payment) -> None:
    """Mail the people concerned by ``payment``'s new state (sent when the transaction commits)."""
    state = payment.state.value
    title, _url = registry.describe(payment)
    for user in recipients(payment):
        mail.send(user.email, SUBJECTS[state], "payment_state", user.locale, user=user,
                  payment=payment, state=state, title=title)


def recipients(payment) -> list[User]:
    """Whoever started the payment, and the payee university's tto."""
    users = list(db.session.scalars(select(User).where(
        User.organisation_id == payment.payee_org_id, User.role == Role.TTO,
        User.active.is_(True)).order_by(User.id)))
    if payment.created_by is not None and payment.created_by.active:
        users.insert(0, payment.created_by)
    return users
