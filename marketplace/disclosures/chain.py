"""The chain of one disclosure: disclosure → application → patent → listing → interests → deals
(licences, recorded agreements, payments received)."""

from dataclasses import dataclass, field

from sqlalchemy import select

from marketplace.disclosures.models import Disclosure
from marketplace.extensions import db
from marketplace.interests.models import Interest
from marketplace.licences.models import OpenLicence, RecordedAgreement
from marketplace.payments.models import Payment, PaymentState


@dataclass
class Chain:
    disclosure: Disclosure
    interests: list = field(default_factory=list)
    licences: list = field(default_factory=list)
    agreements: list = field(default_factory=list)
    payments: list = field(default_factory=list)

    @property
    def deals(self) -> int:
        return len(self.licences) + len(self.agreements)


def chain_of(disclosure: Disclosure) -> Chain:
    """Everything downstream of the disclosure's listing (nothing before it has one)."""
    chain = Chain(disclosure)
    listing_id = disclosure.listing_id
    if listing_id is None:
        return chain
    chain.interests = list(db.session.scalars(select(Interest).where(
        Interest.listing_id == listing_id).order_by(Interest.created_at, Interest.id)))
    chain.licences = list(db.session.scalars(select(OpenLicence).where(
        OpenLicence.listing_id == listing_id).order_by(OpenLicence.signed_at, OpenLicence.id)))
    chain.agreements = list(db.session.scalars(select(RecordedAgreement).where(
        RecordedAgreement.listing_id == listing_id).order_by(RecordedAgreement.signed_on)))
    chain.payments = list(db.session.scalars(select(Payment).where(
        Payment.listing_id == listing_id, Payment.state == PaymentState.SUCCEEDED)
        .order_by(Payment.paid_at, Payment.id)))
    return chain
