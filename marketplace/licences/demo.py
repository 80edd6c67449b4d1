"""Demo open licences (``flask demo load``): announced declarations on granted invention patents of
the demo universities, and the demo company's licence under the first. A listing offers the
open-licence mode only because one of these is announced (``services.transition`` adds it), so
every 开放许可 chip of the demo leads to a declaration a company can accept."""

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from marketplace import timezones
from marketplace.accounts import services as accounts
from marketplace.extensions import db
from marketplace.licences import agreement, eligibility, licensing
from marketplace.licences import services as declarations
from marketplace.licences.models import OpenLicence, OpenLicenceDeclaration, PaymentMethod, RoyaltyBase
from marketplace.listings.models import ConversionMode, LegalStatus, Listing, ListingKind, ListingState

_EXCLUSIVE = {ConversionMode.SOLE_LICENCE, ConversionMode.EXCLUSIVE_LICENCE}
#: (tto, announcement number, days since the announcement, terms): the demo declarations. The
#: first is the one the demo company accepts.
DECLARATIONS = [
    ("tto@demo.bxqx.cn", "CN2026KF000318", 21, {
        "payment_method": PaymentMethod.ROYALTY, "royalty_base": RoyaltyBase.NET_SALES,
        "royalty_rate": Decimal("3.50"),
        "payment_standard": ("按自然季度计算提成费，被许可人于每季度结束后15日内报告上季度净销售额"
                             "并支付提成费。"),
        "other_terms": "许可人提供不超过5个工作日的技术咨询。",
        "notice_address": "上海市徐汇区梅陇路130号 技术转移中心", "notice_phone": "021-6425 0000"}),
    ("tto@demo.bxqx.cn", "CN2026KF000502", 14, {
        "payment_method": PaymentMethod.LUMP_SUM, "fee_amount": Decimal("80000.00"),
        "payment_standard": "被许可人在许可生效后30日内一次性支付许可使用费。",
        "other_terms": "许可期内被许可人可获得一次现场技术培训。",
        "notice_address": "上海市徐汇区梅陇路130号 技术转移中心", "notice_phone": "021-6425 0000"}),
    ("tto@demo.bxqx.cn", "CN2026KF000517", 9, {
        "payment_method": PaymentMethod.ENTRY_PLUS_ROYALTY, "fee_amount": Decimal("30000.00"),
        "royalty_base": RoyaltyBase.NET_SALES, "royalty_rate": Decimal("2.00"),
        "payment_standard": "入门费于许可生效后30日内支付；提成费按年度净销售额计算，次年3月31日前支付。",
        "other_terms": None,
        "notice_address": "上海市徐汇区梅陇路130号 技术转移中心", "notice_phone": "021-6425 0000"}),
    ("tto-lingnan@demo.bxqx.cn", "CN2026KF000611", 30, {
        "payment_method": PaymentMethod.FREE,
        "payment_standard": "面向中小微企业免费许可，被许可人每年报告一次实施情况。",
        "other_terms": None,
        "notice_address": "广州市番禺区大学城外环西路 知识产权运营中心", "notice_phone": "020-8733 0000"}),
    ("tto-zhongyuan@demo.bxqx.cn", "CN2026KF000644", 5, {
        "payment_method": PaymentMethod.LUMP_SUM, "fee_amount": Decimal("50000.00"),
        "payment_standard": "被许可人在许可生效后30日内一次性支付许可使用费。",
        "other_terms": None,
        "notice_address": "郑州市高新区科学大道 技术转移中心", "notice_phone": "0371-6778 0000"}),
]


def _patent(org_id: int, term_end: date) -> Listing | None:
    """A published granted invention of the university that may be declared open until ``term_end``
    and has no declaration yet."""
    declared = select(OpenLicenceDeclaration.listing_id)
    candidates = db.session.scalars(select(Listing).where(
        Listing.organisation_id == org_id, Listing.is_demo, Listing.kind == ListingKind.INVENTION,
        Listing.legal_status == LegalStatus.GRANTED, Listing.state == ListingState.PUBLISHED,
        Listing.application_date.is_not(None), Listing.id.not_in(declared))
        .order_by(Listing.id).limit(200))
    for listing in candidates:
        expiry = eligibility.patent_expiry(listing)
        if not (_EXCLUSIVE & listing.mode_set) and expiry and expiry >= term_end:
            return listing
    return None


def _declare(tto, number: str, days_ago: int, terms: dict) -> OpenLicenceDeclaration | None:
    """Draft, submit and announce one demo declaration through the services."""
    today = timezones.today()
    term_end = date(today.year + 5, 12, 31)
    listing = _patent(tto.organisation_id, term_end)
    if listing is None:
        return None
    declaration = declarations.create_declaration(tto, listing, {
        "fee_amount": None, "royalty_base": None, "royalty_rate": None, **terms,
        "term_end": term_end, "notice_email": tto.email, "fees_paid": True,
        "fees_paid_on": today - timedelta(days=days_ago + 19), "pledged": False, "co_owners": []},
        is_demo=True)
    declarations.transition(tto, declaration, "submit")
    declarations.transition(tto, declaration, "announce", number=number,
                            announced_on=today - timedelta(days=days_ago))
    return declaration


def load_demo_open_licences() -> int:
    """Create the missing demo declarations, and the demo licence once; return how many
    declarations were announced."""
    company = accounts.find_user_by_email("company@demo.bxqx.cn")
    existing = set(db.session.scalars(select(OpenLicenceDeclaration.announcement_number)
                                      .where(OpenLicenceDeclaration.is_demo)))
    announced = 0
    for index, (email, number, days_ago, terms) in enumerate(DECLARATIONS):
        tto = accounts.find_user_by_email(email)
        if number in existing or tto is None or not tto.org_verified:
            continue
        declaration = _declare(tto, number, days_ago, terms)
        if declaration is None:
            continue
        announced += 1
        if index == 0 and company is not None and company.org_verified:
            accept(company, declaration)
    return announced


def accept(company, declaration: OpenLicenceDeclaration) -> OpenLicence:
    """The demo company accepts the declaration through the service, as its R&D director would."""
    terms = licensing.review(company, declaration, False)
    licence = licensing.accept(company, declaration, signer_name="赵敏", signer_title="研发总监",
                               consent=True, trial=False,
                               reviewed_sha256=agreement.digest(agreement.canonical(terms)),
                               ip=None, user_agent="demo")
    licence.is_demo = True
    db.session.commit()
    return licence
