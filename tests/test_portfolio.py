"""The patent portfolio (issue 18 points 4–5): regrading and its history, annual fee due dates,
the 90-day fees-due list (page, export, workbench), maintenance decisions, the searches that found
too little, and the portfolio map's gaps both ways, with who may see what."""

import csv
import io
from datetime import date, timedelta

import pandas as pd
import pytest
from sqlalchemy import func, select

from marketplace import timezones
from marketplace.accounts.models import Role
from marketplace.audit.models import AuditEvent
from marketplace.extensions import db
from marketplace.interests.models import Interest, InterestStatus, Timeline
from marketplace.listings import services as listings
from marketplace.listings.models import ConversionMode, Grade, LegalStatus, Listing
from marketplace.main.workbench.tto import fees_due as workbench_fees_due
from marketplace.portfolio import navigation, queries
from marketplace.portfolio import services as portfolio
from marketplace.portfolio.fees import anniversary, next_anniversary, next_due
from marketplace.portfolio.models import GradeChange, MaintenanceDecision, SearchGap
from marketplace.portfolio.queries import LicenceSituation
from tests import factories
from tests.conftest import login, post, zh

TODAY = date(2026, 12, 7)


def filed_for(due: date, years_ago: int = 5) -> date:
    """A filing date whose anniversary is ``due``."""
    return due.replace(year=due.year - years_ago)


# --- Fee due dates ---------------------------------------------------------------------------

@pytest.mark.parametrize(("filed", "today", "expected"), [
    (date(2019, 3, 1), date(2026, 12, 7), date(2027, 3, 1)),    # later this cycle: next year
    (date(2019, 12, 20), date(2026, 12, 7), date(2026, 12, 20)),  # still ahead this year
    (date(2019, 12, 7), date(2026, 12, 7), date(2026, 12, 7)),    # due today
    (date(2020, 2, 29), date(2027, 1, 10), date(2027, 2, 28)),    # leap-day filing, common year
    (date(2020, 2, 29), date(2028, 1, 10), date(2028, 2, 29)),    # leap-day filing, leap year
    (date(2026, 12, 1), date(2026, 12, 7), date(2027, 12, 1)),    # filed this year
    (date(2026, 12, 7), date(2026, 12, 7), date(2027, 12, 7)),    # filed today: not due today
])
def test_the_fee_falls_due_on_the_next_anniversary_of_the_filing_date(filed, today, expected):
    assert next_anniversary(filed, today) == expected


def test_anniversary_of_29_february():
    assert anniversary(date(2020, 2, 29), 2026) == date(2026, 2, 28)


def test_an_explicit_due_date_wins_while_it_lies_ahead(app):
    org = factories.organisation()
    patent = factories.listing(org, application_number=factories.patent_number(),
                               application_date=date(2019, 3, 1))
    assert next_due(patent, TODAY) == date(2027, 3, 1)
    patent.fee_due_override = date(2027, 1, 15)
    assert next_due(patent, TODAY) == date(2027, 1, 15)
    patent.fee_due_override = date(2026, 11, 30)   # passed: back to the anniversary
    assert next_due(patent, TODAY) == date(2027, 3, 1)
    patent.legal_status = LegalStatus.PENDING      # no annual fee before grant
    assert next_due(patent, TODAY) is None


# --- Regrading -------------------------------------------------------------------------------

@pytest.fixture
def campus(app):
    """University A's tto and a granted patent; university B's tto; a company."""
    tto = factories.user(Role.TTO)
    other = factories.user(Role.TTO)
    company = factories.user(Role.COMPANY)
    patent = factories.patent(tto.organisation, tto, grade=Grade.B,
                              filed=filed_for(timezones.today() + timedelta(days=20)))
    return {"tto": tto, "other": other, "company": company, "patent": patent}


