"""Stripe Checkout (card, Alipay, WeChat Pay in CNY) behind the provider interface.

Configuration: ``STRIPE_SECRET_KEY``, ``STRIPE_WEBHOOK_SECRET`` and, for a local test server such
as localstripe, ``STRIPE_API_BASE``. Every request carries an idempotency key derived from our
payment id, so a retried request never creates a second session or refund.
"""

import stripe
from flask import current_app
from flask_babel import lazy_gettext as _l

from marketplace.db_types import utcnow
from marketplace.payments.providers import PaymentProvider, ProviderError
from marketplace.public_urls import public_url_for

#: Payment methods offered on the Checkout page.
METHODS = ("card", "alipay", "wechat_pay")
#: Webhook timestamps older than this (seconds) are refused.
TOLERANCE = 300
#: Checkout pages stay payable this long (Stripe allows 30 minutes to 24 hours).
CHECKOUT_LIFETIME = 3600


class StripeProvider(PaymentProvider):
    method = "stripe"
    label = _l("Card, Alipay or WeChat Pay (Stripe)")

    def client(self) -> stripe.StripeClient:
        config = current_app.config
        if not config.get("STRIPE_SECRET_KEY"):
            raise ProviderError("STRIPE_SECRET_KEY is not set")
        base = config.get("STRIPE_API_BASE") or None
        return stripe.StripeClient(config["STRIPE_SECRET_KEY"],
                                   base_addresses={"api": base} if base else None,
                                   max_network_retries=2)

    def prepare(self, payment, *, payer_email: str | None = None) -> None:
        """Create the Checkout Session; the payer is sent to ``payment.checkout_url``."""
        params = {
            "mode": "payment",
            "payment_method_types": list(METHODS),
            "payment_method_options": {"wechat_pay": {"client": "web"}},
            "line_items": [{"quantity": 1, "price_data": {
                "currency": "cny", "unit_amount": payment.amount_fen,
                "product_data": {"name": payment.description[:250]}}}],
            "client_reference_id": payment.public_id,
            "metadata": {"payment_id": payment.public_id, "purpose": payment.purpose},
            "payment_intent_data": {"metadata": {"payment_id": payment.public_id},
                                    "description": payment.description[:250]},
            "success_url": public_url_for("payments.stripe_return", public_id=payment.public_id)
            + "?session_id={CHECKOUT_SESSION_ID}",
            "cancel_url": public_url_for("payments.status", public_id=payment.public_id),
            "expires_at": int(utcnow().timestamp()) + CHECKOUT_LIFETIME,
            "locale": "zh",
        }
        if payer_email:
            params["customer_email"] = payer_email
        try:
            session = self.client().v1.checkout.sessions.create(
                params, {"idempotency_key": f"checkout-{payment.public_id}"})
        except stripe.StripeError as error:
            raise ProviderError(str(error)) from error
        payment.provider_session_id = session["id"]
        payment.checkout_url = session["url"]

    def checkout_session(self, session_id: str) -> dict:
        """The Checkout Session as Stripe has it now (for the success page)."""
        try:
            return self.client().v1.checkout.sessions.retrieve(session_id).to_dict()
        except stripe.StripeError as error:
            raise ProviderError(str(error)) from error

    def fetch_payment(self, intent_id: str) -> tuple[dict, dict | None]:
        """Re-read the PaymentIntent and its latest charge from Stripe (never trust an event)."""
        try:
            intent = self.client().v1.payment_intents.retrieve(intent_id).to_dict()
            charge_id = intent.get("latest_charge")
            if isinstance(charge_id, dict):
                charge_id = charge_id.get("id")
            charge = self.client().v1.charges.retrieve(charge_id).to_dict() if charge_id else None
        except stripe.StripeError as error:
            raise ProviderError(str(error)) from error
        return intent, charge

    def payment_id_of(self, intent_id: str) -> str | None:
        """Our payment id from a PaymentIntent's metadata."""
        intent, _charge = self.fetch_payment(intent_id)
        return (intent.get("metadata") or {}).get("payment_id")

    @staticmethod
    def mismatch(payment, intent: dict) -> str | None:
        """Why this PaymentIntent cannot be the payment's, or None when it matches."""
        if (intent.get("metadata") or {}).get("payment_id") != payment.public_id:
            return "metadata"
        if intent.get("amount") != payment.amount_fen:
            return f"amount {intent.get('amount')} != {payment.amount_fen}"
        if str(intent.get("currency", "")).lower() != payment.currency.lower():
            return f"currency {intent.get('currency')}"
        return None

    @staticmethod
    def refund_id(charge: dict | None) -> str | None:
        refunds = (charge or {}).get("refunds") or {}
        data = refunds.get("data") if isinstance(refunds, dict) else None
        return data[0].get("id") if data else None

    def refund(self, payment) -> None:
        """Refund the whole PaymentIntent (idempotent per payment)."""
        if not payment.provider_payment_id:
            raise ProviderError("the payment has no PaymentIntent")
        try:
            result = self.client().v1.refunds.create(
                {"payment_intent": payment.provider_payment_id,
                 "metadata": {"payment_id": payment.public_id}},
                {"idempotency_key": f"refund-{payment.public_id}"}).to_dict()
        except stripe.StripeError as error:
            raise ProviderError(getattr(error, "user_message", None) or str(error)) from error
        if result.get("status") not in ("succeeded", "pending"):
            raise ProviderError(f"refund {result.get('status')}")
        payment.provider_refund_id = result["id"]

    def parse_event(self, payload: bytes, signature: str | None):
        """Verify the signature (and its age) and return the event as a plain dict; raises
        ValueError or ``stripe.SignatureVerificationError``."""
        secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
        if not secret:
            raise stripe.SignatureVerificationError("no webhook secret configured", signature)
        event = stripe.Webhook.construct_event(payload, signature, secret, tolerance=TOLERANCE)
        return event.to_dict()
