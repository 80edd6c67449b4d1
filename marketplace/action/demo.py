"""Demo rows of the action (``flask demo load``): batches from the notice, categories, the demo
universities' enrolments, an approved plan of 华东理工科技大学 and its secondary units, a few
listings marked converted so the dashboards have conversions, and (``load_demo_report``, last of
all) its submitted annual report."""

from datetime import date

from sqlalchemy import select

from marketplace import timezones
from marketplace.accounts import services as accounts
from marketplace.action import registry, services, units
from marketplace.action.models import Batch, PlanState, UniversityCategory
from marketplace.action.reports import services as reports
from marketplace.action.reports.models import Report, ReportState
from marketplace.db_types import utcnow
from marketplace.extensions import db
from marketplace.listings import services as listings
from marketplace.listings.models import Grade, Listing, ListingKind, ListingState

CATEGORIES = {"tto@demo.bxqx.cn": UniversityCategory.DEMONSTRATION,
              "tto-lingnan@demo.bxqx.cn": UniversityCategory.PILOT,
              "tto-zhongyuan@demo.bxqx.cn": UniversityCategory.OTHER}
#: (account, batch number) of the demo enrolments.
ENROLMENTS = (("tto@demo.bxqx.cn", 1), ("tto-zhongyuan@demo.bxqx.cn", 2))
#: Listings marked converted per university, with the reason the tto gave.
CONVERSIONS = {
    "tto@demo.bxqx.cn": ["与青禾新材料科技股份有限公司签订普通许可合同，许可费分期支付。",
                         "以作价投资方式入股校企合资公司，学校持股15%。",
                         "整体转让给长三角一家装备制造企业。"],
    "tto-lingnan@demo.bxqx.cn": ["与广州一家生物医药企业签订独占许可合同。",
                                 "通过开放许可由两家企业实施。"],
    "tto-zhongyuan@demo.bxqx.cn": ["先试用后付费，试用期满后转为普通许可。"],
}
UNITS = {"materials": "材料科学与工程学院", "energy": "能源与动力工程学院", "it": "信息科学与工程学院",
         "equipment": "机械与动力工程学院", "biomedicine": "生物工程学院"}
PLAN = {
    "basis": "学校现有有效发明专利2,100余件，近三年专利转让许可合同金额累计1.2亿元。"
             "技术转移中心设专职人员18名，其中知识产权专员6名，已建立职务科技成果披露和专利申请前评估制度。",
    "goals": "到2024年底，培育高价值专利（组合）30项，实现高价值专利转化50项，合同金额不低于1亿元；"
             "形成可复制、可推广的高校高价值专利培育转化机制。",
    "organisation": "成立由校长任组长、分管副校长任副组长的“百校千项”行动领导小组，技术转移中心会同科研院、"
                    "资产经营公司具体实施，各二级单位明确一名成果转化联络员。",
    "mechanisms": "实施职务科技成果披露制度；对拟申请专利开展申请前评估；建立A/B/C三级专利分级分类管理；"
                  "重大科研项目全过程知识产权管理；转化净收入的70%奖励给成果完成人。",
    "measures": "设立每年500万元的高价值专利培育专项资金；将成果转化纳入二级单位绩效考核和职称评审；"
                "与知名风险投资机构共建概念验证中心；每季度举办一次项目路演。",
    "expected_results": "高价值专利转化率显著提升，形成一批服务长三角新材料和新能源产业的典型案例。",
}
#: (title, platform, description, field, words a portfolio patent's title has): the plan's key
#: projects; their portfolios are the university's inventions of the field about those words.
PROJECTS = (("高镍正极材料高价值专利组合培育", "全国重点实验室（先进电池材料）",
             "围绕高镍三元正极材料表面包覆与掺杂改性开展专利导航，布局核心专利与外围专利组合，"
             "面向动力电池企业开展许可与作价投资。", "materials",
             ("正极材料", "电池", "电解质", "负极")),
            ("工业智能装备关键技术专利组合", "国家重点研发计划“智能机器人”重点专项",
             "聚焦精密减速器与伺服控制，形成覆盖结构、工艺、控制算法的专利组合，优先采用开放许可和先试用后付费。",
             "equipment", ("机器人", "减速器", "伺服", "机械臂")))


def _convert(tto) -> None:
    wanted = CONVERSIONS[tto.email]
    done = db.session.scalar(select(db.func.count()).select_from(Listing).where(
        Listing.organisation_id == tto.organisation_id, Listing.is_demo,
        Listing.state == ListingState.CONVERTED))
    if done >= len(wanted):
        return
    candidates = db.session.scalars(select(Listing).where(
        Listing.organisation_id == tto.organisation_id, Listing.is_demo,
        Listing.state == ListingState.PUBLISHED, Listing.grade == Grade.A)
        .order_by(Listing.id.desc()).limit(len(wanted) - done)).all()
    for listing, reason in zip(candidates, wanted[done:], strict=False):
        listings.transition(tto, listing, "convert", reason)


