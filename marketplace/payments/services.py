"""Every state change of a payment goes through a function here.

Interface for other features (the open-licence feature codes against this)
--------------------------------------------------------------------------
``start_payment(*, purpose, subject_id, listing, payer_org, amount, description, method, actor,
commit=True) -> Payment``
    Creates a *pending* payment of ``amount`` (a ``Decimal`` in CNY with at most two decimals)
    from ``payer_org`` (the actor's organisation) to the listing's university, for the registered
    ``purpose`` and your object ``subject_id``. ``method`` is ``"stripe"`` or ``"bank_transfer"``
    (or a :class:`PaymentMethod`). For Stripe, ``payment.checkout_url`` is the Stripe Checkout page
    to redirect the payer to; for a bank transfer, ``payment.bank_reference`` is the unique
    reference to show (the payer writes it on the transfer). Refused (``ServiceError``) while
    another payment for the same purpose and subject is pending or succeeded. With
    ``commit=False`` the caller commits (so your own rows and the payment land together).
    Send the payer to ``url_for("payments.status", public_id=payment.public_id)`` afterwards.

``available_methods() -> list[PaymentMethod]``
    What to offer the payer: Stripe only when ``STRIPE_SECRET_KEY`` is set, bank transfer always.

``open_payment(purpose, subject_id)`` / ``payments_for(purpose, subject_id)``
    The pending or succeeded payment for your object, or all of its payments.

``confirm_bank_transfer(payment, actor) -> Payment``
    A tto of the payee university confirms that the transfer arrived: pending -> succeeded.

``cancel_payment(payment, actor, reason) -> Payment``
    The payer (or the payee's tto, or an admin) cancels a pending bank transfer.

``refund(payment, actor, reason) -> Payment``
    A tto of the payee university or an admin refunds a succeeded payment (through Stripe for
    card/Alipay/WeChat Pay); the reason is required and stored; reversing ledger lines are written.

``fulfil_from_stripe(public_id, payment_intent_id, *, source, checkout_session_id=None)``
    The one idempotent fulfilment used by the webhook and by the success page: locks the payment
    row, re-fetches the PaymentIntent from Stripe, checks its amount, currency and metadata, and
    moves the payment only along allowed transitions. Returns ``(payment, outcome)``.

Every transition calls the purpose's hook (see ``registry``) exactly once, writes the ledger lines
(``marketplace.ledger.services``) and an audit event, and commits once.
"""

import logging
import secrets
from decimal import Decimal, InvalidOperation

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marketplace import amounts
from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.db_types import utcnow
from marketplace.errors import InvalidTransition, ServiceError
from marketplace.extensions import db
from marketplace.jobs import after_commit
from marketplace.ledger import services as ledger
from marketplace.listings.models import Listing
from marketplace.orgs.models import Organisation, OrgKind
from marketplace.payments import notify, registry
from marketplace.payments.models import Payment, PaymentMethod, PaymentState, WebhookEvent
from marketplace.payments.providers import BankTransferProvider, ProviderError
from marketplace.payments.stripe_provider import StripeProvider
from marketplace.permissions import check

log = logging.getLogger(__name__)

registry.register_provider(PaymentMethod.STRIPE.value, StripeProvider())
registry.register_provider(PaymentMethod.BANK_TRANSFER.value, BankTransferProvider())

#: Largest single payment (the money columns hold up to ¥999,999,999,999.99).
MAX_AMOUNT = Decimal("9999999999.99")
#: The allowed transitions of a payment.
ALLOWED = {
    PaymentState.PENDING: {PaymentState.SUCCEEDED, PaymentState.FAILED, PaymentState.CANCELLED},
    PaymentState.SUCCEEDED: {PaymentState.REFUNDED},
}
AUDIT_EVENTS = {
    PaymentState.SUCCEEDED: "payment.succeeded",
    PaymentState.FAILED: "payment.failed",
    PaymentState.CANCELLED: "payment.cancelled",
    PaymentState.REFUNDED: "payment.refunded",
}


class PaymentError(ServiceError):
    """A payment provider refused or could not be reached; nothing was changed."""

    status_code = 502


def _money(amount) -> Decimal:
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        raise ServiceError(_("The amount is not a number.")) from None
    try:
        value = amounts.check(value)
    except amounts.BadNumber as error:
        raise ServiceError(str(error.message)) from None
    if value <= 0 or value > MAX_AMOUNT:
        raise ServiceError(_("The amount must be more than ¥0 and at most ¥9,999,999,999.99."))
    return value


