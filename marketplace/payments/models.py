"""Payments and the provider events that moved them."""

import enum
import uuid
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.db_types import Money, UTCDateTime, enum_column, member_flags, utcnow
from marketplace.extensions import db
from marketplace.listings.models import Listing
from marketplace.orgs.models import Organisation


class PaymentMethod(enum.Enum):
    """How the payer pays; each value names a provider in the registry."""

    STRIPE = "stripe"                # card, Alipay, WeChat Pay through Stripe Checkout
    BANK_TRANSFER = "bank_transfer"  # 对公转账, confirmed by the payee's tto


@member_flags
class PaymentState(enum.Enum):
    """pending -> succeeded | failed | cancelled; succeeded -> refunded."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


def new_public_id() -> str:
    return uuid.uuid4().hex


class Payment(db.Model):
    """Money a payer organisation owes (then pays) a university for one purpose."""

    __tablename__ = "payments"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("currency = 'CNY'", name="currency_cny"),
        sa.Index("ix_payments_purpose_subject", "purpose", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Shown in URLs, e-mails and Stripe metadata instead of the sequential id.
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_public_id)
    #: Registered purpose (``registry.register_purpose``), e.g. ``open_licence_fee``.
    purpose: Mapped[str] = mapped_column(sa.String(40))
    #: Id of the purpose's own object (an agreement, a royalty report ...).
    subject_id: Mapped[int] = mapped_column()
    listing_id: Mapped[int] = mapped_column(sa.ForeignKey("listings.id", ondelete="RESTRICT"),
                                            index=True)
    payer_org_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    #: The university that receives the money (the listing's owner).
    payee_org_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(sa.String(3), default="CNY")
    description: Mapped[str] = mapped_column(sa.String(300))
    method: Mapped[PaymentMethod] = mapped_column(enum_column(PaymentMethod))
    state: Mapped[PaymentState] = mapped_column(enum_column(PaymentState),
                                                default=PaymentState.PENDING, index=True)
    #: Stripe Checkout Session id (``cs_...``).
    provider_session_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    #: Stripe PaymentIntent id (``pi_...``), known once the payer has paid.
    provider_payment_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    #: Stripe Refund id (``re_...``) once refunded through Stripe.
    provider_refund_id: Mapped[str | None] = mapped_column(sa.String(255))
    #: Where to send the payer to pay (Stripe Checkout page).
    checkout_url: Mapped[str | None] = mapped_column(sa.Text)
    #: Reference the payer writes on a bank transfer (附言), unique.
    bank_reference: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: The tto who confirmed a bank transfer's receipt.
    confirmed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    refunded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    refund_reason: Mapped[str | None] = mapped_column(sa.Text)
    #: Why the provider reported the payment failed, or why it was cancelled.
    failure_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    listing: Mapped[Listing] = relationship()
    payer_org: Mapped[Organisation] = relationship(foreign_keys=[payer_org_id])
    payee_org: Mapped[Organisation] = relationship(foreign_keys=[payee_org_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])
    refunded_by: Mapped[User | None] = relationship(foreign_keys=[refunded_by_id])

    @property
    def amount_fen(self) -> int:
        """The amount in the smallest currency unit (分), as Stripe wants it."""
        return int(self.amount * 100)

    @property
    def ended_unpaid(self) -> bool:
        """Failed or cancelled: nothing was received."""
        return self.state in (PaymentState.FAILED, PaymentState.CANCELLED)

    @property
    def by_stripe(self) -> bool:
        """Paid by card, Alipay or WeChat Pay through Stripe Checkout."""
        return self.method is PaymentMethod.STRIPE

    @property
    def by_bank_transfer(self) -> bool:
        """Paid by bank transfer, confirmed by hand by the payee's tto."""
        return self.method is PaymentMethod.BANK_TRANSFER

    def __repr__(self) -> str:
        return f"<Payment {self.public_id} {self.amount} {self.state.value}>"


class WebhookEvent(db.Model):
    """A provider event we accepted; its id is stored once so a redelivery changes nothing."""

    __tablename__ = "payment_webhook_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(sa.String(20))
    #: Stripe's event id (``evt_...``), stored once.
    event_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    event_type: Mapped[str] = mapped_column(sa.String(80))
    payment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("payments.id", ondelete="SET NULL"), index=True)
    #: What the event did: ``succeeded``, ``refunded``, ``no change``, ``unknown payment`` ...
    outcome: Mapped[str] = mapped_column(sa.String(80))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