def test_regrading_keeps_the_history_and_the_listing_shows_the_new_grade(client, auth, campus):
    tto, patent = campus["tto"], campus["patent"]
    login(auth, tto)
    url = f"/manage/portfolio/patents/{patent.id}"
    assert post(client, url + "/grade", {"regrade-grade": "A", "regrade-reason": ""}).status_code == 422
    response = post(client, url + "/grade", {"regrade-grade": "A", "regrade-reason": "两家企业表达意向"},
                    follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "两家企业表达意向" in page and "B → A" in page
    post(client, url + "/grade", {"regrade-grade": "C", "regrade-reason": "技术路线被替代"})
    db.session.expire_all()
    assert db.session.get(Listing, patent.id).grade is Grade.C
    history = queries.grade_history(patent.id)
    assert [(h.from_grade, h.to_grade, h.reason, h.actor_id) for h in history] == [
        (Grade.A, Grade.C, "技术路线被替代", tto.id), (Grade.B, Grade.A, "两家企业表达意向", tto.id)]
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.event == "listing.regraded", AuditEvent.target_id == patent.id)) == 2
    # The same grade again is refused with a message, and writes nothing.
    response = post(client, url + "/grade", {"regrade-grade": "C", "regrade-reason": "再次确认"},
                    follow_redirects=True)
    assert zh("The patent already has grade %(grade)s.", grade="C") in response.get_data(as_text=True)
    assert len(queries.grade_history(patent.id)) == 2


def test_a_grade_changed_in_the_listing_form_is_in_the_history_too(app, campus):
    tto, patent = campus["tto"], campus["patent"]
    listings.update_listing(tto, patent, {"grade": Grade.A, "title": "改了标题"})
    change = db.session.scalars(select(GradeChange).where(GradeChange.listing_id == patent.id)).one()
    assert (change.from_grade, change.to_grade, change.reason) == (Grade.B, Grade.A, None)
    assert patent.grade is Grade.A and patent.title == "改了标题"


def test_another_university_company_and_investor_see_nothing_of_the_grading(client, auth, campus):
    patent = campus["patent"]
    portfolio.regrade(campus["tto"], patent, Grade.A, "保密的分级理由")
    for person in (campus["other"], campus["company"], factories.user(Role.INVESTOR),
                   factories.user(Role.INVENTOR, org=campus["tto"].organisation)):
        login(auth, person)
        assert client.get(f"/manage/portfolio/patents/{patent.id}").status_code == 404
        assert post(client, f"/manage/portfolio/patents/{patent.id}/grade",
                    {"regrade-grade": "C", "regrade-reason": "x"}).status_code == 404
        fees = client.get("/manage/portfolio/fees-due")
        assert "保密的分级理由" not in fees.get_data(as_text=True) and patent.title not in fees.get_data(
            as_text=True)
        auth.logout()
    assert db.session.get(Listing, patent.id).grade is Grade.A


# --- The fees-due list -------------------------------------------------------------------------

@pytest.fixture
def fees_world(app):
    """University A's patents falling due at 0, 30, 90 and 91 days, a pending and a lapsed patent,
    and university B's patent falling due in 10 days."""
    today = timezones.today()
    tto = factories.user(Role.TTO)
    org = tto.organisation
    company = factories.user(Role.COMPANY)

    def patent(days, title, grade, **fields):
        return factories.patent(org, tto, title=title, grade=grade,
                                filed=filed_for(today + timedelta(days=days)), **fields)

    due_today = patent(0, "今日到期专利", Grade.C)
    licensed = patent(30, "已许可专利", Grade.A)
    last_day = patent(90, "第九十天到期专利", Grade.C)
    patent(91, "第九十一天到期专利", Grade.C)
    patent(5, "审查中专利", Grade.A, legal_status=LegalStatus.PENDING)
    patent(5, "已失效专利", Grade.A, legal_status=LegalStatus.LAPSED)
    other_tto = factories.user(Role.TTO)
    factories.patent(other_tto.organisation, other_tto, title="外校专利",
                     filed=filed_for(today + timedelta(days=10)))
    for buyer, status in ((company, InterestStatus.NEW),
                          (factories.user(Role.INVESTOR), InterestStatus.IN_DISCUSSION)):
        db.session.add(Interest(listing=licensed, organisation_id=buyer.organisation_id,
                                created_by_id=buyer.id, intent=ConversionMode.ORDINARY_LICENCE,
                                timeline=Timeline.WITHIN_6_MONTHS, message="意向", status=status))
    declared = factories.declaration(tto, licensed)
    db.session.commit()
    return {"tto": tto, "today": today, "due_today": due_today, "licensed": licensed,
            "last_day": last_day, "declared": declared, "other_tto": other_tto}