def _method(method) -> PaymentMethod:
    try:
        return method if isinstance(method, PaymentMethod) else PaymentMethod(method)
    except ValueError:
        raise ServiceError(_("Unknown payment method.")) from None


def available_methods() -> list[PaymentMethod]:
    """The methods a payer can choose now (Stripe only when a secret key is configured)."""
    methods = [PaymentMethod.BANK_TRANSFER]
    if current_app.config.get("STRIPE_SECRET_KEY"):
        methods.insert(0, PaymentMethod.STRIPE)
    return methods


def open_payment(purpose: str, subject_id: int) -> Payment | None:
    """The pending or succeeded payment for this purpose and subject, if any."""
    return db.session.scalar(select(Payment).where(
        Payment.purpose == purpose, Payment.subject_id == subject_id,
        Payment.state.in_((PaymentState.PENDING, PaymentState.SUCCEEDED)))
        .order_by(Payment.id.desc()).limit(1))


def payments_for(purpose: str, subject_id: int) -> list[Payment]:
    """Every payment made for this purpose and subject, newest first."""
    return list(db.session.scalars(select(Payment).where(
        Payment.purpose == purpose, Payment.subject_id == subject_id).order_by(Payment.id.desc())))


def start_payment(*, purpose: str, subject_id: int, listing: Listing, payer_org: Organisation,
                  amount: Decimal, description: str, method, actor: User,
                  commit: bool = True) -> Payment:
    """Create a pending payment and prepare it with its provider (no money moves yet)."""
    registry.get_purpose(purpose)
    method = _method(method)
    amount = _money(amount)
    check("payments.start", payer_org, actor=actor)
    payee = listing.organisation
    if payee.kind is not OrgKind.UNIVERSITY or payee.id == payer_org.id:
        raise ServiceError(_("Payments go from another organisation to the listing's university."))
    if open_payment(purpose, subject_id) is not None:
        raise InvalidTransition(_("A payment for this is already under way or made."))
    payment = Payment(purpose=purpose, subject_id=subject_id, listing_id=listing.id,
                      payer_org_id=payer_org.id, payee_org_id=payee.id, amount=amount,
                      currency="CNY", description=description.strip()[:300], method=method,
                      state=PaymentState.PENDING, created_by_id=actor.id)
    payment.public_id = secrets.token_hex(16)
    payment.listing, payment.payer_org, payment.payee_org = listing, payer_org, payee
    try:
        registry.get_provider(method.value).prepare(payment, payer_email=actor.email)
    except ProviderError as error:
        log.warning("payment provider refused to prepare %s: %s", payment.public_id, error)
        raise PaymentError(_("The payment service is not available right now; nothing was "
                             "charged. Please try again later.")) from error
    db.session.add(payment)
    db.session.flush()
    audit.record("payment.started", actor=actor, target=payment, amount=str(amount),
                 method=method.value, purpose=purpose, reference=payment.bank_reference)
    if method is PaymentMethod.BANK_TRANSFER:
        after_commit.call(notify.transfer_started, payment.id,
                          what=f"tell the payee's tto about transfer {payment.public_id}")
    if commit:
        db.session.commit()
    return payment


def _lock(payment_id: int) -> Payment:
    """Re-read the payment with its row locked (FOR UPDATE on PostgreSQL) for this transaction."""
    return db.session.scalars(
        select(Payment).where(Payment.id == payment_id)
        .with_for_update().execution_options(populate_existing=True)).one()


def _transition(payment: Payment, new: PaymentState, actor: User | None = None, **details) -> None:
    """Move a locked payment to ``new``: ledger, hook and audit, in the caller's transaction."""
    if new not in ALLOWED.get(payment.state, set()):
        raise InvalidTransition(_("This payment is %(state)s and cannot change that way.",
                                  state=payment.state.value))
    entry = registry.get_purpose(payment.purpose)
    now = utcnow()
    payment.state = new
    if new is PaymentState.SUCCEEDED:
        payment.paid_at = now
        ledger.record_receipt(payment)
        entry.on_paid(payment)
    elif new in (PaymentState.FAILED, PaymentState.CANCELLED):
        payment.failed_at = now
        if entry.on_failed is not None:
            entry.on_failed(payment)
    elif new is PaymentState.REFUNDED:
        payment.refunded_at = now
        ledger.record_reversal(payment)
        if entry.on_refunded is not None:
            entry.on_refunded(payment)
    audit.record(AUDIT_EVENTS[new], actor=actor, target=payment, amount=str(payment.amount),
                 **details)
    notify.state_changed(payment)


