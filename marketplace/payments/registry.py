"""What payments are for (purposes) and how they are made (providers).

Purposes
--------
A feature that wants money registers a *purpose* once, at import time of its services module::

    from marketplace.payments.registry import register_purpose

    register_purpose(
        "open_licence_fee",
        on_paid=_licence_paid,          # (payment) -> None
        on_failed=_licence_unpaid,      # optional: payment failed or was cancelled
        on_refunded=_licence_refunded,  # optional: payment refunded (money returned)
        describe=_describe,             # (payment) -> (title, url) for pages and e-mails
    )

Rules for hooks:

- A hook receives the :class:`~marketplace.payments.models.Payment` (``payment.subject_id`` is the
  id of your own object) and runs inside the same database transaction as the payment's state change,
  exactly once per transition (a redelivered webhook or the success page racing the webhook does not
  call it again). Hooks must not commit or roll back: the payments service commits once after the
  hook; if a hook raises, nothing of the transition is stored (a webhook then answers 500 and Stripe
  retries it later).
- ``on_paid`` is called on pending -> succeeded; ``on_failed`` on pending -> failed and on
  pending -> cancelled (``payment.state`` tells which); ``on_refunded`` on succeeded -> refunded
  (``payment.refund_reason`` holds the reason).
- ``describe(payment)`` returns ``(title, url)``: a short title in the current language and a path
  to the page of the thing paid for. It must not change anything.

Providers
---------
A provider (see ``marketplace.payments.providers``) implements ``prepare(payment)`` (never moves
money: creates the Checkout Session or the bank reference), ``refund(payment)`` (moves money back)
and is registered under a :class:`~marketplace.payments.models.PaymentMethod` value. Views never
call a provider or ``stripe`` directly; they call ``marketplace.payments.services``.
"""

from collections.abc import Callable
from dataclasses import dataclass

Hook = Callable[["Payment"], None]  # noqa: F821


@dataclass(frozen=True)
class Purpose:
    """A registered reason to pay, with the hooks of the feature that owns it."""

    name: str
    on_paid: Hook
    describe: Callable[["Payment"], tuple[str, str]]  # noqa: F821
    on_failed: Hook | None = None
    on_refunded: Hook | None = None


_purposes: dict[str, Purpose] = {}
_providers: dict[str, object] = {}


def register_purpose(purpose: str, *, on_paid: Hook, on_failed: Hook | None = None,
                     on_refunded: Hook | None = None,
                     describe: Callable[["Payment"], tuple[str, str]]) -> Purpose:  # noqa: F821
    """Register (or re-register, on module reload) what a payment of ``purpose`` is for."""
    if not purpose or len(purpose) > 40:
        raise ValueError("a purpose is a name of 1 to 40 characters")
    entry = Purpose(purpose, on_paid, describe, on_failed, on_refunded)
    _purposes[purpose] = entry
    return entry


def get_purpose(purpose: str) -> Purpose:
    try:
        return _purposes[purpose]
    except KeyError:
        raise LookupError(f"no payment purpose {purpose!r} is registered") from None


def purposes() -> dict[str, Purpose]:
    return dict(_purposes)


def register_provider(method: str, provider) -> None:
    """Make ``provider`` handle payments whose method is ``method``."""
    _providers[method] = provider


def get_provider(method: str):
    try:
        return _providers[method]
    except KeyError:
        raise LookupError(f"no payment provider for {method!r}") from None


def describe(payment) -> tuple[str, str | None]:
    """Title and link of what ``payment`` pays for; a neutral fallback for unknown purposes."""
    entry = _purposes.get(payment.purpose)
    if entry is None:
        return payment.description, None
    return entry.describe(payment)
