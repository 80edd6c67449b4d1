"""Open-licence declarations (Patent Law arts. 50–52), the licences granted under them, royalty
reports, and the other agreements a university records on a listing."""

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.db_types import Money, UTCDateTime, enum_column, member_flags, utcnow
from marketplace.extensions import db
from marketplace.listings.models import Listing
from marketplace.orgs.models import Organisation


@member_flags
class DeclarationState(enum.Enum):
    """draft -> submitted -> announced -> withdrawn (submitted -> withdrawn too)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"      # filed with CNIPA, awaiting its announcement
    ANNOUNCED = "announced"      # announced by CNIPA: companies may accept it
    WITHDRAWN = "withdrawn"      # no new licences; granted ones stay valid

    @property
    def is_active(self) -> bool:
        """While active, no exclusive or sole licence may be granted on the patent."""
        return self in (DeclarationState.SUBMITTED, DeclarationState.ANNOUNCED)


class PaymentMethod(enum.Enum):
    LUMP_SUM = "lump_sum"                    # 一次性支付
    ROYALTY = "royalty"                      # 提成支付
    ENTRY_PLUS_ROYALTY = "entry_plus_royalty"  # 入门费 + 提成
    FREE = "free"                            # 免费

    @property
    def has_royalty(self) -> bool:
        return self in (PaymentMethod.ROYALTY, PaymentMethod.ENTRY_PLUS_ROYALTY)

    @property
    def has_fee(self) -> bool:
        return self in (PaymentMethod.LUMP_SUM, PaymentMethod.ENTRY_PLUS_ROYALTY)


class RoyaltyBase(enum.Enum):
    NET_SALES = "net_sales"   # 净销售额
    PROFIT = "profit"         # 利润


class TrialTrigger(enum.Enum):
    """When a trial licensee must pay (先试用后付费)."""

    TRIAL_END = "trial_end"            # on the last day of the trial
    FIRST_REVENUE = "first_revenue"    # after the first revenue is reported (trial end at the latest)

    @property
    def after_first_revenue(self) -> bool:
        return self is TrialTrigger.FIRST_REVENUE


class OpenLicenceDeclaration(db.Model):
    """A university's declaration that anyone may license a granted patent on published terms."""

    __tablename__ = "open_licence_declarations"
    __table_args__ = (
        sa.CheckConstraint("fee_amount IS NULL OR fee_amount >= 0", name="fee_not_negative"),
        sa.CheckConstraint("royalty_rate IS NULL OR (royalty_rate > 0 AND royalty_rate <= 100)",
                           name="rate_range"),
        sa.CheckConstraint("trial_days IS NULL OR trial_days > 0", name="trial_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(sa.ForeignKey("listings.id", ondelete="RESTRICT"),
                                            index=True)
    #: The patentee university (the listing's owner when the declaration was made).
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    state: Mapped[DeclarationState] = mapped_column(enum_column(DeclarationState),
                                                    default=DeclarationState.DRAFT, index=True)
    payment_method: Mapped[PaymentMethod] = mapped_column(enum_column(PaymentMethod))
    #: Lump sum, or the entry fee of entry + royalty, in CNY.
    fee_amount: Mapped[Decimal | None] = mapped_column(Money())
    royalty_base: Mapped[RoyaltyBase | None] = mapped_column(enum_column(RoyaltyBase))
    #: Percent of the royalty base, e.g. 3.50 for 3.5 %.
    royalty_rate: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    #: The payment standard as declared: when and how the fee and royalties are paid.
    payment_standard: Mapped[str] = mapped_column(sa.Text)
    #: Licences granted under the declaration end on this day (never after the patent expires).
    term_end: Mapped[date] = mapped_column(sa.Date)
    #: Other matters of the declaration (Implementing Rules r. 85); screened for promotional wording.
    other_terms: Mapped[str | None] = mapped_column(sa.Text)
    #: 先试用后付费: the trial length; null when no trial is offered.
    trial_days: Mapped[int | None] = mapped_column()
    trial_trigger: Mapped[TrialTrigger | None] = mapped_column(enum_column(TrialTrigger))
    #: Where the written notice of acceptance goes (Patent Law art. 51).
    notice_email: Mapped[str] = mapped_column(sa.String(254))
    notice_address: Mapped[str] = mapped_column(sa.String(300))
    notice_phone: Mapped[str | None] = mapped_column(sa.String(32))
    #: The tto's declaration that the annual fees are paid, and the day it was made.
    fees_paid_declared_on: Mapped[date | None] = mapped_column(sa.Date)
    fees_paid_declared_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    pledged: Mapped[bool] = mapped_column(default=False)
    pledgee: Mapped[str | None] = mapped_column(sa.String(200))
    #: The day the pledgee consented in writing; required when pledged.
    pledgee_consent_on: Mapped[date | None] = mapped_column(sa.Date)
    #: The patent evaluation report (utility models and designs, Patent Law art. 50).
    evaluation_report: Mapped[str | None] = mapped_column(sa.String(100))
    announcement_number: Mapped[str | None] = mapped_column(sa.String(64))
    announced_on: Mapped[date | None] = mapped_column(sa.Date)
    withdrawal_reason: Mapped[str | None] = mapped_column(sa.Text)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    is_demo: Mapped[bool] = mapped_column(default=False)

    listing: Mapped[Listing] = relationship()
    organisation: Mapped[Organisation] = relationship()
    co_owners: Mapped[list["CoOwner"]] = relationship(
        back_populates="declaration", cascade="all, delete-orphan", order_by="CoOwner.id")
    licences: Mapped[list["OpenLicence"]] = relationship(back_populates="declaration",
                                                         order_by="OpenLicence.id")

    @property
    def offers_trial(self) -> bool:
        return bool(self.trial_days)


class CoOwner(db.Model):
    """Another patentee of the declared patent; every one must consent (CNIPA practice)."""

    __tablename__ = "open_licence_co_owners"

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("open_licence_declarations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    consented: Mapped[bool] = mapped_column(default=False)
    #: The day of the co-owner's written consent.
    consented_on: Mapped[date | None] = mapped_column(sa.Date)

    declaration: Mapped[OpenLicenceDeclaration] = relationship(back_populates="co_owners")


@member_flags
class LicenceState(enum.Enum):
    AWAITING_PAYMENT = "awaiting_payment"  # signed, notice delivered, fee not yet paid
    TRIAL = "trial"                        # in force as a trial licence
    PAYMENT_OVERDUE = "payment_overdue"    # trial trigger passed without payment
    EFFECTIVE = "effective"                # in force
    EXITED = "exited"                      # the licensee left the trial
    TERMINATED = "terminated"              # ended early, with a reason

    @property
    def in_force(self) -> bool:
        return self in (LicenceState.TRIAL, LicenceState.PAYMENT_OVERDUE, LicenceState.EFFECTIVE)

    @property
    def fee_payable(self) -> bool:
        """The fee may be paid: before the licence takes effect, or to convert a trial."""
        return self in (LicenceState.AWAITING_PAYMENT, LicenceState.TRIAL,
                        LicenceState.PAYMENT_OVERDUE)

    @property
    def trial_exitable(self) -> bool:
        """The licensee may still leave the trial."""
        return self in (LicenceState.TRIAL, LicenceState.PAYMENT_OVERDUE)


class OpenLicence(db.Model):
    """An ordinary licence a company obtained by accepting an announced declaration.

    ``document`` is the signed agreement as canonical JSON; ``sha256`` is its digest. Neither,
    nor the signature columns, ever change (``services`` refuses any update to them).
    """

    __tablename__ = "open_licences"
    __table_args__ = (
        sa.CheckConstraint("fee_amount >= 0", name="fee_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("open_licence_declarations.id", ondelete="RESTRICT"), index=True)
    listing_id: Mapped[int] = mapped_column(sa.ForeignKey("listings.id", ondelete="RESTRICT"),
                                            index=True)
    licensor_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    licensee_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    state: Mapped[LicenceState] = mapped_column(enum_column(LicenceState), index=True)
    #: Taken as a trial (先试用后付费).
    is_trial: Mapped[bool] = mapped_column(default=False)
    #: What must be paid up front (lump sum or entry fee), in CNY; 0 when nothing is.
    fee_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    #: The signed agreement, canonical JSON (sorted keys, no spaces, UTF-8).
    document: Mapped[str] = mapped_column(sa.Text)
    #: SHA-256 of ``document``'s UTF-8 bytes: the public verification key.
    sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    signer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    signer_name: Mapped[str] = mapped_column(sa.String(80))
    signer_title: Mapped[str] = mapped_column(sa.String(80))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    signed_ip: Mapped[str | None] = mapped_column(sa.String(45))
    signed_user_agent: Mapped[str | None] = mapped_column(sa.String(255))
    #: When the written notice reached the patentee's notice address (e-mailed at signing).
    notice_delivered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    fee_paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The payment (payments feature) that paid the fee, when there was one.
    fee_payment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("payments.id", ondelete="RESTRICT"))
    #: When the licence first took effect (notice delivered and fee paid, or at once).
    effective_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_on: Mapped[date] = mapped_column(sa.Date)
    trial_ends_on: Mapped[date | None] = mapped_column(sa.Date)
    trial_trigger: Mapped[TrialTrigger | None] = mapped_column(enum_column(TrialTrigger))
    first_revenue_on: Mapped[date | None] = mapped_column(sa.Date)
    #: The day the deferred fee falls due, once the trigger is known.
    payment_due_on: Mapped[date | None] = mapped_column(sa.Date)
    trial_reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: CNIPA recordation: within 3 months of taking effect (Implementing Rules r. 87).
    record_due_on: Mapped[date | None] = mapped_column(sa.Date, index=True)
    record_number: Mapped[str | None] = mapped_column(sa.String(64))
    recorded_on: Mapped[date | None] = mapped_column(sa.Date)
    record_reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The issued certificate (PDF bytes) and its digest; issued once, when the licence takes effect.
    certificate_pdf: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    certificate_sha256: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    is_demo: Mapped[bool] = mapped_column(default=False)

    declaration: Mapped[OpenLicenceDeclaration] = relationship(back_populates="licences")
    listing: Mapped[Listing] = relationship()
    licensor: Mapped[Organisation] = relationship(foreign_keys=[licensor_id])
    licensee: Mapped[Organisation] = relationship(foreign_keys=[licensee_id])
    signer: Mapped[User | None] = relationship()
    reports: Mapped[list["RoyaltyReport"]] = relationship(
        back_populates="licence", order_by="RoyaltyReport.period_start")


@member_flags
class ReportState(enum.Enum):
    DUE = "due"          # royalty computed, payment not yet received
    PAID = "paid"
    NIL = "nil"          # nothing owed for the period (base of zero)


class RoyaltyReport(db.Model):
    """A licensee's report of the royalty base for a period, and the royalty it makes due."""

    __tablename__ = "royalty_reports"
    __table_args__ = (
        sa.CheckConstraint("base_amount >= 0", name="base_not_negative"),
        sa.CheckConstraint("royalty >= 0", name="royalty_not_negative"),
        sa.CheckConstraint("period_end >= period_start", name="period_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    licence_id: Mapped[int] = mapped_column(sa.ForeignKey("open_licences.id", ondelete="RESTRICT"),
                                            index=True)
    period_start: Mapped[date] = mapped_column(sa.Date)
    period_end: Mapped[date] = mapped_column(sa.Date)
    royalty_base: Mapped[RoyaltyBase] = mapped_column(enum_column(RoyaltyBase))
    #: Net sales or profit of the period, in CNY, as reported by the licensee.
    base_amount: Mapped[Decimal] = mapped_column(Money())
    #: Percent, copied from the signed agreement.
    rate: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    #: base_amount × rate / 100, rounded half up to the fen.
    royalty: Mapped[Decimal] = mapped_column(Money())
    state: Mapped[ReportState] = mapped_column(enum_column(ReportState))
    payment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payments.id", ondelete="RESTRICT"))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    filed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    note: Mapped[str | None] = mapped_column(sa.Text)

    licence: Mapped[OpenLicence] = relationship(back_populates="reports")


class AgreementKind(enum.Enum):
    ORDINARY_LICENCE = "ordinary_licence"
    SOLE_LICENCE = "sole_licence"
    EXCLUSIVE_LICENCE = "exclusive_licence"
    TRANSFER = "transfer"
    EQUITY = "equity"

    @property
    def is_exclusive(self) -> bool:
        """Sole (排他) and exclusive (独占) licences exclude open licensing."""
        return self in (AgreementKind.SOLE_LICENCE, AgreementKind.EXCLUSIVE_LICENCE)


class RecordedAgreement(db.Model):
    """An agreement on a listing negotiated off the platform, recorded by the university."""

    __tablename__ = "recorded_agreements"
    __table_args__ = (
        sa.CheckConstraint("amount IS NULL OR amount >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(sa.ForeignKey("listings.id", ondelete="RESTRICT"),
                                            index=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[AgreementKind] = mapped_column(enum_column(AgreementKind))
    counterparty: Mapped[str] = mapped_column(sa.String(200))
    signed_on: Mapped[date] = mapped_column(sa.Date)
    #: For licences: the term; null end means until the patent expires.
    starts_on: Mapped[date | None] = mapped_column(sa.Date)
    ends_on: Mapped[date | None] = mapped_column(sa.Date)
    amount: Mapped[Decimal | None] = mapped_column(Money())
    note: Mapped[str | None] = mapped_column(sa.Text)
    #: The signed document (PDF), stored under a server-made name in the upload folder.
    document_name: Mapped[str | None] = mapped_column(sa.String(200))
    stored_name: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    document_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    terminated_on: Mapped[date | None] = mapped_column(sa.Date)
    termination_reason: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    listing: Mapped[Listing] = relationship()

    def active_on(self, day: date) -> bool:
        """A licence is active from its start until its end or termination."""
        if self.terminated_on is not None and self.terminated_on <= day:
            return False
        if self.starts_on is not None and self.starts_on > day:
            return True  # signed, about to start: it already binds the patent
        return self.ends_on is None or self.ends_on >= day