def confirm_bank_transfer(payment: Payment, actor: User) -> Payment:
    """The payee university's tto confirms a bank transfer arrived: pending -> succeeded."""
    check("payments.confirm", payment, actor=actor)
    if payment.method is not PaymentMethod.BANK_TRANSFER:
        raise InvalidTransition(_("Only bank transfers are confirmed by hand."))
    payment = _lock(payment.id)
    if payment.state is not PaymentState.PENDING:
        raise InvalidTransition(_("This payment is no longer waiting for a transfer."))
    payment.confirmed_by_id = actor.id
    _transition(payment, PaymentState.SUCCEEDED, actor, reference=payment.bank_reference)
    db.session.commit()
    return payment


def cancel_payment(payment: Payment, actor: User, reason: str) -> Payment:
    """Cancel a pending bank transfer (payer, payee tto or admin); nothing was received."""
    check("payments.cancel", payment, actor=actor)
    if payment.method is not PaymentMethod.BANK_TRANSFER:
        raise InvalidTransition(_("A card or wallet payment ends on Stripe's page; it cannot be "
                                  "cancelled here."))
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Give a reason."))
    payment = _lock(payment.id)
    if payment.state is not PaymentState.PENDING:
        raise InvalidTransition(_("Only a pending payment can be cancelled."))
    payment.failure_reason = reason[:2000]
    _transition(payment, PaymentState.CANCELLED, actor, reason=reason[:500])
    db.session.commit()
    return payment


def refund(payment: Payment, actor: User, reason: str) -> Payment:
    """A payee tto or an admin refunds a succeeded payment, with a reason (money goes back)."""
    check("payments.refund", payment, actor=actor)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Give a reason for the refund."))
    payment = _lock(payment.id)
    if payment.state is not PaymentState.SUCCEEDED:
        raise InvalidTransition(_("Only a received payment can be refunded."))
    try:
        registry.get_provider(payment.method.value).refund(payment)
    except ProviderError as error:
        db.session.rollback()
        log.warning("refund of %s refused by the provider: %s", payment.public_id, error)
        raise PaymentError(_("The payment service refused the refund; nothing was changed. "
                             "%(detail)s", detail=str(error))) from error
    payment.refund_reason = reason[:2000]
    payment.refunded_by_id = actor.id
    _transition(payment, PaymentState.REFUNDED, actor, reason=reason[:500],
                provider_refund=payment.provider_refund_id)
    db.session.commit()
    return payment


# --- Stripe: the webhook and the success page share this fulfilment -----------------------------

def _stripe():
    return registry.get_provider(PaymentMethod.STRIPE.value)


def _target_state(intent: dict, charge: dict | None) -> PaymentState:
    """What the PaymentIntent (and its latest charge) say the payment's state is."""
    status = intent.get("status")
    if status == "succeeded":
        if charge is not None and charge.get("refunded"):
            return PaymentState.REFUNDED
        return PaymentState.SUCCEEDED
    if status == "canceled" or (status == "requires_payment_method"
                                and intent.get("last_payment_error")):
        return PaymentState.FAILED
    return PaymentState.PENDING


#: From each state, the steps that lead to each provider-reported state.
_PATHS = {
    (PaymentState.PENDING, PaymentState.SUCCEEDED): [PaymentState.SUCCEEDED],
    (PaymentState.PENDING, PaymentState.REFUNDED): [PaymentState.SUCCEEDED, PaymentState.REFUNDED],
    (PaymentState.PENDING, PaymentState.FAILED): [PaymentState.FAILED],
    (PaymentState.SUCCEEDED, PaymentState.REFUNDED): [PaymentState.REFUNDED],
}


