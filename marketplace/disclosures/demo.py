"""Demo disclosures (``flask demo load``): the demo inventor's disclosures at 【演示】华东理工科技大学
in every state, from a draft to a granted patent with its listing draft, one refused and one kept
as know-how, one under assessment with an outside reviewer, and a filing deadline close enough
for the tto's workbench. Made through the services; idempotent (by title)."""

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from marketplace import timezones
from marketplace.accounts import services as accounts
from marketplace.demo import EXTRA_LOADERS
from marketplace.disclosures import assessment as assessing
from marketplace.disclosures import filing
from marketplace.disclosures import services as disclosures
from marketplace.disclosures.models import (
    Disclosure,
    FilingOutcome,
    PublicationKind,
    Recommendation,
)
from marketplace.extensions import db
from marketplace.listings.models import Grade
from marketplace.listings.patentno import check_character

INVENTOR, TTO, REVIEWER = "inventor@demo.bxqx.cn", "tto@demo.bxqx.cn", "tto-lingnan@demo.bxqx.cn"

#: title -> (field, how far it goes, recommendation, its grade, planned conference in N days).
DEMO = {
    "【演示】一种钠离子电池层状氧化物正极的表面重构方法": ("energy", "draft", None, None, 75),
    "【演示】基于声发射的复合材料层合板损伤在线监测方法": ("equipment", "submitted", None, None, 25),
    "【演示】一种耐盐碱水稻种子包衣剂及其制备方法": ("agriculture", "assessing", None, None, None),
    "【演示】一种低温等离子体协同催化降解挥发性有机物的装置": (
        "environment", "decided", Recommendation.KNOW_HOW, Grade.C, None),
    "【演示】一种高熵合金涂层的激光熔覆制备方法": (
        "materials", "filed", Recommendation.FILE_INVENTION, Grade.B, None),
    "【演示】一种用于锂金属负极的三维骨架集流体": (
        "energy", "granted", Recommendation.FILE_INVENTION, Grade.A, None),
    "【演示】一种可折叠电动自行车车架": (
        "vehicles", "refused", Recommendation.FILE_UTILITY_MODEL, Grade.C, None),
}
STEPS = ("draft", "submitted", "assessing", "decided", "filed", "granted", "refused")


def _number(kind_digit: str, serial: int) -> str:
    digits = f"2025{kind_digit}0{serial:06d}"
    return f"{digits}.{check_character(digits)}"


def _values(inventor, title: str, field: str, conference_in: int | None) -> dict:
    today = timezones.today()
    dates = [] if conference_in is None else [{
        "kind": PublicationKind.CONFERENCE, "planned_on": today + timedelta(days=conference_in),
        "venue": "【演示】全国新材料与新能源学术会议", "qualifying": False}]
    return {
        "title": title, "field": field,
        "problem": "现有工艺成本高、稳定性差，难以满足产业化要求。",
        "solution": "提出一种新的结构与工艺组合，在实验室条件下验证了性能提升（详见附件数据）。",
        "novelty": "与检索到的最接近文献相比，本方案在关键工艺参数和结构上均有本质区别。",
        "funding": "【演示】国家自然科学基金 52170000", "publications": None,
        "inventors": [
            {"name": inventor.name.split("（")[0], "email": inventor.email, "share_pct": Decimal("60")},
            {"name": "【演示】陈晓东（校外合作者）", "email": None, "share_pct": Decimal("40")}],
        "public_dates": dates,
    }


def _assess(tto, disclosure: Disclosure, recommendation, grade, field: str, decide: bool) -> None:
    assessing.save(tto, disclosure, {
        "novelty_score": 4 if grade is not Grade.C else 2, "inventiveness_score": 3,
        "practicality_score": 4, "prior_art": "【演示】CN110000000A\nhttps://pss-system.cponline.cnipa.gov.cn/",
        "market_field": field, "likely_licensees": "【演示】相关领域龙头企业",
        "trl": 4, "market_size": "【演示】国内年市场规模约 20 亿元", "recommendation": recommendation,
        "grade": grade, "conclusion": "【演示】经检索与分析，给出上述建议。"},
        decide=decide, note="【演示】评估结论已附在披露页面，如有疑问请联系技术转移机构。")


def load_demo_disclosures() -> int:
    """Create the demo disclosures that are missing; return how many were created."""
    inventor, tto = accounts.find_user_by_email(INVENTOR), accounts.find_user_by_email(TTO)
    reviewer = accounts.find_user_by_email(REVIEWER)
    if inventor is None or tto is None or not inventor.org_verified:
        return 0
    existing = set(db.session.scalars(select(Disclosure.title).where(Disclosure.is_demo)))
    created = 0
    for serial, (title, (field, step, recommendation, grade, conference)) in enumerate(
            DEMO.items(), start=1):
        if title in existing:
            continue
        reached = STEPS.index(step)
        disclosure = disclosures.create(inventor, _values(inventor, title, field, conference),
                                        is_demo=True)
        created += 1
        if reached >= STEPS.index("submitted"):
            disclosures.submit(inventor, disclosure)
        if step == "assessing":
            _assess(tto, disclosure, Recommendation.FILE_INVENTION, Grade.B, field, decide=False)
            if reviewer is not None:
                assessing.invite_reviewer(tto, disclosure, reviewer.email)
        if reached >= STEPS.index("decided"):
            _assess(tto, disclosure, recommendation, grade, field, decide=True)
        if reached >= STEPS.index("filed"):
            today = timezones.today()
            kind = "2" if recommendation is Recommendation.FILE_UTILITY_MODEL else "1"
            number = _number(kind, 900000 + serial)
            if filing.number_taken(number):
                continue
            filing.record_filing(tto, disclosure, number, today - timedelta(days=400))
        if step == "granted":
            filing.record_outcome(tto, disclosure, FilingOutcome.GRANTED,
                                  timezones.today() - timedelta(days=30))
            filing.make_listing(tto, disclosure)
        if step == "refused":
            filing.record_outcome(tto, disclosure, FilingOutcome.REFUSED,
                                  timezones.today() - timedelta(days=60),
                                  "【演示】审查意见认为不具备创造性，答复后仍被驳回。")
    return created


if load_demo_disclosures not in EXTRA_LOADERS:
    EXTRA_LOADERS.append(load_demo_disclosures)
