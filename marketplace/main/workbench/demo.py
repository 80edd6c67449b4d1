"""Demo to-dos for the workbench (``flask demo load``, after the other demo data): a lump-sum open
licence the demo company signed and is paying by bank transfer (the company has a fee to pay, the
university a transfer to confirm), a declaration still in draft, and a company message the
university has not answered yet. Everything goes through the services, as a user would do it."""

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from marketplace import timezones
from marketplace.accounts import services as accounts
from marketplace.demo import EXTRA_LOADERS
from marketplace.extensions import db
from marketplace.interests import threads
from marketplace.interests.models import Interest, InterestStatus, Message
from marketplace.licences import demo as licences_demo
from marketplace.licences import eligibility, royalties
from marketplace.licences import services as declarations
from marketplace.licences.models import OpenLicenceDeclaration, PaymentMethod
from marketplace.listings.models import ConversionMode, LegalStatus, Listing, ListingKind, ListingState

#: The lump sum of the demo declaration that the company pays by bank transfer.
FEE = Decimal("180000.00")
#: CNIPA's announcement number of that declaration: it marks the workbench demo as loaded.
ANNOUNCEMENT = "CN2026KF000402"
_EXCLUSIVE = {ConversionMode.SOLE_LICENCE, ConversionMode.EXCLUSIVE_LICENCE}


def _free_patents(org_id: int, term_end: date, count: int) -> list[Listing]:
    """Granted invention patents of the university without a declaration or exclusive terms."""
    declared = select(OpenLicenceDeclaration.listing_id)
    found = []
    for listing in db.session.scalars(select(Listing).where(
            Listing.organisation_id == org_id, Listing.is_demo,
            Listing.kind == ListingKind.INVENTION, Listing.legal_status == LegalStatus.GRANTED,
            Listing.state == ListingState.PUBLISHED, Listing.application_date.is_not(None),
            Listing.id.notin_(declared)).order_by(Listing.id.desc()).limit(200)):
        expiry = eligibility.patent_expiry(listing)
        if not (_EXCLUSIVE & listing.mode_set) and expiry and expiry >= term_end:
            found.append(listing)
            if len(found) == count:
                break
    return found


def _declaration(tto, listing, term_end, fee: Decimal | None) -> OpenLicenceDeclaration:
    method = PaymentMethod.LUMP_SUM if fee else PaymentMethod.FREE
    return declarations.create_declaration(tto, listing, {
        "payment_method": method, "fee_amount": fee, "royalty_base": None, "royalty_rate": None,
        "payment_standard": ("被许可人于许可合同生效后30日内一次性支付许可使用费。" if fee
                             else "免费许可，被许可人按约定在产品说明中注明专利号。"),
        "term_end": term_end, "other_terms": None, "notice_email": tto.email,
        "notice_address": "上海市徐汇区梅陇路130号 技术转移中心", "notice_phone": "021-6425 0000",
        "fees_paid": True, "fees_paid_on": timezones.today() - timedelta(days=30), "pledged": False,
        "co_owners": []}, is_demo=True)


def _licence_paid_by_transfer(tto, company, listing, term_end) -> None:
    declaration = _declaration(tto, listing, term_end, FEE)
    declarations.transition(tto, declaration, "submit")
    declarations.transition(tto, declaration, "announce", number=ANNOUNCEMENT,
                            announced_on=timezones.today() - timedelta(days=7))
    royalties.pay_fee(company, licences_demo.accept(company, declaration), "bank_transfer")


def _unanswered_message(company) -> None:
    """The company writes in one of its threads where the university spoke last."""
    for interest in db.session.scalars(select(Interest).where(
            Interest.organisation_id == company.organisation_id,
            Interest.status.in_((InterestStatus.IN_DISCUSSION, InterestStatus.NEGOTIATING)))
            .order_by(Interest.id)):
        last = db.session.get(Message, interest.last_message_id) if interest.last_message_id else None
        if last is not None and last.organisation_id != company.organisation_id:
            threads.post_message(company, interest, "谢谢答复。我们希望下周安排一次线上技术交流，"
                                                    "请告知发明人团队方便的时间。")
            return


def load_workbench_demo() -> int:
    """Create the workbench's demo to-dos once; return how many groups were created."""
    if db.session.scalar(select(OpenLicenceDeclaration.id).where(
            OpenLicenceDeclaration.announcement_number == ANNOUNCEMENT)):
        return 0
    tto = accounts.find_user_by_email("tto@demo.bxqx.cn")
    company = accounts.find_user_by_email("company@demo.bxqx.cn")
    if tto is None or company is None or not (tto.org_verified and company.org_verified):
        return 0
    term_end = date(timezones.today().year + 5, 12, 31)
    patents = _free_patents(tto.organisation_id, term_end, 2)
    if len(patents) < 2:
        return 0
    _licence_paid_by_transfer(tto, company, patents[0], term_end)
    _declaration(tto, patents[1], term_end, None)
    _unanswered_message(company)
    return 1


if load_workbench_demo not in EXTRA_LOADERS:
    EXTRA_LOADERS.append(load_workbench_demo)
