"""Demo interests between the demo accounts (``flask demo load``, idempotent): threads in every
state, an NDA with a confidential file, a follow, a saved search and some listing views."""

import hashlib
import io
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from marketplace import timezones, uploads
from marketplace.accounts.models import User
from marketplace.alerts.models import ListingFollow, SavedSearch
from marketplace.alerts.services import terms_fingerprint
from marketplace.db_types import utcnow
from marketplace.extensions import db
from marketplace.interests.models import (
    ConfidentialFile,
    DeclineReason,
    Interest,
    InterestEvent,
    InterestStatus,
    ListingViewDay,
    Message,
    NdaAcceptance,
    NdaVersion,
    Timeline,
)
from marketplace.listings.models import ConversionMode, Listing, ListingState

NDA_TEXT = """保密协议（演示）

一、保密信息：华东理工科技大学（“披露方”）就本成果向接收方提供的工艺参数、实验数据、图纸及未公开的专利申请文件。
二、保密义务：接收方仅为评估与本成果开展许可、转让或投资合作之目的使用保密信息，不得向第三方披露。
三、保密期限：自接受之日起五年。
四、本协议以在线接受的方式订立，平台记录接受人、时间、文本版本及其SHA-256摘要。"""

#: (party e-mail, listing offset among tto@'s published listings, status, intent, budget, message,
#:  thread [(who, text)], days ago, decline reason)
SCENES = [
    ("company@demo.bxqx.cn", 0, InterestStatus.NEGOTIATING, ConversionMode.EXCLUSIVE_LICENCE,
     (Decimal("500000"), Decimal("1200000")),
     "我司计划将该技术用于新一代高镍正极材料产线，希望洽谈独占许可。",
     [("party", "您好，我们是青禾新材料研发部，想了解该成果的中试数据。"),
      ("owner", "欢迎！技术交流会可安排在下周三，我们会带上发明人团队。"),
      ("party", "好的。另外想确认独占许可的地域范围是否可限定在华东地区？"),
      ("owner", "可以讨论。我们已把工艺参数放在保密材料中，接受保密协议后即可查看。")], 20, None),
    ("investor@demo.bxqx.cn", 1, InterestStatus.NEW, ConversionMode.INVESTMENT,
     (Decimal("2000000"), Decimal("5000000")),
     "星河创新关注该方向的早期项目，希望了解团队组建与作价入股意向。",
     [], 2, None),
    ("investor@demo.bxqx.cn", 2, InterestStatus.DEAL, ConversionMode.EQUITY,
     (Decimal("3000000"), None), "拟以该专利作价入股方式共同成立项目公司。",
     [("party", "投委会已通过立项，想确认作价评估机构。"),
      ("owner", "学校指定的评估机构已出具报告，条款已按约定推进。")], 60, None),
    ("company@demo.bxqx.cn", 3, InterestStatus.DECLINED, ConversionMode.ORDINARY_LICENCE,
     (Decimal("50000"), Decimal("100000")), "希望以普通许可方式使用该专利。",
     [("owner", "感谢关注。该专利的许可费用与贵司预算差距较大，暂不能接受。")], 45, DeclineReason.PRICE),
    ("company@demo.bxqx.cn", 4, InterestStatus.WITHDRAWN, ConversionMode.TRY_FIRST, (None, None),
     "想先试用后付费，验证在我司设备上的效果。", [], 30, None),
]
#: A minimal one-page PDF used as the demo confidential file.
DEMO_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def load_interest_demo() -> int:
    """Create the demo interests once; return how many were created."""
    tto = _user("tto@demo.bxqx.cn")
    if tto is None or db.session.scalar(select(func.count()).select_from(Interest).join(Listing).where(
            Listing.is_demo)):
        return 0
    listings = db.session.scalars(select(Listing).where(
        Listing.organisation_id == tto.organisation_id, Listing.is_demo,
        Listing.state == ListingState.PUBLISHED).order_by(Listing.id).limit(len(SCENES))).all()
    if len(listings) < len(SCENES):
        return 0
    now = utcnow()
    created = 0
    for email, offset, status, intent, (low, high), text, thread, days, reason in SCENES:
        party = _user(email)
        if party is None:
            continue
        listing, start = listings[offset], now - timedelta(days=days)
        interest = Interest(listing=listing, organisation_id=party.organisation_id,
                            created_by_id=party.id, intent=intent, budget_min=low, budget_max=high,
                            timeline=Timeline.WITHIN_6_MONTHS, message=text, status=status,
                            contacts_shared_at=start, created_at=start, updated_at=start)
        db.session.add(interest)
        steps = [("created", party, start)]
        if status in (InterestStatus.IN_DISCUSSION, InterestStatus.NEGOTIATING, InterestStatus.DEAL,
                      InterestStatus.DECLINED):
            interest.accepted_at = start + timedelta(days=1)
            steps.append(("in_discussion", tto, interest.accepted_at))
        if status in (InterestStatus.NEGOTIATING, InterestStatus.DEAL):
            interest.negotiating_at = start + timedelta(days=5)
            steps.append(("negotiating", tto, interest.negotiating_at))
        if status is InterestStatus.DEAL:
            interest.deal_at = interest.closed_at = start + timedelta(days=30)
            steps.append(("deal", tto, interest.deal_at))
        if status in (InterestStatus.DECLINED, InterestStatus.WITHDRAWN):
            interest.closed_at = start + timedelta(days=3)
            interest.decline_reason = reason
            steps.append((status.value, tto if reason else party, interest.closed_at))
        for action, actor, when in steps:
            interest.events.append(InterestEvent(actor_id=actor.id,
                                                 organisation_id=actor.organisation_id,
                                                 action=action, created_at=when))
        db.session.flush()
        for number, (who, body) in enumerate(thread, start=1):
            author = party if who == "party" else tto
            message = Message(interest_id=interest.id, author_id=author.id,
                              organisation_id=author.organisation_id, body=body,
                              created_at=start + timedelta(days=1, hours=number))
            db.session.add(message)
            db.session.flush()
            interest.last_message_id = message.id
        interest.updated_at = max(when for _, _, when in steps)
        created += 1
    _confidential(tto, listings[0], _user("company@demo.bxqx.cn"))
    _alerts(_user("company@demo.bxqx.cn"), listings[5] if len(listings) > 5 else listings[-1])
    _views(listings, now)
    db.session.commit()
    return created


