"""E-mails about payments, sent only after the transaction that changed the payment commits."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.accounts.models import Role, User
from marketplace.extensions import db
from marketplace.mail import send_mail
from marketplace.payments import registry
from marketplace.payments.models import Payment

SUBJECTS = {
    "succeeded": _l("Payment received"),
    "failed": _l("Payment failed"),
    "cancelled": _l("Payment cancelled"),
    "refunded": _l("Payment refunded"),
}


def state_changed(payment) -> None:
    """Remember that ``payment`` changed; ``flush`` mails the people concerned after commit."""
    db.session.info.setdefault("payment_mail", []).append((payment.id, payment.state.value))


def discard() -> None:
    db.session.info.pop("payment_mail", None)


def flush() -> None:
    """Send the remembered notices (call right after a successful commit)."""
    for payment_id, state in db.session.info.pop("payment_mail", []):
        payment = db.session.get(Payment, payment_id)
        if payment is None:
            continue
        title, _url = registry.describe(payment)
        for user in recipients(payment):
            send_mail(user.email, SUBJECTS[state], "payment_state", user.locale, user=user,
                      payment=payment, state=state, title=title)


def recipients(payment) -> list[User]:
    """Whoever started the payment, and the payee university's tto."""
    users = list(db.session.scalars(select(User).where(
        User.organisation_id == payment.payee_org_id, User.role == Role.TTO,
        User.active.is_(True)).order_by(User.id)))
    if payment.created_by is not None and payment.created_by.active:
        users.insert(0, payment.created_by)
    return users
