"""The action: batch 2 enrolment, the plan's review cycle and PDF, annual report figures, typical
cases on the public page, registries, dashboards and their exports, other universities' objects."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from marketplace import timezones
from marketplace.accounts.models import Role
from marketplace.action import registry
from marketplace.action import services as action
from marketplace.action.models import Batch, Enrolment, PlanState, UniversityCategory
from marketplace.action.registry import DealRef
from marketplace.action.reports.models import Report, ReportState, SecondaryUnit
from marketplace.db_types import utcnow
from marketplace.extensions import db
from marketplace.listings.models import (
    Grade,
    LegalStatus,
    ListingKind,
    ListingState,
)
from marketplace.lists.models import ListKind, ListVersion, PublishedList
from tests import factories
from tests.conftest import post, zh
from tests.mail_support import plain

SECTIONS = {"basis": "学校现有有效发明专利一千余件。", "goals": "培育高价值专利组合二十项。",
            "organisation": "成立由校长任组长的领导小组。", "mechanisms": "实施专利申请前评估制度。",
            "measures": "设立高价值专利培育专项资金。", "expected_results": "形成可推广的转化新机制。",
            "target_high_value_patents": "20", "target_conversions": "30", "target_amount": "5000000",
            "target_open_licences": "10", "target_roadshows": "4"}


@pytest.fixture
def make_listing(app):
    """This module's listings (tests/factories.py): patents under examination, offered for
    transfer, with no publication date unless given one."""
    def _make(org, *, kind=ListingKind.INVENTION, state=ListingState.PUBLISHED, published_at=None,
              title="一种固态电解质膜", **fields):
        return factories.listing(
            org, kind=kind, state=state, title=title, abstract="一种高离子电导率的固态电解质膜。",
            field=fields.pop("field", "materials"), trl=5,
            legal_status=LegalStatus.PENDING if kind.is_patent else LegalStatus.NOT_APPLICABLE,
            published_at=published_at if state is not ListingState.DRAFT else None, **fields)
    return _make


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN)


@pytest.fixture
def batches(app, admin):
    action.seed_batches(admin)
    return {b.number: b for b in db.session.scalars(select(Batch))}


def login(auth, user):
    auth.logout()
    assert auth.login(user.email).status_code == 302


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# --- Acceptance: batch 2, draft, submit, return, resubmit, approve, PDF ---------------------------

def test_batch2_plan_is_returned_with_a_comment_resubmitted_and_approved(
        client, auth, make_user, admin, batches, make_listing, outbox):
    tto = make_user(Role.TTO)
    org = tto.organisation
    listing = make_listing(org, title="一种钠离子电池负极材料")
    login(auth, tto)
    # A university of the "other" category (the default) cannot join batch 1, but can join batch 2.
    assert post(client, f"/action/batches/{batches[1].id}/enrol").status_code == 302
    assert db.session.scalar(select(Enrolment)) is None
    response = post(client, f"/action/batches/{batches[2].id}/enrol")
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.organisation_id == org.id))
    assert enrolment.batch_id == batches[2].id and enrolment.category is UniversityCategory.OTHER
    plan = enrolment.plan
    assert response.headers["Location"] == f"/action/plans/{plan.id}"

    # Submitting an empty plan is refused; the draft is saved, then a key project is added.
    post(client, f"/action/plans/{plan.id}/submit")
    assert plan.state is PlanState.DRAFT and not plan.versions
    assert post(client, f"/action/plans/{plan.id}", SECTIONS).status_code == 302
    assert plan.goals == SECTIONS["goals"] and plan.target_amount == Decimal("5000000")
    response = post(client, f"/action/plans/{plan.id}/projects", {
        "new-title": "钠电池材料专利组合", "new-platform": "全国重点实验室",
        "new-description": "布局核心专利。",
        "new-listing_ids": str(listing.id)})
    assert response.status_code == 302
    assert [li.id for li in plan.projects[0].listings] == [listing.id]

    post(client, f"/action/plans/{plan.id}/submit")
    assert plan.state is PlanState.SUBMITTED and plan.latest.number == 1
    # Batch 2's deadline (2023-03-31, Beijing time) is long past: the submission is flagged late.
    assert plan.latest.late is True
    assert post(client, f"/action/plans/{plan.id}", SECTIONS).status_code == 409  # frozen now

    login(auth, admin)
    page = client.get(f"/action/plans/{plan.id}").get_data(as_text=True)
    assert SECTIONS["goals"] in page and zh("Late") in page
    assert post(client, f"/action/plans/{plan.id}/review", {"decision": "return"}).status_code == 422
    assert plan.state is PlanState.SUBMITTED
    comment = "请补充二级单位考核指标和年度分解目标。"
    post(client, f"/action/plans/{plan.id}/review", {"decision": "return", "comment": comment})
    assert plan.state is PlanState.RETURNED and plan.latest.review_comment == comment
    assert outbox()[-1]["To"] == tto.email and comment in plain(outbox()[-1])

    login(auth, tto)
    assert comment in client.get(f"/action/plans/{plan.id}").get_data(as_text=True)
    post(client, f"/action/plans/{plan.id}", {**SECTIONS, "measures": "将成果转化纳入二级单位绩效考核。"})
    post(client, f"/action/plans/{plan.id}/submit")
    assert plan.state is PlanState.SUBMITTED and [v.number for v in plan.versions] == [2, 1]

    login(auth, admin)
    post(client, f"/action/plans/{plan.id}/review", {"decision": "approve", "comment": "同意实施。"})
    assert plan.state is PlanState.APPROVED
    assert [v.decision for v in plan.versions] == [PlanState.APPROVED, PlanState.RETURNED]
    assert plan.versions[1].snapshot["sections"]["measures"] == SECTIONS["measures"]

    login(auth, tto)
    response = client.get(f"/action/plans/{plan.id}/versions/2.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.get_data())
    for expected in (org.name, "第二批次", "将成果转化纳入二级单位绩效考核。", "钠电池材料专利组合",
                     "一种钠离子电池负极材料", "全国重点实验室", zh("2. Goals"),
                     zh("Submitted after the deadline")):
        assert expected in text, expected
    assert "设立高价值专利培育专项资金" not in text  # version 2 has the revised measures
    assert SECTIONS["measures"] in pdf_text(client.get(f"/action/plans/{plan.id}/versions/1.pdf").get_data())


def test_late_is_read_in_the_batchs_time_zone(batches):
    batch = batches[2]  # plan due on 2023-03-31, Asia/Shanghai
    assert not action.is_late(batch, datetime(2023, 3, 31, 15, 59, tzinfo=UTC))  # 23:59 in Beijing
    assert action.is_late(batch, datetime(2023, 3, 31, 16, 0, tzinfo=UTC))       # 00:00 on 1 April


def test_admin_moves_the_deadline_and_an_on_time_plan_is_not_flagged(
        client, auth, make_user, admin, batches, make_listing):
    login(auth, admin)
    tomorrow = (utcnow() + timedelta(days=1)).date()
    form = {"name": "第二批次", "starts_on": "2023-03-01", "plan_due_on": tomorrow.isoformat(),
            "ends_on": "2026-12-31", "timezone": "Asia/Shanghai", "eligible_categories": ["pilot", "other"],
            "enrolment_open": "y"}
    assert post(client, f"/action/batches/{batches[2].id}", form).status_code == 302
    assert batches[2].plan_due_on == tomorrow and batches[2].report_years == [2023, 2024, 2025, 2026]
    bad = post(client, f"/action/batches/{batches[2].id}", {**form, "timezone": "Mars/Olympus"})
    assert bad.status_code == 422 and batches[2].timezone == "Asia/Shanghai"

    tto = make_user(Role.TTO)
    enrolment = action.enrol(tto, batches[2])
    plan = enrolment.plan
    action.update_plan(tto, plan, {k: v for k, v in SECTIONS.items() if not k.startswith("target")})
    action.save_project(tto, plan, {"title": "项目", "description": "说明",
                                    "listing_ids": [make_listing(tto.organisation).id]})
    assert action.submit_plan(tto, plan).late is False


def test_enrolment_rules(client, auth, make_user, admin, batches):
    tto = make_user(Role.TTO)
    action.set_category(admin, tto.organisation, UniversityCategory.DEMONSTRATION)
    assert action.enrol_problem(tto, batches[2])  # demonstration universities are batch 1's
    inventor = make_user(Role.INVENTOR, org=tto.organisation, is_org_admin=False)
    login(auth, inventor)
    assert post(client, f"/action/batches/{batches[1].id}/enrol").status_code == 403
    login(auth, tto)
    post(client, f"/action/batches/{batches[1].id}/enrol")
    assert action.enrolment_of(tto.organisation_id).batch_id == batches[1].id
    action.set_category(admin, tto.organisation, UniversityCategory.OTHER)
    post(client, f"/action/batches/{batches[2].id}/enrol")  # one batch per university
    assert action.enrolment_of(tto.organisation_id).batch_id == batches[1].id
    login(auth, admin)
    page = client.get(f"/action/batches/{batches[1].id}").get_data(as_text=True)
    assert tto.organisation.name in page


# --- Annual report: figures equal independent counts; typical cases ---------------------------------

def _at(year, month=6):
    return datetime(year, month, 15, 4, 0, tzinfo=UTC)


@pytest.fixture
def enrolled(make_user, admin, batches):
    tto = make_user(Role.TTO)
    action.update_batch(admin, batches[2], {"ends_on": date(2026, 12, 31)})
    action.enrol(tto, batches[2])
    return tto


def test_prefilled_figures_equal_counts_computed_from_the_test_data(
        client, auth, make_user, enrolled, make_listing):
    org = enrolled.organisation
    other = make_user(Role.TTO).organisation
    made = []
    specs = [  # (org, grade, kind, state, published_at)
        (org, Grade.A, ListingKind.INVENTION, ListingState.PUBLISHED, _at(2025, 3)),
        (org, Grade.A, ListingKind.UTILITY_MODEL, ListingState.CONVERTED, _at(2025, 7)),
        (org, Grade.A, ListingKind.ACHIEVEMENT, ListingState.PUBLISHED, _at(2025, 8)),
        (org, Grade.B, ListingKind.INVENTION, ListingState.WITHDRAWN, _at(2025, 9)),
        (org, Grade.A, ListingKind.INVENTION, ListingState.PUBLISHED, _at(2024, 12)),
        # 2025-12-31 17:00 UTC is already 2026 in Beijing.
        (org, Grade.A, ListingKind.INVENTION, ListingState.PUBLISHED,
         datetime(2025, 12, 31, 17, 0, tzinfo=UTC)),
        (org, Grade.A, ListingKind.INVENTION, ListingState.DRAFT, None),
        (other, Grade.A, ListingKind.INVENTION, ListingState.PUBLISHED, _at(2025, 5)),
    ]
    for owner, grade, kind, state, published_at in specs:
        made.append(make_listing(owner, grade=grade, kind=kind, state=state, published_at=published_at))
    for number, (owner, at) in enumerate([(org, _at(2025, 2)), (org, _at(2025, 10)), (org, _at(2024, 5)),
                                           (other, _at(2025, 4))]):
        plist = PublishedList(organisation=owner, kind=ListKind.HIGH_VALUE_PATENTS, title=f"清单{number}")
        db.session.add(plist)
        db.session.add(ListVersion(list=plist, number=1, title="v1", snapshot=[], sha256="0" * 64,
                                   published_at=at))
        if number == 0:  # a second version in the same year counts the list once
            db.session.add(ListVersion(list=plist, number=2, title="v2", snapshot=[], sha256="1" * 64,
                                       published_at=_at(2025, 11)))
    db.session.commit()

    def in_2025(at):
        return at is not None and at.astimezone(timezones.BEIJING).year == 2025

    expected = {
        "listings_published": sum(1 for li in made
                                  if li.organisation_id == org.id and in_2025(li.published_at)),
        "high_value_patents_published": sum(
            1 for li in made if li.organisation_id == org.id and in_2025(li.published_at)
            and li.grade is Grade.A and li.kind is not ListingKind.ACHIEVEMENT),
        "lists_published": len({v.list_id for v in db.session.scalars(select(ListVersion))
                                if v.list.organisation_id == org.id and in_2025(v.published_at)}),
    }
    assert expected == {"listings_published": 4, "high_value_patents_published": 2, "lists_published": 2}

    login(auth, enrolled)
    response = post(client, "/action/reports/start", {"year": "2025"})
    report = db.session.scalar(select(Report))
    assert response.headers["Location"] == f"/action/reports/{report.id}"
    page = client.get(f"/action/reports/{report.id}").get_data(as_text=True)
    for key, value in expected.items():
        assert f'<tr data-metric="{key}">' in page
        row = page.split(f'<tr data-metric="{key}">')[1].split("</tr>")[0]
        assert f'<td class="num platform">{value}</td>' in row, key

    post(client, f"/action/reports/{report.id}", {"narrative": "全年推进情况。",
                                                   "figure-listings_published": "6"})
    post(client, f"/action/reports/{report.id}/submit")
    assert report.state is ReportState.SUBMITTED
    figures = {f["key"]: f for f in report.figures}
    assert figures["listings_published"] == {**figures["listings_published"], "platform": "4",
                                             "declared": "6"}
    assert figures["high_value_patents_published"]["declared"] == "2"
    make_listing(org, published_at=_at(2025, 4))  # later data does not change a submitted report
    assert {f["key"]: f["platform"] for f in report.figures}["listings_published"] == "4"


def test_a_typical_case_is_public_only_after_the_admin_approves_the_report(
        client, auth, admin, enrolled, make_listing):
    listing = make_listing(enrolled.organisation, title="一种高效光伏组件", published_at=_at(2025))
    login(auth, enrolled)
    post(client, "/action/reports/start", {"year": "2025"})
    report = db.session.scalar(select(Report))
    post(client, f"/action/reports/{report.id}", {"narrative": "年度成效。"})
    response = post(client, f"/action/reports/{report.id}/cases", {
        "title": "光伏组件专利许可助力企业扩产", "narrative": "通过普通许可实现转化，企业新增产值。",
        "deal_key": "", "listing_id": str(listing.id)})
    assert response.status_code == 302 and report.cases[0].listing_id == listing.id
    post(client, f"/action/reports/{report.id}/submit")
    auth.logout()
    assert "光伏组件专利许可助力企业扩产" not in client.get("/action/cases").get_data(as_text=True)

    login(auth, admin)
    post(client, f"/action/reports/{report.id}/review", {"decision": "approve"})
    assert report.state is ReportState.APPROVED
    auth.logout()
    page = client.get("/action/cases").get_data(as_text=True)
    assert "光伏组件专利许可助力企业扩产" in page and "通过普通许可实现转化" in page
    assert enrolled.organisation.name in page


def test_cases_come_from_registered_deal_sources_and_metrics_from_registered_features(
        client, auth, enrolled, make_listing):
    listing = make_listing(enrolled.organisation, published_at=_at(2025))

    def licences(org_id, year):
        if org_id != enrolled.organisation_id or year != 2025:
            return []
        return [DealRef(key="licence:7", listing_id=listing.id, mode="ordinary_licence",
                        concluded_on=date(2025, 5, 20), title=listing.title, counterparty="青禾新材料",
                        amount=Decimal("120000.00"))]

    def interests(org_id, year):
        return 17

    registry.register_deal_source(licences, name="test.licences")
    registry.register_metric("interests", "收到合作意向", interests, "条", order=40)
    try:
        login(auth, enrolled)
        post(client, "/action/reports/start", {"year": "2025"})
        report = db.session.scalar(select(Report))
        page = client.get(f"/action/reports/{report.id}").get_data(as_text=True)
        assert "收到合作意向" in page and '<td class="num platform">17</td>' in page
        assert "licence:7" in page
        post(client, f"/action/reports/{report.id}/cases",
             {"title": "许可案例", "narrative": "许可给青禾新材料。", "deal_key": "licence:7",
              "listing_id": ""})
        case = report.cases[0]
        assert case.deal["amount"] == "120000.00" and case.listing_id == listing.id
        # a deal of another university cannot be cited
        post(client, f"/action/reports/{report.id}/cases",
             {"title": "冒用", "narrative": "别校交易。", "deal_key": "licence:999", "listing_id": ""})
        assert len(report.cases) == 1
        dashboard = client.get("/action/our-dashboard?year=2025").get_data(as_text=True)
        assert "¥120,000.00" in dashboard
    finally:
        registry.unregister_deal_source("test.licences")
        registry.unregister_metric("interests")


def test_fallback_deals_give_way_to_a_recorded_deal_of_the_same_listing(enrolled, make_listing):
    listing = make_listing(enrolled.organisation, published_at=_at(2025))
    ref = DealRef(key="deal:1", listing_id=listing.id, mode="transfer", concluded_on=date(2025, 1, 2),
                  title="t")
    fallback = DealRef(key=f"listing:{listing.id}", listing_id=listing.id, mode=None,
                       concluded_on=date(2025, 1, 1), title="t")
    registry.register_deal_source(lambda o, y: [fallback], name="test.fallback", fallback=True)
    try:
        assert fallback in registry.deals(enrolled.organisation_id, 2025)
        registry.register_deal_source(lambda o, y: [ref], name="test.real")
        assert [d.key for d in registry.deals(enrolled.organisation_id, 2025)
                if d.listing_id == listing.id] == ["deal:1"]
    finally:
        registry.unregister_deal_source("test.fallback")
        registry.unregister_deal_source("test.real")


# --- Dashboards and exports ------------------------------------------------------------------------

FORMULA = '=HYPERLINK("http://evil.example/","点此")'


def test_dashboards_chart_the_data_and_export_tables_safely(client, auth, admin, enrolled, make_listing):
    org = enrolled.organisation
    year = utcnow().astimezone(timezones.BEIJING).year
    energy = make_listing(org, field="energy", published_at=utcnow() - timedelta(minutes=5))
    make_listing(org, field="energy", published_at=utcnow() - timedelta(minutes=5), grade=Grade.C)
    login(auth, enrolled)
    post(client, "/action/units", {"name": FORMULA})
    unit = db.session.scalar(select(SecondaryUnit))
    assert post(client, "/action/units/assign", {"unit_id": str(unit.id),
                                                 "listing_ids": [str(energy.id)]}).status_code == 302
    page = client.get("/action/our-dashboard").get_data(as_text=True)
    assert "data-chart=" in page and "/static/js/action-charts." in page and "<script>" not in page

    rows = list(csv.reader(io.StringIO(client.get(
        f"/action/our-dashboard/units.csv?year={year}").get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == zh("Secondary unit")
    assert ["'" + FORMULA, "1", "1", "0", "0.00"] in rows
    assert [zh("No unit given"), "1", "0", "0", "0.00"] in rows

    login(auth, admin)
    page = client.get("/action/dashboard").get_data(as_text=True)
    no_reach = zh("No roadshow data source is registered yet: roadshow reach appears here once "
                  "roadshows are recorded.")
    # The events package registers the roadshow-reach metrics when it is installed.
    assert (no_reach in page) is (registry.metric("roadshows") is None)
    assert org.name in page
    response = client.get(f"/action/dashboard/universities.xlsx?year={year}")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    values = [c for row in load_workbook(io.BytesIO(response.get_data())).active.iter_rows(values_only=True)
              for c in row if c is not None]
    assert org.name in values and 2 in values
    units_xlsx = client.get(f"/action/dashboard/units.xlsx?year={year}").get_data()
    cells = [c for row in load_workbook(io.BytesIO(units_xlsx)).active.iter_rows(values_only=True)
             for c in row]
    assert "'" + FORMULA in cells and FORMULA not in cells
    assert client.get("/action/dashboard/nothing.csv").status_code == 404


# --- Other universities' objects ---------------------------------------------------------------------

def test_another_university_cannot_see_or_change_the_plan_report_or_units(
        client, auth, make_user, enrolled, make_listing):
    plan = action.enrolment_of(enrolled.organisation_id).plan
    action.update_plan(enrolled, plan, {k: v for k, v in SECTIONS.items() if not k.startswith("target")})
    own = make_listing(enrolled.organisation)
    project = action.save_project(enrolled, plan, {"title": "项目", "description": "说明",
                                                   "listing_ids": [own.id]})
    action.submit_plan(enrolled, plan)
    intruder = make_user(Role.TTO)
    foreign = make_listing(intruder.organisation, title="别校专利")
    from marketplace.action import units
    from marketplace.action.reports import services as report_services
    report = report_services.start_report(enrolled, 2025)
    unit = units.create_unit(enrolled, "材料学院")

    login(auth, intruder)
    for url in (f"/action/plans/{plan.id}", f"/action/plans/{plan.id}/versions/1",
                f"/action/plans/{plan.id}/versions/1.pdf", f"/action/reports/{report.id}",
                f"/action/plans/{plan.id}/projects/{project.id}"):
        assert client.get(url).status_code == 404, url
    for url in (f"/action/plans/{plan.id}/submit", f"/action/reports/{report.id}/submit",
                f"/action/units/{unit.id}/remove"):
        assert post(client, url).status_code == 404, url
    assert post(client, f"/action/reports/{report.id}", {"narrative": "篡改"}).status_code == 404
    post(client, "/action/units/assign", {"unit_id": str(unit.id), "listing_ids": [str(foreign.id)]})
    assert units.unit_by_listing() == {}
    assert report.narrative is None and db.session.get(SecondaryUnit, unit.id) is not None

    # Nor can a university put another's listing into its own plan.
    mine = action.enrol(intruder, db.session.get(Batch, plan.enrolment.batch_id)).plan
    response = post(client, f"/action/plans/{mine.id}/projects", {
        "new-title": "借用", "new-description": "别校专利", "new-listing_ids": str(own.id)})
    assert response.status_code == 403 and mine.projects == []
