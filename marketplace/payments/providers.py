"""Payment providers behind one interface, registered by payment method.

The contract (after pretix): ``prepare`` never moves money, it makes the payment payable (a Stripe
Checkout Session, a bank reference); ``refund`` moves money back or raises ``ProviderError`` and
then nothing changed. Only this module and ``stripe_provider`` talk to a provider.
"""

import secrets
import string
from abc import ABC, abstractmethod

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.payments.models import Payment


class ProviderError(Exception):
    """The provider refused the request or could not be reached."""


class PaymentProvider(ABC):
    """What every provider implements."""

    #: The ``PaymentMethod`` value it is registered under.
    method = ""
    label = ""

    @abstractmethod
    def prepare(self, payment, *, payer_email: str | None = None) -> None:
        """Make ``payment`` payable (sets provider ids, a checkout URL or a reference)."""

    @abstractmethod
    def refund(self, payment) -> None:
        """Return the money of a succeeded payment; raise ProviderError if that failed."""


#: Reference alphabet without look-alikes (0/O, 1/I/L), easy to type into a bank's form.
_ALPHABET = "".join(c for c in string.ascii_uppercase + string.digits if c not in "0O1IL")


class BankTransferProvider(PaymentProvider):
    """对公转账: the payer transfers to the university's account quoting a unique reference; the
    university's tto confirms receipt. Refunds are paid back by the university's finance office
    by transfer; the platform records them."""

    method = "bank_transfer"
    label = _l("Bank transfer (对公转账)")

    @staticmethod
    def new_reference() -> str:
        """``BX`` and 10 characters; unique among payments."""
        while True:
            reference = "BX" + "".join(secrets.choice(_ALPHABET) for _ in range(10))
            if db.session.scalar(select(Payment.id).where(Payment.bank_reference == reference)) is None:
                return reference

    def prepare(self, payment, *, payer_email: str | None = None) -> None:
        payment.bank_reference = self.new_reference()

    def refund(self, payment) -> None:
        """Nothing to call: the refund is a transfer the university makes; we record it."""
