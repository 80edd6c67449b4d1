"""E-mails about payments, delivered only once the transaction that changed the payment commits."""

from flask import current_app, has_request_context, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace import amounts, mail
from marketplace.accounts.models import Role, User
from marketplace.extensions import db
from marketplace.notifications import Kind, notify, register_kind
from marketplace.payments import registry
from marketplace.payments.models import Payment

register_kind(Kind("payments.transfer_started", title=_l("Bank transfer on its way: %(amount)s"),
                   text=_l("%(payer)s started a bank transfer of %(amount)s for %(title)s with "
                           "the reference %(reference)s. Confirm it once it reaches your account."),
                   mailing=None))

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
    users = payee_ttos(payment)
    if payment.created_by is not None and payment.created_by.active:
        users.insert(0, payment.created_by)
    return users


def payee_ttos(payment) -> list[User]:
    """The active technology-transfer officers of the university that receives ``payment``."""
    return list(db.session.scalars(select(User).where(
        User.organisation_id == payment.payee_org_id, User.role == Role.TTO,
        User.active.is_(True)).order_by(User.id)))


def _status_path(payment) -> str:
    if has_request_context():
        return url_for("payments.status", public_id=payment.public_id)
    with current_app.test_request_context():
        return url_for("payments.status", public_id=payment.public_id)


def transfer_started(payment_id: int) -> None:
    """Tell the receiving university's tto (bell and e-mail) that a bank transfer was started, so
    they look out for it and confirm it (run after the payment is committed)."""
    payment = db.session.get(Payment, payment_id)
    if payment is None or not payment.state.is_pending:
        return
    title, _url = registry.describe(payment)
    notify(payee_ttos(payment), "payments.transfer_started", _status_path(payment),
           amount=amounts.display(payment.amount), payer=payment.payer_org.name, title=str(title),
           reference=payment.bank_reference or "")