def _plan(tto, admin, enrolment) -> None:
    plan = enrolment.plan
    if plan.state is not PlanState.DRAFT or plan.versions:
        return
    services.update_plan(tto, plan, {**PLAN, "target_high_value_patents": 30, "target_conversions": 50,
                                     "target_amount": 100_000_000, "target_open_licences": 20,
                                     "target_roadshows": 8})
    for title, platform, description, field, words in PROJECTS:
        candidates = db.session.execute(select(Listing.id, Listing.title).where(
            Listing.organisation_id == tto.organisation_id, Listing.field == field,
            Listing.kind == ListingKind.INVENTION, Listing.state == ListingState.PUBLISHED)
            .order_by(Listing.grade, Listing.id)).all()
        # the portfolio is about the project: titles with its words first, the field's others after
        ranked = sorted(candidates, key=lambda row: not any(word in row.title for word in words))
        services.save_project(tto, plan, {"title": title, "platform": platform, "description": description,
                                          "listing_ids": [row.id for row in ranked[:4]]})
    services.submit_plan(tto, plan)
    services.review_plan(admin, plan, PlanState.APPROVED, "方案目标明确、机制完整，同意实施。")


def _units(tto) -> None:
    existing = {unit.name: unit for unit in units.units_of(tto.organisation_id)}
    for field, name in UNITS.items():
        unit = existing.get(name) or units.create_unit(tto, name)
        ids = db.session.scalars(select(Listing.id).where(
            Listing.organisation_id == tto.organisation_id, Listing.field == field)).all()
        if ids and name not in existing:
            units.assign(tto, unit.id, list(ids))


def _report(tto) -> None:
    year = utcnow().astimezone(timezones.BEIJING).year
    report = reports.start_report(tto, year)
    if report.state is not ReportState.DRAFT:
        return
    reports.save_report(tto, report, (
        f"{year}年，学校按照实施方案推进高价值专利培育转化：完善专利申请前评估，发布年度高价值专利清单，"
        "在平台上发布专利和成果，组织面向新材料和新能源企业的专场对接，"
        "多项专利实现许可、转让和作价投资。"), {})
    deals = registry.deals(tto.organisation_id, year)
    if deals and not report.cases:
        # a deal reached on the platform (an interest or an open licence) before one marked by hand
        deal = next((d for d in deals if not d.key.startswith("listing:")), deals[0])
        partner = f"与{deal.counterparty}" if deal.counterparty else ""
        reports.add_case(tto, report, f"“{deal.title}”实现转化",
                         "学校技术转移中心在专利申请前评估阶段即引入企业需求，完成专利布局后在平台发布，"
                         f"经项目对接{partner}达成合作。{deal.extra.get('note', '')}"
                         "双方正按约定推进后续工作。",
                         deal_key=deal.key)
    reports.submit_report(tto, report)


def load_demo_action() -> int:
    """Create the action's demo rows that are missing; return how many enrolments were created."""
    admin = accounts.find_user_by_email("admin@demo.bxqx.cn")
    ttos = {email: accounts.find_user_by_email(email) for email in CATEGORIES}
    if admin is None or None in ttos.values():
        return 0
    services.seed_batches(admin)
    end_of_year = date(utcnow().astimezone(timezones.BEIJING).year, 12, 31)
    for batch in db.session.scalars(select(Batch)):
        if batch.ends_on < end_of_year:  # the action continues: its administrators extend it
            services.update_batch(admin, batch, {"ends_on": end_of_year})
    for email, category in CATEGORIES.items():
        services.set_category(admin, ttos[email].organisation, category)
    for email in CONVERSIONS:
        _convert(ttos[email])
    created = 0
    batches = {b.number: b for b in db.session.scalars(select(Batch))}
    for email, number in ENROLMENTS:
        if services.enrolment_of(ttos[email].organisation_id) is None:
            services.enrol(ttos[email], batches[number])
            created += 1
    tto = ttos["tto@demo.bxqx.cn"]
    _plan(tto, admin, services.enrolment_of(tto.organisation_id))
    _units(tto)
    return created


def load_demo_report() -> int:
    """Submit the demo university's annual report once; return 1 when it was submitted.

    Run after every other demo loader: a submitted report freezes its figures, so the interests,
    licences and roadshows of the demo must exist by then for the report to agree with them."""
    tto = accounts.find_user_by_email("tto@demo.bxqx.cn")
    if tto is None or services.enrolment_of(tto.organisation_id) is None:
        return 0
    if db.session.scalar(select(Report).where(Report.organisation_id == tto.organisation_id)):
        return 0
    _report(tto)
    return 1
