"""Whether a patent may be declared open (Patent Law art. 50; Implementing Rules rr. 85–86), with
reasons, and the warnings a careful examiner would raise about a declaration's wording and fees."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.licences.labels import AGREEMENT_LABELS
from marketplace.licences.models import (
    DeclarationState,
    OpenLicenceDeclaration,
    PaymentMethod,
    RecordedAgreement,
    RoyaltyBase,
)
from marketplace.listings.models import ConversionMode, LegalStatus, Listing, ListingKind

#: Patent terms from the filing date (Patent Law art. 42 as amended in 2020): designs filed from
#: 1 June 2021 have 15 years, earlier designs 10.
TERM_YEARS = {ListingKind.INVENTION: 20, ListingKind.UTILITY_MODEL: 10, ListingKind.DESIGN: 15}
DESIGN_15_YEARS_FROM = date(2021, 6, 1)

#: Commercial promotional wording a declaration must not contain (Implementing Rules r. 85: the
#: declaration is "accurate and clear, without commercial promotional language"). Words of the
#: Advertising Law's absolute-terms family and guarantees of effect.
PROMOTIONAL_TERMS = ("最", "第一", "国家级", "顶级", "保证", "唯一", "首创", "极致", "绝对", "领先",
                     "100%", "万能", "稳赚", "包赚")

#: CNIPA guidance on open-licence fees: the 2024 CNIPA notice on further implementing the patent
#: open-licence system says a fixed fee is "generally not above RMB 20 million" and a royalty
#: "generally not above 20 % of net sales or 40 % of profit" (一般不高于2000万元；一般不高于净销售额的
#: 20%或利润额的40%). Above these we warn; the patentee may still declare.
GUIDANCE_MAX_FEE = Decimal("20000000.00")
GUIDANCE_MAX_RATE = {RoyaltyBase.NET_SALES: Decimal("20"), RoyaltyBase.PROFIT: Decimal("40")}


@dataclass
class Check:
    """The outcome: ``errors`` block submission; ``warnings`` are for the tto to weigh."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _anniversary(start: date, years: int) -> date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)


def patent_expiry(listing: Listing) -> date | None:
    """The last day of protection: the day before the term's anniversary of the filing date."""
    if listing.application_date is None or listing.kind not in TERM_YEARS:
        return None
    years = TERM_YEARS[listing.kind]
    if listing.kind is ListingKind.DESIGN and listing.application_date < DESIGN_15_YEARS_FROM:
        years = 10
    return date.fromordinal(_anniversary(listing.application_date, years).toordinal() - 1)


def active_exclusive_agreements(listing_id: int, today: date) -> list[RecordedAgreement]:
    rows = db.session.scalars(select(RecordedAgreement).where(
        RecordedAgreement.listing_id == listing_id)).all()
    return [row for row in rows if row.kind.is_exclusive and row.active_on(today)]


def active_declaration(listing_id: int, exclude_id: int | None = None) -> OpenLicenceDeclaration | None:
    query = select(OpenLicenceDeclaration).where(
        OpenLicenceDeclaration.listing_id == listing_id,
        OpenLicenceDeclaration.state.in_([DeclarationState.SUBMITTED, DeclarationState.ANNOUNCED]))
    if exclude_id is not None:
        query = query.where(OpenLicenceDeclaration.id != exclude_id)
    return db.session.scalars(query.limit(1)).first()


def announced_declaration(listing_id: int) -> OpenLicenceDeclaration | None:
    """The listing's declaration CNIPA announced and that is not withdrawn: the one a company can
    accept, and the only reason a listing offers the open-licence mode."""
    return db.session.scalars(select(OpenLicenceDeclaration).where(
        OpenLicenceDeclaration.listing_id == listing_id,
        OpenLicenceDeclaration.state == DeclarationState.ANNOUNCED).limit(1)).first()


def promotional_terms(*texts: str | None) -> list[str]:
    """The promotional terms that occur in any of the texts, in list order."""
    joined = "\n".join(text for text in texts if text)
    return [term for term in PROMOTIONAL_TERMS if term in joined]


