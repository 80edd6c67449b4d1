"""Demo open licences (``flask demo load``): an announced declaration on one of the demo
university's granted invention patents, and the demo company's licence under it."""

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from marketplace import timezones
from marketplace.accounts import services as accounts
from marketplace.extensions import db
from marketplace.licences import agreement, eligibility, licensing
from marketplace.licences import services as declarations
from marketplace.licences.models import OpenLicenceDeclaration, PaymentMethod, RoyaltyBase
from marketplace.listings.models import ConversionMode, LegalStatus, Listing, ListingKind, ListingState

_EXCLUSIVE = {ConversionMode.SOLE_LICENCE, ConversionMode.EXCLUSIVE_LICENCE}


def _patent(org_id: int, term_end: date) -> Listing | None:
    candidates = db.session.scalars(select(Listing).where(
        Listing.organisation_id == org_id, Listing.is_demo, Listing.kind == ListingKind.INVENTION,
        Listing.legal_status == LegalStatus.GRANTED, Listing.state == ListingState.PUBLISHED,
        Listing.application_date.is_not(None)).order_by(Listing.id).limit(200))
    for listing in candidates:
        expiry = eligibility.patent_expiry(listing)
        if not (_EXCLUSIVE & listing.mode_set) and expiry and expiry >= term_end:
            return listing
    return None


def load_demo_open_licences() -> int:
    """Create the demo declaration and licence once; return how many licences were created."""
    if db.session.scalar(select(OpenLicenceDeclaration.id).where(OpenLicenceDeclaration.is_demo)):
        return 0
    tto = accounts.find_user_by_email("tto@demo.bxqx.cn")
    company = accounts.find_user_by_email("company@demo.bxqx.cn")
    if tto is None or company is None or not (tto.org_verified and company.org_verified):
        return 0
    today = timezones.today()
    term_end = date(today.year + 5, 12, 31)
    listing = _patent(tto.organisation_id, term_end)
    if listing is None:
        return 0
    declaration = declarations.create_declaration(tto, listing, {
        "payment_method": PaymentMethod.ROYALTY, "royalty_base": RoyaltyBase.NET_SALES,
        "royalty_rate": Decimal("3.50"), "fee_amount": None,
        "payment_standard": ("按自然季度计算提成费，被许可人于每季度结束后15日内报告上季度净销售额"
                             "并支付提成费。"),
        "term_end": term_end, "other_terms": "许可人提供不超过5个工作日的技术咨询。",
        "notice_email": tto.email, "notice_address": "上海市徐汇区梅陇路130号 技术转移中心",
        "notice_phone": "021-6425 0000", "fees_paid": True, "fees_paid_on": today - timedelta(days=40),
        "pledged": False, "co_owners": []}, is_demo=True)
    declarations.transition(tto, declaration, "submit")
    declarations.transition(tto, declaration, "announce", number="CN2026KF000318",
                            announced_on=today - timedelta(days=21))
    terms = licensing.review(company, declaration, False)
    licence = licensing.accept(company, declaration, signer_name="赵敏", signer_title="研发总监",
                               consent=True, trial=False,
                               reviewed_sha256=agreement.digest(agreement.canonical(terms)),
                               ip=None, user_agent="demo")
    licence.is_demo = True
    db.session.commit()
    return 1
