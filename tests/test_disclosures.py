"""Invention disclosures (issue 18, points 1–3): the inventors' form and confirmations, the tto's
assessment and decision, outside reviewers, the filing and its outcome, the listing draft whose
shares reach the ledger, the chain screen, deadlines on the workbench, the annual report's
figures, and confidentiality before filing."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest

from marketplace import timezones
from marketplace.accounts.models import Role
from marketplace.action import registry
from marketplace.disclosures import assessment as assessing
from marketplace.disclosures import filing, metrics
from marketplace.disclosures import services as disclosures
from marketplace.disclosures.models import (
    Disclosure,
    DisclosureState,
    FilingOutcome,
    PublicationKind,
    Recommendation,
)
from marketplace.errors import ServiceError
from marketplace.extensions import db
from marketplace.ledger import services as ledger
from marketplace.listings import services as listings
from marketplace.listings.models import ConversionMode, Grade, LegalStatus, ListingState
from marketplace.notifications.models import Notification
from tests.conftest import login, post, zh


def application_number(kind_digit: str = "1") -> str:
    from marketplace.listings.patentno import check_character

    digits = f"2024{kind_digit}0601862"
    return f"{digits}.{check_character(digits)}"


@pytest.fixture
def people(make_user):
    """A verified university with a tto, an inventor and a co-inventor; outsiders elsewhere."""
    tto = make_user(Role.TTO)
    org = tto.organisation
    inventor = make_user(Role.INVENTOR, org=org, is_org_admin=False, name="李振华")
    co = make_user(Role.INVENTOR, org=org, is_org_admin=False, name="王芳")
    return {"tto": tto, "inventor": inventor, "co": co, "org": org,
            "other_tto": make_user(Role.TTO), "company": make_user(Role.COMPANY),
            "investor": make_user(Role.INVESTOR), "admin": make_user(Role.ADMIN)}


def data(people, **overrides) -> dict:
    values = {
        "title": "一种固态电解质界面修饰方法", "field": "energy",
        "problem": "固态电池界面阻抗高，循环寿命短。",
        "solution": "以原子层沉积在电解质表面形成锂磷氧氮薄层。",
        "novelty": "现有技术采用溅射，厚度不可控；本方法可控至 2 nm。",
        "funding": "国家重点研发计划 2022YFB2400000", "publications": None,
        "inventors": [
            {"name": "李振华", "email": people["inventor"].email, "share_pct": Decimal("50")},
            {"name": "王芳", "email": people["co"].email, "share_pct": Decimal("30")},
            {"name": "赵强（校外）", "email": None, "share_pct": Decimal("20")}],
        "public_dates": [{"kind": PublicationKind.CONFERENCE, "venue": "中国电化学会议",
                          "planned_on": timezones.today() + timedelta(days=20), "qualifying": True},
                         {"kind": PublicationKind.PAPER, "venue": "储能科学与技术",
                          "planned_on": timezones.today() + timedelta(days=40), "qualifying": False}],
    }
    values.update(overrides)
    return values


def decided(people, recommendation=Recommendation.FILE_INVENTION) -> Disclosure:
    disclosure = disclosures.create(people["inventor"], data(people))
    disclosures.confirm_share(people["co"], disclosure)
    disclosures.submit(people["inventor"], disclosure)
    assessing.save(people["tto"], disclosure, {
        "novelty_score": 4, "inventiveness_score": 4, "practicality_score": 5,
        "prior_art": "CN114000000A", "market_field": "energy", "likely_licensees": "宁德时代",
        "trl": 4, "market_size": "约 30 亿元", "recommendation": recommendation, "grade": Grade.A,
        "conclusion": "具备新颖性和创造性，建议申请发明专利。"}, decide=True, note="建议尽快申请。")
    return disclosure


def test_deadline_is_the_earliest_planned_disclosure_or_grace_period_end():
    class Planned:
        def __init__(self, day, qualifying):
            self.planned_on, self.qualifying = day, qualifying

    assert disclosures.deadline_of([]) is None
    assert disclosures.deadline_of([Planned(date(2026, 8, 31), True)]) == date(2027, 2, 28)
    assert disclosures.deadline_of([Planned(date(2026, 8, 31), True),
                                    Planned(date(2026, 12, 1), False)]) == date(2026, 12, 1)


def test_inventor_files_co_inventor_confirms_then_submit(client, auth, people, outbox):
    login(auth, people["inventor"])
    form = {"title": "一种固态电解质界面修饰方法", "field": "energy", "problem": "界面阻抗高。",
            "solution": "原子层沉积。", "novelty": "厚度可控。",
            "inventors-0-name": "李振华", "inventors-0-email": people["inventor"].email,
            "inventors-0-share_pct": "60",
            "inventors-1-name": "王芳", "inventors-1-email": people["co"].email,
            "inventors-1-share_pct": "30",
            "inventors-2-name": "赵强", "inventors-2-share_pct": "5"}
    refused = post(client, "/disclosures/new", form)
    assert refused.status_code == 422
    assert zh("The shares add up to %(total)s%%, not 100%%.", total="95.00") in refused.get_data(as_text=True)
    form["inventors-2-share_pct"] = "10"
    response = post(client, "/disclosures/new", {**form, "public_dates-0-kind": "thesis",
                                                 "public_dates-0-planned_on": "2027-06-01",
                                                 "public_dates-0-venue": "博士学位论文"})
    assert response.status_code == 302
    disclosure = db.session.scalar(db.select(Disclosure))
    assert disclosure.state is DisclosureState.DRAFT and disclosure.deadline_on == date(2027, 6, 1)
    assert [i.confirmed_at is not None for i in disclosure.inventors] == [True, False, False]
    # The co-inventor was asked to confirm, in the app and by mail.
    assert db.session.scalar(db.select(Notification.kind).where(
        Notification.user_id == people["co"].id)) == "disclosures.confirm"
    page = client.get(f"/disclosures/{disclosure.id}").get_data(as_text=True)
    assert zh("Not confirmed yet: %(names)s.", names="王芳") in page

    post(client, f"/disclosures/{disclosure.id}/submit")
    db.session.refresh(disclosure)
    assert disclosure.state is DisclosureState.DRAFT  # waiting for 王芳

    auth.logout()
    login(auth, people["co"])
    assert post(client, f"/disclosures/{disclosure.id}/confirm").status_code == 302
    auth.logout()
    login(auth, people["inventor"])
    post(client, f"/disclosures/{disclosure.id}/submit")
    db.session.refresh(disclosure)
    assert disclosure.state is DisclosureState.SUBMITTED
    assert db.session.scalar(db.select(Notification.kind).where(
        Notification.user_id == people["tto"].id)) == "disclosures.submitted"
    # The inventor sees the state at every step.
    page = client.get(f"/disclosures/{disclosure.id}").get_data(as_text=True)
    assert 'data-state="submitted"' in page and 'aria-current="step"' in page


def test_changing_a_share_asks_for_a_new_confirmation(people):
    disclosure = disclosures.create(people["inventor"], data(people))
    disclosures.confirm_share(people["co"], disclosure)
    changed = data(people)
    changed["inventors"][1]["share_pct"], changed["inventors"][2]["share_pct"] = Decimal("40"), Decimal("10")
    disclosures.update(people["inventor"], disclosure, changed)
    assert [i.name for i in disclosure.unconfirmed] == ["王芳"]
    with pytest.raises(ServiceError):
        disclosures.update(people["inventor"], disclosure, data(people, inventors=[
            {"name": "王芳", "email": people["co"].email, "share_pct": Decimal("100")}]))


def test_decision_is_audited_and_told_to_the_inventors_in_their_language(people, outbox):
    people["co"].locale = "en"
    db.session.commit()
    disclosure = decided(people)
    assert disclosure.state is DisclosureState.DECIDED
    assert disclosure.decision is Recommendation.FILE_INVENTION
    events = db.session.scalars(db.text("SELECT event FROM audit_events ORDER BY id")).all()
    assert {"disclosure.submitted", "disclosure.assessment_started", "disclosure.assessed",
            "disclosure.decided"} <= set(events)
    subjects = {message["To"]: message["Subject"] for message in outbox()}
    assert subjects[people["co"].email] == f"Decision on your disclosure “{disclosure.title}”"
    assert subjects[people["inventor"].email] == zh("Decision on your disclosure “%(title)s”",
                                                    title=disclosure.title)


def test_reviewer_scores_only_the_disclosure_they_were_invited_to(client, auth, people, make_user):
    disclosure = decided(people, Recommendation.FILE_INVENTION)
    other = disclosures.create(people["inventor"], data(people, title="另一项发明"))
    disclosures.confirm_share(people["co"], other)
    disclosures.submit(people["inventor"], other)
    reviewer = make_user(Role.TTO, name="外审专家")
    with pytest.raises(ServiceError):
        assessing.invite_reviewer(people["tto"], other, people["co"].email)  # an inventor
    assessing.invite_reviewer(people["tto"], other, reviewer.email)
    login(auth, reviewer)
    assert client.get(f"/disclosures/{disclosure.id}").status_code == 404
    assert client.get(f"/disclosures/{other.id}").status_code == 200
    assert client.get(f"/disclosures/{other.id}/assessment").status_code == 403
    response = post(client, f"/disclosures/{other.id}/review",
                    {"novelty_score": "3", "inventiveness_score": "4", "practicality_score": "5",
                     "comment": "建议补充对比实验。"})
    assert response.status_code == 302
    db.session.refresh(other)
    assert (other.reviewers[0].novelty_score, other.reviewers[0].practicality_score) == (3, 5)
    assert other.state is DisclosureState.UNDER_ASSESSMENT


@pytest.mark.parametrize("who", ["other_tto", "company", "investor", "admin"])
def test_outsiders_see_no_disclosure_or_assessment(client, auth, people, who):
    disclosure = decided(people)
    login(auth, people[who])
    for path in ("", "/assessment", "/chain", "/review", "/edit"):
        assert client.get(f"/disclosures/{disclosure.id}{path}").status_code == 404, path
    assert post(client, f"/disclosures/{disclosure.id}/filing",
                {"application_number": application_number(), "filed_on": "2026-01-05"}).status_code == 404
    listing = client.get("/disclosures")
    assert listing.status_code in (403, 200)
    assert disclosure.title not in listing.get_data(as_text=True)


def test_filing_grant_and_listing_carry_the_shares_to_the_ledger(client, auth, people):
    disclosure = decided(people)
    with pytest.raises(ServiceError):
        filing.record_filing(people["tto"], disclosure, application_number("2"), date(2026, 1, 5))
    login(auth, people["tto"])
    bad = application_number()[:-1] + ("0" if application_number()[-1] != "0" else "1")
    post(client, f"/disclosures/{disclosure.id}/filing",
         {"application_number": bad, "filed_on": "2026-01-05"})
    db.session.refresh(disclosure)
    assert disclosure.application_number is None
    post(client, f"/disclosures/{disclosure.id}/filing",
         {"application_number": "ＣＮ" + application_number(), "filed_on": "2026-01-05"})
    db.session.refresh(disclosure)
    assert (disclosure.application_number, disclosure.outcome) == (application_number(),
                                                                   FilingOutcome.PENDING)
    post(client, f"/disclosures/{disclosure.id}/outcome", {"outcome": "granted", "on": "2026-06-01"})
    db.session.refresh(disclosure)
    assert disclosure.patent_number == "ZL" + application_number()

    response = post(client, f"/disclosures/{disclosure.id}/listing")
    db.session.refresh(disclosure)
    listing = disclosure.listing
    assert response.headers["Location"] == f"/manage/listings/{listing.id}/edit"
    assert (listing.state, listing.grade, listing.trl, listing.field) == (
        ListingState.DRAFT, Grade.A, 4, "energy")
    assert (listing.legal_status, listing.grant_date) == (LegalStatus.GRANTED, date(2026, 6, 1))
    assert {u.id for u in listing.inventor_users} == {people["inventor"].id, people["co"].id}
    shares = [(name, user_id, share) for name, user_id, share in ledger.effective_shares(listing)]
    assert [(n, u, float(s)) for n, u, s in shares] == [
        ("李振华", people["inventor"].id, 0.5), ("王芳", people["co"].id, 0.3), ("赵强（校外）", None, 0.2)]

    chain = client.get(f"/disclosures/{disclosure.id}/chain").get_data(as_text=True)
    for step in ("disclosure", "application", "patent", "listing"):
        assert f'class="chain-step done" data-step="{step}"' in chain
    assert application_number() in chain and f"/listings/{listing.id}" in chain


def test_workbench_counts_come_from_the_list_pages(client, auth, people):
    soon = decided(people)  # decided to file, not filed: the paper in 40 days is its deadline
    later = disclosures.create(people["inventor"], data(people, title="远期发明", public_dates=[
        {"kind": PublicationKind.THESIS, "planned_on": timezones.today() + timedelta(days=200),
         "venue": "学位论文", "qualifying": False}]))
    disclosures.confirm_share(people["co"], later)
    disclosures.submit(people["inventor"], later)
    login(auth, people["tto"])
    due = client.get("/disclosures?view=due").get_data(as_text=True)
    assert soon.title in due and "远期发明" not in due
    page = client.get("/dashboard").get_data(as_text=True)
    assert zh("Filing deadlines of disclosures") in page
    assert zh("Invention disclosures to assess") in page
    opened = client.get("/disclosures?view=open").get_data(as_text=True)
    assert "远期发明" in opened and soon.title not in opened


def test_annual_report_counts_each_disclosure_once_per_step(people):
    year = timezones.today().year
    disclosure = decided(people)
    filing.record_filing(people["tto"], disclosure, application_number(), timezones.today())
    filing.record_outcome(people["tto"], disclosure, FilingOutcome.GRANTED, timezones.today())
    filing.make_listing(people["tto"], disclosure)
    draft = disclosures.create(people["inventor"], data(people, title="草稿"))
    assert draft.state.is_draft
    org = people["org"].id
    figures = {m.key: m.fn(org, year) for m in registry.metrics() if m.key.startswith("disclosure")}
    assert figures == {"disclosures_received": 1, "disclosures_assessed": 1,
                       "disclosure_applications": 1, "disclosures_listed": 1,
                       "disclosures_converted": 0}
    assert metrics.disclosures_received(org, year - 1) == 0
    # Converted: a deal on its listing (here, marked converted by hand) counts the disclosure once.
    listing = disclosure.listing
    listings.update_listing(people["tto"], listing, {"modes": [ConversionMode.TRANSFER]})
    listings.transition(people["tto"], listing, "publish")
    listings.transition(people["tto"], listing, "convert", "已转让给企业。")
    assert metrics.disclosures_converted(org, year) == 1
    assert metrics.disclosures_listed(org, year) == 1


def test_demo_has_disclosures_in_every_state_and_loads_once(app):
    from marketplace.demo import load_demo
    from marketplace.disclosures.demo import load_demo_disclosures

    load_demo()
    assert load_demo_disclosures() == 7
    assert load_demo_disclosures() == 0
    rows = db.session.scalars(db.select(Disclosure).where(Disclosure.is_demo)).all()
    assert {d.state for d in rows} == set(DisclosureState)
    assert {d.outcome for d in rows} >= {FilingOutcome.PENDING, FilingOutcome.GRANTED,
                                        FilingOutcome.REFUSED}
    granted = next(d for d in rows if d.outcome is FilingOutcome.GRANTED)
    assert granted.listing is not None and ledger.shares_of(granted.listing)
    assert any(d.reviewers for d in rows)


def test_files_are_checked_and_a_draft_is_not_the_ttos(client, auth, people):
    disclosure = disclosures.create(people["inventor"], data(people))
    login(auth, people["inventor"])
    post(client, f"/disclosures/{disclosure.id}/files",
         {"file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "实验数据.pdf")})
    post(client, f"/disclosures/{disclosure.id}/files",
         {"file": (io.BytesIO(b"MZ\x90\x00 not a document"), "tool.pdf")})
    db.session.refresh(disclosure)
    assert [f.original_name for f in disclosure.attachments] == ["实验数据.pdf"]
    auth.logout()
    login(auth, people["tto"])
    path = f"/disclosures/{disclosure.id}/files/{disclosure.attachments[0].id}"
    assert client.get(f"/disclosures/{disclosure.id}").status_code == 404  # a draft is the inventors'
    disclosures.confirm_share(people["co"], disclosure)
    disclosures.submit(people["inventor"], disclosure)
    response = client.get(path)
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    response.close()  # the download streams from an open file