def check(declaration: OpenLicenceDeclaration, today: date) -> Check:
    """Every reason the declaration cannot be submitted yet, and every warning."""
    result = Check()
    listing = declaration.listing
    if not listing.kind.is_patent:
        result.errors.append(_("Only a patent can be declared open; this listing is not a patent."))
        return result
    if listing.legal_status is not LegalStatus.GRANTED:
        result.errors.append(_("The patent is not granted: an open licence can only be declared "
                               "after grant."))
    if listing.state.value in ("withdrawn", "converted"):
        result.errors.append(_("The listing is withdrawn or converted."))
    other = active_declaration(listing.id, exclude_id=declaration.id)
    if other is not None:
        result.errors.append(_("Another open-licence declaration of this patent is already active."))
    for agreement in active_exclusive_agreements(listing.id, today):
        result.errors.append(_("A %(kind)s to %(party)s is in force: a patent under an exclusive or "
                               "sole licence cannot be declared open.",
                               kind=_kind_label(agreement), party=agreement.counterparty))
    offered = {ConversionMode.SOLE_LICENCE, ConversionMode.EXCLUSIVE_LICENCE} & listing.mode_set
    if offered:
        result.errors.append(_("The listing offers sole or exclusive licences; remove those "
                               "conversion modes before declaring an open licence."))
    if declaration.fees_paid_declared_on is None:
        result.errors.append(_("Declare that the annual fees are paid."))
    if declaration.pledged and not ((declaration.pledgee or "").strip()
                                    and declaration.pledgee_consent_on):
        result.errors.append(_("The patent is pledged: name the pledgee and the date of its "
                               "written consent."))
    missing = [owner.name for owner in declaration.co_owners if not owner.consented]
    if missing:
        result.errors.append(_("Every co-owner must consent; missing: %(names)s.",
                               names="、".join(missing)))
    if (listing.kind in (ListingKind.UTILITY_MODEL, ListingKind.DESIGN)
            and not (declaration.evaluation_report or "").strip()):
        result.errors.append(_("Utility models and designs need a patent evaluation report: give "
                               "its number."))
    expiry = patent_expiry(listing)
    if expiry is None:
        result.errors.append(_("The listing has no application date, so the patent's expiry is "
                               "unknown; add the application date to the listing."))
    elif declaration.term_end > expiry:
        result.errors.append(_("The term ends after the patent expires (%(day)s).",
                               day=expiry.isoformat()))
    if declaration.term_end <= today:
        result.errors.append(_("The term must end in the future."))
    result.warnings.extend(warnings(declaration))
    return result


def warnings(declaration: OpenLicenceDeclaration) -> list[str]:
    """Promotional wording and fees above CNIPA guidance: shown, not blocking."""
    found = []
    terms = promotional_terms(declaration.payment_standard, declaration.other_terms)
    if terms:
        found.append(_("Promotional wording is not allowed in a declaration: %(terms)s.",
                       terms="、".join(terms)))
    if declaration.payment_method.has_fee and (declaration.fee_amount or 0) > GUIDANCE_MAX_FEE:
        found.append(_("The fee is above CNIPA guidance (generally not above ¥20,000,000)."))
    if declaration.payment_method.has_royalty and declaration.royalty_base and declaration.royalty_rate:
        cap = GUIDANCE_MAX_RATE[declaration.royalty_base]
        if declaration.royalty_rate > cap:
            found.append(_("The royalty rate is above CNIPA guidance (generally not above 20 per cent "
                           "of net sales or 40 per cent of profit)."))
    return found


def _kind_label(agreement: RecordedAgreement) -> str:
    return str(AGREEMENT_LABELS[agreement.kind])


def method_is_consistent(method: PaymentMethod, fee, base, rate) -> bool:
    """The fields a payment method needs are present (used by the form and the service)."""
    if method.has_fee and not (fee and fee > 0):
        return False
    if method.has_royalty and not (base and rate):
        return False
    return True