def _apply_stripe(payment: Payment, intent_id: str) -> str:
    """Bring a locked Stripe payment to the state Stripe reports; return what happened."""
    if payment.method is not PaymentMethod.STRIPE:
        return "not a stripe payment"
    if payment.provider_payment_id and payment.provider_payment_id != intent_id:
        return "other payment intent"
    provider = _stripe()
    intent, charge = provider.fetch_payment(intent_id)
    problem = provider.mismatch(payment, intent)
    if problem:
        audit.record("payment.mismatch", target=payment, intent=intent_id, problem=problem)
        return "mismatch: " + problem
    payment.provider_payment_id = intent_id
    target = _target_state(intent, charge)
    steps = _PATHS.get((payment.state, target))
    if not steps:
        return "no change"
    for step in steps:
        if step is PaymentState.REFUNDED and payment.refund_reason is None:
            payment.refund_reason = _("Refunded at Stripe.")
            payment.provider_refund_id = provider.refund_id(charge)
        if step is PaymentState.FAILED:
            error = intent.get("last_payment_error") or {}
            payment.failure_reason = (error.get("message") or intent.get("status") or "")[:2000]
        _transition(payment, step, None, intent=intent_id)
    return target.value


def fulfil_from_stripe(public_id: str, payment_intent_id: str | None, *, source: str,
                       checkout_session_id: str | None = None,
                       event: WebhookEvent | None = None) -> tuple[Payment | None, str]:
    """Idempotently bring a payment in line with Stripe; commits once. Returns (payment, outcome)."""
    payment_id = db.session.scalar(select(Payment.id).where(Payment.public_id == public_id))
    if payment_id is None:
        outcome = "unknown payment"
        payment = None
    else:
        payment = _lock(payment_id)
        if checkout_session_id and payment.provider_session_id != checkout_session_id:
            outcome = "other checkout session"
        elif not payment_intent_id:
            outcome = "not paid yet"
        else:
            outcome = _apply_stripe(payment, payment_intent_id)
    if event is not None:
        event.payment_id = payment.id if payment else None
        event.outcome = outcome[:80]
    log.info("stripe fulfilment of %s from %s: %s", public_id, source, outcome)
    db.session.commit()
    return payment, outcome


def expire_checkout(public_id: str, checkout_session_id: str, *, event: WebhookEvent) -> str:
    """Stripe says an unpaid Checkout Session expired: pending -> cancelled."""
    payment_id = db.session.scalar(select(Payment.id).where(Payment.public_id == public_id))
    outcome = "unknown payment"
    if payment_id is not None:
        payment = _lock(payment_id)
        event.payment_id = payment.id
        if payment.provider_session_id != checkout_session_id:
            outcome = "other checkout session"
        elif payment.state is PaymentState.PENDING:
            payment.failure_reason = _("The payment page expired before it was paid.")
            _transition(payment, PaymentState.CANCELLED, None, session=checkout_session_id)
            outcome = "cancelled"
        else:
            outcome = "no change"
    event.outcome = outcome
    db.session.commit()
    return outcome


def record_event(event_id: str, event_type: str) -> WebhookEvent | None:
    """Store a provider event id once; None when it was seen before (nothing else is done)."""
    entry = WebhookEvent(provider="stripe", event_id=event_id, event_type=event_type[:80],
                         outcome="received")
    db.session.add(entry)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return None
    return entry


def handle_stripe_event(event) -> str:
    """Act on a verified Stripe event (``webhooks`` routes call this); returns the outcome."""
    entry = record_event(event["id"], event["type"])
    if entry is None:
        return "duplicate"
    kind, obj = event["type"], event["data"]["object"]
    metadata = obj.get("metadata") or {}
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded",
                "checkout.session.async_payment_failed"):
        public_id = metadata.get("payment_id") or obj.get("client_reference_id") or ""
        return fulfil_from_stripe(public_id, obj.get("payment_intent"), source=kind,
                                  checkout_session_id=obj.get("id"), event=entry)[1]
    if kind == "payment_intent.succeeded":  # a safety net should a checkout event be lost
        return fulfil_from_stripe(metadata.get("payment_id") or "", obj.get("id"), source=kind,
                                  event=entry)[1]
    if kind == "checkout.session.expired":
        public_id = metadata.get("payment_id") or obj.get("client_reference_id") or ""
        return expire_checkout(public_id, obj.get("id"), event=entry)
    if kind == "charge.refunded":
        intent_id = obj.get("payment_intent")
        public_id = _stripe().payment_id_of(intent_id) if intent_id else None
        return fulfil_from_stripe(public_id or "", intent_id, source=kind, event=entry)[1]
    entry.outcome = "ignored"
    db.session.commit()
    return "ignored"
