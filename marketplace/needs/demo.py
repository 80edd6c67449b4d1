"""Demo technology needs (``flask demo load``): the demo company's needs, their matches, one
proposal from the demo university's tto, and the demo investor's interests."""

from decimal import Decimal

import sqlalchemy as sa
from flask import current_app

from marketplace.accounts import services as accounts
from marketplace.extensions import db
from marketplace.listings.models import ConversionMode, Listing
from marketplace.needs import matching
from marketplace.needs import services as needs
from marketplace.needs.models import Match, Need, Proposal

WAN = Decimal(10000)
#: (title, description, field, keywords, (trl_min, trl_max), mode, budget 万元, public?)
DEMO_NEEDS = [
    ("【演示】高镍三元正极材料包覆改性技术",
     "我司年产5000吨高镍三元正极材料，客户反映材料在高温循环中容量衰减较快、电池产气偏多。希望引进表面包覆、"
     "体相掺杂或单晶化等改性技术，提高高镍正极材料的循环稳定性和热稳定性，并可在现有烧结产线上放大生产。",
     "materials", "高镍三元正极材料, 包覆, 掺杂改性, 循环稳定性", (4, 8), ConversionMode.EXCLUSIVE_LICENCE,
     (50, 300), True),
    ("【演示】动力电池热失控早期预警与健康状态估计",
     "我司为储能和电动汽车客户配套电池模组，需要在电池管理系统中实现热失控早期预警、健康状态估计和剩余寿命预测，"
     "要求算法可部署在嵌入式平台上，误报率低。",
     "energy", "热失控预警, 健康状态估计, 剩余寿命预测, 电池管理", (4, 7), None, (20, 100), True),
    ("【演示】废旧锂电池正极材料回收工艺",
     "公司计划建设退役动力电池回收产线，寻求正极材料中镍钴锰锂的高效回收与再生技术，要求回收率高、废水少。",
     "environment", "回收, 锂离子电池正极材料, 湿法冶金", (5, 9), ConversionMode.TRANSFER, (100, 500), False),
]
PROPOSAL_NOTE = ("我校该项专利已完成中试验证，可提供技术资料和工艺包，团队可派员驻厂指导放大生产，"
                 "欢迎进一步洽谈独占许可条件。")
INVESTOR_INTERESTS = {"fields": ["materials", "energy"], "keywords": "固态电解质, 钠离子电池, 储能系统",
                      "modes": ["equity", "transfer"], "trl_min": 3, "trl_max": 7, "budget_max": None}


def load_demo_needs() -> int:
    """Create the missing demo needs, their matches and the demo proposal; return needs created."""
    company = accounts.find_user_by_email("company@demo.bxqx.cn")
    tto = accounts.find_user_by_email("tto@demo.bxqx.cn")
    investor = accounts.find_user_by_email("investor@demo.bxqx.cn")
    if company is None or not company.org_verified:
        return 0
    inline = current_app.config.get("JOBS_INLINE", False)
    current_app.config["JOBS_INLINE"] = True  # the matches exist when the command returns
    try:
        created = _needs(company)
        _proposal(tto)
        if investor is not None and needs.profile_of(investor) is None:
            needs.save_profile(investor, dict(INVESTOR_INTERESTS))
    finally:
        current_app.config["JOBS_INLINE"] = inline
    return created


def _needs(company) -> int:
    existing = set(db.session.scalars(sa.select(Need.title).where(Need.is_demo)))
    created = 0
    for title, description, field, keywords, (low, high), mode, (b_low, b_high), public in DEMO_NEEDS:
        if title in existing:
            continue
        needs.create_need(company, {
            "title": title, "description": description, "field": field, "keywords": keywords,
            "trl_min": low, "trl_max": high, "mode": mode, "budget_min": Decimal(b_low) * WAN,
            "budget_max": Decimal(b_high) * WAN, "is_public": public}, publish=True, is_demo=True)
        created += 1
    for need in db.session.scalars(sa.select(Need).where(Need.is_demo, Need.matched_at.is_(None))):
        matching.recompute_need(need)
    return created


def _proposal(tto) -> None:
    """The demo tto proposes its best-matching listing to the first demo need, once."""
    if tto is None:
        return
    need = db.session.scalar(sa.select(Need).where(Need.is_demo, Need.title == DEMO_NEEDS[0][0]))
    if need is None or db.session.scalar(sa.select(Proposal.id).where(Proposal.need_id == need.id)):
        return
    listing = db.session.scalar(
        sa.select(Listing).join(Match, Match.listing_id == Listing.id)
        .where(Match.need_id == need.id, Listing.organisation_id == tto.organisation_id)
        .order_by(Match.score.desc()).limit(1))
    if listing is not None:
        needs.propose(tto, need, listing, PROPOSAL_NOTE)
