"""Revenue splits, inventor contribution shares and ledger lines."""

import enum
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.db_types import Money, UTCDateTime, enum_column, utcnow
from marketplace.extensions import db
from marketplace.orgs.models import Organisation

#: The statutory floor for inventors when a university has no rule of its own (art. 45).
STATUTORY_INVENTOR_MINIMUM = Decimal("50")


class UniversityFinance(db.Model):
    """A university's revenue split and the bank account payers transfer to."""

    __tablename__ = "university_finance"
    __table_args__ = (
        sa.CheckConstraint("inventors_pct >= 0 AND tto_pct >= 0 AND university_pct >= 0",
                           name="pct_not_negative"),
        sa.CheckConstraint("inventors_pct + tto_pct + university_pct = 100", name="pct_total_100"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), unique=True)
    #: Percent of each payment shared among the inventors by contribution share.
    inventors_pct: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    tto_pct: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    university_pct: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    #: The university's own rule (its text), which allows inventors less than 50%.
    own_rule_text: Mapped[str | None] = mapped_column(sa.Text)
    #: Where that rule is published, e.g. a document number such as 校发〔2024〕12号.
    own_rule_reference: Mapped[str | None] = mapped_column(sa.String(200))
    #: Bank account for 对公转账 (shown to payers with the payment's reference).
    account_name: Mapped[str | None] = mapped_column(sa.String(120))
    bank_name: Mapped[str | None] = mapped_column(sa.String(120))
    account_number: Mapped[str | None] = mapped_column(sa.String(40))
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship()

    @property
    def has_own_rule(self) -> bool:
        return bool(self.own_rule_text and self.own_rule_reference)


class InventorShare(db.Model):
    """One inventor's contribution share of a listing's revenue (the shares make 100%)."""

    __tablename__ = "inventor_shares"
    __table_args__ = (
        sa.CheckConstraint("share_pct > 0 AND share_pct <= 100", name="share_range"),
        sa.UniqueConstraint("listing_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(sa.ForeignKey("listings.id", ondelete="CASCADE"),
                                            index=True)
    #: Order on the listing (also the tie-break when rounding).
    position: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(sa.String(80))
    #: The inventor's account, when they have one (they then see their statement).
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"),
                                                index=True)
    share_pct: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))

    user: Mapped[User | None] = relationship()


class LedgerEntry(enum.Enum):
    RECEIPT = "receipt"
    REVERSAL = "reversal"


class LedgerParty(enum.Enum):
    INVENTOR = "inventor"
    TTO = "tto"
    UNIVERSITY = "university"


class LedgerLine(db.Model):
    """One party's part of a payment; the lines of a payment add up exactly to its amount."""

    __tablename__ = "ledger_lines"
    __table_args__ = (
        sa.UniqueConstraint("payment_id", "entry", "position"),
        sa.Index("ix_ledger_lines_org_created", "organisation_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(sa.ForeignKey("payments.id", ondelete="RESTRICT"),
                                            index=True)
    #: The university that received the payment.
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"))
    listing_id: Mapped[int] = mapped_column(sa.ForeignKey("listings.id", ondelete="RESTRICT"),
                                            index=True)
    entry: Mapped[LedgerEntry] = mapped_column(enum_column(LedgerEntry))
    party: Mapped[LedgerParty] = mapped_column(enum_column(LedgerParty))
    #: Order of the line within its payment and entry.
    position: Mapped[int] = mapped_column()
    #: The inventor's name at the time of the payment (inventor lines only).
    inventor_name: Mapped[str | None] = mapped_column(sa.String(80))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"),
                                                index=True)
    #: This line's percent of the payment (the split times the contribution share).
    percent: Mapped[Decimal] = mapped_column(sa.Numeric(9, 6))
    #: CNY; negative on reversal lines.
    amount: Mapped[Decimal] = mapped_column(Money())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    payment: Mapped["Payment"] = relationship()  # noqa: F821