def _confidential(tto: User, listing: Listing, company: User | None) -> None:
    nda = NdaVersion(listing_id=listing.id, number=1, text=NDA_TEXT,
                     sha256=hashlib.sha256(NDA_TEXT.encode("utf-8")).hexdigest(),
                     created_by_id=tto.id)
    columns = uploads.store(io.BytesIO(DEMO_PDF), "中试工艺参数（保密）.pdf")
    db.session.add_all([nda, ConfidentialFile(listing_id=listing.id, uploaded_by_id=tto.id,
                                              **columns)])
    db.session.flush()
    interest = db.session.scalar(select(Interest).where(Interest.listing_id == listing.id))
    if company is not None and interest is not None:
        db.session.add(NdaAcceptance(nda_version_id=nda.id, organisation_id=company.organisation_id,
                                     user_id=company.id, interest_id=interest.id,
                                     user_name=company.name, user_email=company.email,
                                     text_sha256=nda.sha256, ip="127.0.0.1",
                                     user_agent="demo data"))
        interest.events.append(InterestEvent(actor_id=company.id,
                                             organisation_id=company.organisation_id,
                                             action="nda_accepted"))


def _alerts(company: User | None, listing: Listing) -> None:
    if company is None:
        return
    db.session.add(ListingFollow(user_id=company.id, listing_id=listing.id,
                                 seen_state=listing.state.value, seen_terms=terms_fingerprint(listing)))
    db.session.add(SavedSearch(user_id=company.id, name="正极材料", query_args={"q": "正极材料"},
                               last_run_at=utcnow()))


def _views(listings: list[Listing], now) -> None:
    """Thirty days of plausible page views for the pipeline chart."""
    today = timezones.today()
    for rank, listing in enumerate(listings):
        for back in range(30):
            views = (7 * (len(listings) - rank) + (back * 13 + rank * 7) % 11) // (1 + back // 10)
            if views:
                db.session.add(ListingViewDay(listing_id=listing.id, day=today - timedelta(days=back),
                                              views=views))
