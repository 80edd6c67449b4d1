"""The workbench (/dashboard) of universities' tto: each to-do from the list behind it, with the
same count, and gone once acted on; a started bank transfer reaches the payee's tto."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from events.models import RegistrationStatus, RoadshowState
from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.interests import services as interests
from marketplace.interests import threads
from marketplace.interests.models import Timeline
from marketplace.licences import royalties
from marketplace.licences import services as declarations
from marketplace.licences.models import LicenceState
from marketplace.listings.models import ConversionMode
from marketplace.notifications.models import Notification
from marketplace.orgs.models import OrgStatus
from marketplace.timezones import today
from tests import factories
from tests.conftest import login, post, zh

DATA = {"intent": ConversionMode.TRANSFER, "timeline": Timeline.WITHIN_3_MONTHS,
        "message": "想谈谈转让"}


def section(html: str, key: str) -> str:
    """The HTML of one workbench section."""
    match = re.search(rf'<section class="card wb-section" id="wb-{key}".*?</section>', html, re.S)
    assert match, f"no section {key}"
    return match.group(0)


def count(html: str, key: str) -> int:
    return int(re.search(r'data-count="(\d+)"', section(html, key)).group(1))


def links(html: str, pattern: str) -> set[str]:
    return set(re.findall(pattern, html))


@pytest.fixture
def world(app):
    tto = factories.user(Role.TTO, name="王晓梅")
    company = factories.user(Role.COMPANY, name="赵敏")
    patent = factories.patent(tto.organisation, tto)
    return tto, company, patent


def _fee_transfer(tto, company, patent):
    """The company signs a lump-sum open licence and starts paying it by bank transfer."""
    declared = factories.declaration(tto, patent)
    licence = factories.licence(company, declared)
    return licence, royalties.pay_fee(company, licence, "bank_transfer")


def test_a_started_bank_transfer_reaches_the_payee_tto_in_the_bell_and_on_the_workbench(
        world, client, auth):
    tto, company, patent = world
    _licence, payment = _fee_transfer(tto, company, patent)
    bell = db.session.scalars(select(Notification).where(Notification.user_id == tto.id)).all()
    started = [n for n in bell if n.kind == "payments.transfer_started"]
    assert len(started) == 1 and started[0].link == f"/payments/{payment.public_id}"
    assert payment.bank_reference in started[0].text and "¥50,000.00" in started[0].text
    assert not any(n.kind == "payments.transfer_started" for n in db.session.scalars(
        select(Notification).where(Notification.user_id == company.id)))

    login(auth, tto)
    html = client.get("/dashboard").get_data(as_text=True)
    transfers = section(html, "transfers")
    assert f"/payments/{payment.public_id}" in transfers and payment.bank_reference in transfers
    listed = client.get("/manage/payments?state=pending&method=bank_transfer").get_data(as_text=True)
    assert count(html, "transfers") == len(links(listed, r'href="(/payments/[0-9a-f]{32})"')) == 1

    response = post(client, f"/payments/{payment.public_id}/confirm")
    assert response.status_code == 302
    html = client.get("/dashboard").get_data(as_text=True)
    assert count(html, "transfers") == 0 and payment.public_id not in section(html, "transfers")
    assert zh("No bank transfer waits for your confirmation.") in section(html, "transfers")


def test_a_card_payment_does_not_ask_the_tto_to_confirm_anything(world, stripe_app):
    tto, company, patent = world
    declared = factories.declaration(tto, patent)
    licence = factories.licence(company, declared)
    royalties.pay_fee(company, licence, "stripe")
    assert not db.session.scalars(select(Notification).where(
        Notification.kind == "payments.transfer_started")).all()


def test_new_interests_and_unanswered_messages_match_their_lists_and_leave_once_answered(
        world, client, auth):
    tto, company, patent = world
    interest = interests.express_interest(company, patent, DATA)
    login(auth, tto)
    html = client.get("/dashboard").get_data(as_text=True)
    assert f"/interests/{interest.id}" in section(html, "new_interests")
    listed = client.get("/interests?status=new").get_data(as_text=True)
    assert count(html, "new_interests") == len(links(listed, r'href="(/interests/\d+)"')) == 1

    interests.transition(tto, interest, "accept")
    threads.post_message(company, interest, "请问样品何时可以提供？")
    html = client.get("/dashboard").get_data(as_text=True)
    assert count(html, "new_interests") == 0
    assert f"/interests/{interest.id}" in section(html, "unanswered")
    listed = client.get("/interests?waiting=1").get_data(as_text=True)
    assert count(html, "unanswered") == len(links(listed, r'href="(/interests/\d+)"')) == 1

    post(client, f"/interests/{interest.id}/messages", {"body": "下周可以提供样品。"})
    html = client.get("/dashboard").get_data(as_text=True)
    assert count(html, "unanswered") == 0
    listed = client.get("/interests?waiting=1").get_data(as_text=True)
    assert not links(listed, r'href="(/interests/\d+)"')


def test_declarations_to_submit_and_cnipa_records_due_within_30_days(world, client, auth):
    tto, company, patent = world
    draft = declarations.create_declaration(
        tto, factories.patent(tto.organisation, tto, title="一种储能电池热管理装置"),
        factories.declaration_terms())
    licence = factories.licence(company, factories.declaration(tto, patent))
    login(auth, tto)
    html = client.get("/dashboard").get_data(as_text=True)
    assert f"/open-licences/{draft.id}" in section(html, "declarations")
    assert count(html, "records") == 0  # three months away

    licence.state = LicenceState.EFFECTIVE
    licence.record_due_on = today() + timedelta(days=10)
    db.session.commit()
    html = client.get("/dashboard").get_data(as_text=True)
    records = section(html, "records")
    assert f"/licences/{licence.id}" in records and zh("In %(days)d days", days=10) in records

    licence.record_number = "2026990000123"
    db.session.commit()
    assert count(client.get("/dashboard").get_data(as_text=True), "records") == 0


def test_registrations_waiting_and_next_roadshows(world, client, auth):
    tto, company, patent = world
    show = factories.roadshow(tto, approval=True, listings=[patent], days=3)
    factories.roadshow(tto, state=RoadshowState.DRAFT, title="尚未发布的路演")
    factories.registration(show, company, RegistrationStatus.PENDING)
    login(auth, tto)
    html = client.get("/dashboard").get_data(as_text=True)
    assert company.name in section(html, "registrations")
    assert f"/manage/roadshows/{show.id}/registrations" in section(html, "registrations")
    coming = section(html, "roadshows")
    assert show.title in coming and "尚未发布的路演" not in coming and count(html, "roadshows") == 1


def test_a_member_of_an_unverified_university_sees_its_status_not_to_dos(app, client, auth):
    tto = factories.user(Role.TTO, org_status=OrgStatus.PENDING)
    login(auth, tto)
    html = client.get("/dashboard").get_data(as_text=True)
    assert zh("Your organisation is awaiting verification") in html and "wb-section" not in html