def test_the_list_holds_the_granted_patents_falling_due_in_the_next_90_days(app, fees_world):
    rows = queries.fees_due(fees_world["tto"].organisation_id, fees_world["today"])
    assert [(r.listing.title, r.days_left, r.listing.grade.value, r.interests) for r in rows] == [
        ("今日到期专利", 0, "C", 0), ("已许可专利", 30, "A", 2), ("第九十天到期专利", 90, "C", 0)]
    situations = {r.listing.title: r.situation for r in rows}
    assert situations["今日到期专利"] is LicenceSituation.UNLICENSED
    assert situations["已许可专利"] in (LicenceSituation.OPEN_DECLARED, LicenceSituation.LICENSED)
    assert queries.low_grade_unlicensed(rows) == 2
    let_go = queries.fees_due(fees_world["tto"].organisation_id, fees_world["today"], sort="let_go")
    assert [r.listing.title for r in let_go][-1] == "已许可专利"
    by_interest = queries.fees_due(fees_world["tto"].organisation_id, fees_world["today"],
                                   sort="interests")
    assert by_interest[0].listing.title == "已许可专利"


def test_a_decision_and_an_explicit_date_show_on_the_list_and_the_workbench(app, client, auth,
                                                                            fees_world):
    tto, patent = fees_world["tto"], fees_world["due_today"]
    login(auth, tto)
    response = post(client, f"/manage/portfolio/patents/{patent.id}/maintenance",
                    {"decision-choice": "abandon", "decision-reason": "无人问津，放弃缴纳年费"},
                    follow_redirects=True)
    assert response.status_code == 200
    decision = db.session.scalars(select(MaintenanceDecision)).one()
    assert (decision.choice.value, decision.fee_due_on) == ("abandon", fees_world["today"])
    # Another patent's next fee is set by hand beyond the 90 days: it leaves the list.
    later = fees_world["today"] + timedelta(days=120)
    post(client, f"/manage/portfolio/patents/{fees_world['last_day'].id}/fee-due",
         {"fee-fee_due_on": later.isoformat()})
    assert db.session.get(Listing, fees_world["last_day"].id).fee_due_override == later
    page = client.get("/manage/portfolio/fees-due?sort=grade").get_data(as_text=True)
    assert "今日到期专利" in page and "已许可专利" in page and "第九十天到期专利" not in page
    assert zh("Abandon: stop paying the annual fees") in page and "外校专利" not in page
    with app.test_request_context():
        section = workbench_fees_due(tto)
    assert section.count == 2 and [i.title for i in section.items] == ["今日到期专利", "已许可专利"]
    workbench = client.get("/dashboard").get_data(as_text=True)
    assert zh("Annual fees due in the next %(days)d days", days=90) in workbench
    exported = client.get("/manage/portfolio/fees-due.csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 3 and rows[1][2] == "今日到期专利" and rows[1][4] == "C"
    xlsx = client.get("/manage/portfolio/fees-due.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert 'filename="bxqx-fees-due-' in xlsx.headers["Content-Disposition"]
    frame = pd.read_excel(io.BytesIO(xlsx.data))  # issue 19 §2: header in row 1, dates as dates
    assert list(frame.columns)[:3] == [zh("Fee due on"), zh("Days left"), zh("Patent")]
    assert len(frame) == 2 and pd.api.types.is_datetime64_any_dtype(frame[zh("Fee due on")])
    assert list(pd.read_csv(io.BytesIO(exported.data)).columns) == list(frame.columns)
    assert client.get("/manage/portfolio/fees-due.pdf").status_code == 404


def test_a_decision_needs_a_reason(client, auth, fees_world):
    login(auth, fees_world["tto"])
    response = post(client, f"/manage/portfolio/patents/{fees_world['due_today'].id}/maintenance",
                    {"decision-choice": "keep", "decision-reason": " "})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(MaintenanceDecision)) == 0


# --- Searches with no good result ----------------------------------------------------------------

def test_searches_that_find_too_little_are_counted_without_the_searcher(client, auth, app):
    company = factories.user(Role.COMPANY)
    login(auth, company)
    for _ in range(2):
        assert client.get("/listings?q=量子引力波探测器&field=equipment").status_code == 200
    client.get("/listings?q=ＱＵＡＮＴＵＭ  Sensor")
    client.get("/listings?q=量子引力波探测器&field=equipment&page=2")   # later pages do not count
    gaps = {(g.query, g.field): (g.searches, g.last_found)
            for g in db.session.scalars(select(SearchGap))}
    assert gaps == {("量子引力波探测器", "equipment"): (2, 0), ("quantum sensor", ""): (1, 0)}
    assert "user_id" not in SearchGap.__table__.columns and "ip" not in SearchGap.__table__.columns


def test_a_search_with_enough_full_matches_is_not_a_gap(app):
    portfolio.note_search("电池", None, 3)
    portfolio.note_search("电池", None, 2)
    assert db.session.scalars(select(SearchGap)).one().searches == 1


# --- The map against demand ------------------------------------------------------------------------

@pytest.fixture
def map_world(app):
    """University A: two energy patents (H01M, one with an interest), one materials patent
    (C01B, no interest); university B: one biomedicine patent (A61K). Open needs: two in
    environment, one in energy; a closed one in agriculture. Failed searches: digital 3, none 1."""
    tto = factories.user(Role.TTO)
    other = factories.user(Role.TTO)
    company = factories.user(Role.COMPANY)
    org = tto.organisation
    a1 = factories.patent(org, tto, field="energy", ipc_codes="H01M 4/525, H01M 10/0525")
    factories.patent(org, tto, field="energy", ipc_codes="h01m 10/42")
    factories.patent(org, tto, field="materials", ipc_codes="C01B 32/184")
    factories.patent(other.organisation, other, field="biomedicine", ipc_codes="A61K 31/00")
    factories.listing(org, field="digital")   # an achievement: not a patent, not supply here
    db.session.add(Interest(listing=a1, organisation_id=company.organisation_id,
                            created_by_id=company.id, intent=ConversionMode.TRANSFER,
                            timeline=Timeline.WITHIN_6_MONTHS, message="意向"))
    db.session.commit()
    factories.need(company, field="environment")
    factories.need(company, field="environment", title="污水处理膜材料")
    factories.need(company, field="energy", title="储能电池")
    factories.need(company, publish=False, field="agriculture", title="草稿需求")
    for _ in range(3):
        portfolio.note_search("数字孪生 文物", "digital", 0)
    portfolio.note_search("全息投影", None, 1)
    return {"tto": tto, "other": other, "org": org}


def test_the_university_map_finds_the_gaps_both_ways(app, map_world):
    data = navigation.build(map_world["org"].id)
    fields = {row["field"]: row for row in data["tables"][0].rows}
    energy = fields[str(navigation.FIELDS["energy"])]
    assert (energy["patents"], energy["needs"], energy["interests"], energy["searches"]) == (2, 1, 1, 0)
    assert [(g.key, g.demand) for g in data["gaps_demand"]] == [("environment", 2), ("digital", 3)]
    assert {(g.kind, g.key, g.supply) for g in data["gaps_supply"]} == {
        ("field", "materials", 1), ("ipc", "C01B", 1)}
    ipc = {row["ipc"]: row for row in data["tables"][1].rows}
    assert ipc["H01M"] == {"ipc": "H01M", "section": "H", "patents": 2, "interests": 1, "unasked": 1}
    assert "A61K" not in ipc   # another university's patent
    assert data["totals"] == {"patents": 3, "needs": 3, "interests": 1, "searches": 4,
                              "searches_any_field": 1}
    searches = data["tables"][3].rows
    assert [(r["query"], r["searches"]) for r in searches] == [("数字孪生 文物", 3)]  # 1 search: hidden


def test_the_national_map_counts_every_university(app, map_world):
    data = navigation.build(None)
    assert data["totals"]["patents"] == 4
    assert {(g.kind, g.key) for g in data["gaps_supply"]} == {
        ("field", "materials"), ("field", "biomedicine"), ("ipc", "C01B"), ("ipc", "A61K")}
    assert [g.key for g in data["gaps_demand"]] == ["environment", "digital"]


def test_map_pages_say_they_use_the_platforms_own_data_and_export(client, auth, map_world):
    login(auth, map_world["tto"])
    page = client.get("/manage/portfolio/map")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert zh("This map uses only the platform’s own data: the patents published here, the technology "
              "needs, interests and searches made on the platform. It is not drawn from an outside "
              "patent database, so it shows what industry asks for here, not the whole patent "
              "landscape.") in text
    assert "data-chart=" in text and "<script>" not in text
    exported = client.get("/manage/portfolio/map/gaps.csv").get_data(as_text=True)
    assert "C01B" in exported and "\ufeff" in exported
    assert client.get("/manage/portfolio/map/nothing.csv").status_code == 404
    assert client.get("/action/patent-map").status_code == 403
    auth.logout()
    login(auth, factories.user(Role.ADMIN))
    assert client.get("/action/patent-map").status_code == 200
    assert client.get("/action/patent-map/ipc.xlsx").data[:2] == b"PK"
