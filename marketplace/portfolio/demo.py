"""Demo portfolio (``flask demo load``, after the listings): the demo university raised a patent
whose annual fee falls due soon to grade A, and decided to keep paying for it; it lowered another
to grade C, a candidate to let go on the fees-due list. Everything goes through the services."""

from datetime import timedelta

from sqlalchemy import select

from marketplace import timezones
from marketplace.accounts import services as accounts
from marketplace.demo import EXTRA_LOADERS
from marketplace.extensions import db
from marketplace.listings.models import Grade, LegalStatus, Listing, ListingKind, ListingState
from marketplace.portfolio import services as portfolio
from marketplace.portfolio.fees import next_due
from marketplace.portfolio.models import GradeChange, MaintenanceChoice

#: "Soon": the A-graded patent's fee falls due within this many days (a date set by hand when no
#: filing anniversary of the demo patents falls that close).
SOON_DAYS = 30
RAISED = "已有两家企业表达合作意向，中试数据验证了循环寿命指标，市场前景明确，由B级上调为A级。"
KEEP = "A级专利，正与意向企业洽谈许可，继续缴纳年费。"
LOWERED = "授权后三年无企业问询，技术路线已被替代，由B级下调为C级，年费到期前评估是否放弃。"


def load_portfolio_demo() -> int:
    """Regrade two demo patents and record one decision, once; return how many were made."""
    tto = accounts.find_user_by_email("tto@demo.bxqx.cn")
    if tto is None or not tto.org_verified:
        return 0
    if db.session.scalar(select(GradeChange.id).join(Listing).where(
            Listing.organisation_id == tto.organisation_id, Listing.is_demo).limit(1)):
        return 0
    today = timezones.today()
    patents = [(next_due(listing, today), listing) for listing in db.session.scalars(
        select(Listing).where(Listing.organisation_id == tto.organisation_id, Listing.is_demo,
                              Listing.kind == ListingKind.INVENTION,
                              Listing.legal_status == LegalStatus.GRANTED,
                              Listing.state == ListingState.PUBLISHED,
                              Listing.grade == Grade.B).order_by(Listing.id))]
    patents = sorted((pair for pair in patents if pair[0] is not None), key=lambda p: (p[0], p[1].id))
    if len(patents) < 2:
        return 0
    due, raised = patents[0]
    if due > today + timedelta(days=SOON_DAYS):
        portfolio.set_fee_due(tto, raised, today + timedelta(days=SOON_DAYS - 9))
    portfolio.regrade(tto, raised, Grade.A, RAISED)
    portfolio.decide_maintenance(tto, raised, MaintenanceChoice.KEEP, KEEP)
    portfolio.regrade(tto, patents[1][1], Grade.C, LOWERED)
    return 3


if load_portfolio_demo not in EXTRA_LOADERS:
    EXTRA_LOADERS.append(load_portfolio_demo)
