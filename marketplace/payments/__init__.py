"""Payments: one provider interface (Stripe Checkout, bank transfer), webhooks and refunds.

Other features call ``marketplace.payments.services`` and register what a payment is *for* with
``marketplace.payments.registry.register_purpose``; they never talk to a provider directly.
"""
