"""The platform's features feed the action's annual reports: interests, open licences, recorded
agreements and payments give figures and deals that equal what the test itself counts."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace import timezones
from marketplace.accounts.models import Role
from marketplace.action import registry
from marketplace.action import services as action
from marketplace.action.models import Batch
from marketplace.action.reports.models import Report
from marketplace.extensions import db
from marketplace.interests import services as interests
from marketplace.interests.models import InterestStatus, Timeline
from marketplace.licences import royalties
from marketplace.licences import services as declarations
from marketplace.licences.models import AgreementKind, LicenceState, OpenLicence
from marketplace.listings.models import ConversionMode
from marketplace.orgs.models import OrgKind
from marketplace.payments import services as payments
from marketplace.payments.models import Payment, PaymentState
from tests import factories
from tests.conftest import login, post
from tests.licences_support import world  # noqa: F401

YEAR = date(2026, 3, 2).year  # the year the support module's declarations are announced in


def _beijing_year(moment: datetime) -> int:
    return moment.astimezone(timezones.BEIJING).year


def _interest(user, listing, intent=ConversionMode.ORDINARY_LICENCE):
    return interests.express_interest(user, listing, {"intent": intent, "timeline": Timeline.WITHIN_6_MONTHS,
                                                      "message": "希望洽谈许可。"})


def _deal(tto, interest):
    interests.transition(tto, interest, "accept")
    interests.transition(tto, interest, "deal")


def _paid_fee(buyer, tto, licence):
    payment = royalties.pay_fee(buyer, licence, "bank_transfer")
    return payments.confirm_bank_transfer(payment, tto)


@pytest.fixture
def data(world, make_user, make_org):  # noqa: F811
    """Interests, licences, payments and agreements of one university, some outside the year, and
    another university's."""
    w = world
    investor = make_user(Role.INVESTOR)
    second = factories.patent(w.university, w.tto, title="一种固态电解质膜及其制备方法")
    rival_org = make_org(OrgKind.UNIVERSITY, name="岭南工业大学")
    rival_tto = make_user(Role.TTO, org=rival_org)
    rival_listing = factories.patent(rival_org, rival_tto, title="一种海水淡化膜")

    made = [_interest(w.buyer, w.listing, ConversionMode.TRANSFER), _interest(w.other_buyer, w.listing),
            _interest(investor, second, ConversionMode.INVESTMENT),
            _interest(w.buyer, second, ConversionMode.TRY_FIRST),
            _interest(w.buyer, rival_listing)]
    _deal(w.tto, made[0])
    _deal(w.tto, made[2])
    _deal(rival_tto, made[4])
    # One interest of last year (2026-01-01 00:30 in Beijing is still this year: 2025-12-31 16:30 UTC).
    made[1].created_at = datetime(2025, 12, 31, 15, 0, tzinfo=UTC)
    made[3].created_at = datetime(2025, 12, 31, 16, 30, tzinfo=UTC)
    db.session.commit()

    declaration = factories.declaration(w.tto, w.listing)
    licence = factories.licence(w.buyer, declaration)
    _paid_fee(w.buyer, w.tto, licence)
    refunded_licence = factories.licence(w.other_buyer, declaration)
    payments.refund(_paid_fee(w.other_buyer, w.tto, refunded_licence), w.tto, "重复付款")
    unpaid = factories.licence(make_user(Role.COMPANY), declaration)
    rival_declaration = factories.declaration(rival_tto, rival_listing)
    factories.licence(w.other_buyer, rival_declaration)

    agreement = declarations.record_agreement(w.tto, second, {
        "kind": AgreementKind.TRANSFER, "counterparty": "北辰智能装备有限公司",
        "signed_on": date(YEAR, 5, 8), "starts_on": None, "ends_on": None,
        "amount": Decimal("880000.00"), "note": None})
    old = declarations.record_agreement(w.tto, second, {
        "kind": AgreementKind.ORDINARY_LICENCE, "counterparty": "丙公司", "signed_on": date(YEAR - 1, 12, 31),
        "starts_on": None, "ends_on": None, "amount": None, "note": None})
    return {"world": w, "interests": made, "licence": licence, "refunded": refunded_licence,
            "unpaid": unpaid, "rival": rival_org, "agreement": agreement, "old_agreement": old,
            "second": second}


def test_metrics_equal_counts_computed_from_the_test_data(data):
    w = data["world"]
    org = w.university.id
    made = data["interests"]
    db.session.expire_all()
    licences = db.session.scalars(select(OpenLicence)).all()
    paid = db.session.scalars(select(Payment)).all()
    expected = {
        "interests_received": sum(1 for i in made if i.listing.organisation_id == org
                                  and _beijing_year(i.created_at) == YEAR),
        "interest_deals": sum(1 for i in made if i.listing.organisation_id == org
                              and i.status is InterestStatus.DEAL and _beijing_year(i.deal_at) == YEAR),
        "open_licences_announced": 1,
        "open_licences_granted": sum(1 for li in licences if li.licensor_id == org
                                     and li.state not in (LicenceState.EXITED, LicenceState.TERMINATED)),
        "amount_received": sum((p.amount for p in paid if p.payee_org_id == org
                                and p.state is PaymentState.SUCCEEDED), Decimal("0.00")),
    }
    # The test data is what the assertions below claim it is.
    assert expected == {"interests_received": 3, "interest_deals": 2, "open_licences_announced": 1,
                        "open_licences_granted": 2, "amount_received": Decimal("50000.00")}
    got = {key: registry.metric(key).fn(org, YEAR) for key in expected}
    assert got == expected
    assert isinstance(got["amount_received"], Decimal)
    # Another year has none of them; the other university has its own.
    assert all(not registry.metric(key).fn(org, YEAR + 1) for key in expected)
    assert registry.metric("interests_received").fn(org, YEAR - 1) == 1
    rival = data["rival"].id
    assert [registry.metric(key).fn(rival, YEAR) for key in
            ("interests_received", "interest_deals", "open_licences_granted")] == [1, 1, 1]


def test_a_refund_in_a_later_year_counts_against_that_year(data):
    w = data["world"]
    refunded = db.session.scalars(select(Payment).where(Payment.state == PaymentState.REFUNDED)).one()
    refunded.paid_at = datetime(YEAR - 1, 12, 1, tzinfo=UTC)
    db.session.commit()
    metric = registry.metric("amount_received").fn
    assert metric(w.university.id, YEAR - 1) == Decimal("50000.00")
    assert metric(w.university.id, YEAR) == Decimal("0.00")  # 50,000 received, 50,000 refunded


def test_deal_sources_list_each_deal_once_with_its_mode_and_amount(data):
    w = data["world"]
    made = data["interests"]
    deals = {deal.key: deal for deal in registry.deals(w.university.id, YEAR)}
    licence, agreement = data["licence"], data["agreement"]
    expected_keys = {f"interest:{made[0].id}", f"interest:{made[2].id}", f"licence:{licence.id}",
                     f"licence:{data['unpaid'].id}", f"agreement:{agreement.id}"}
    assert expected_keys <= set(deals)
    assert not {f"interest:{made[4].id}", f"licence:{data['refunded'].id}",
                f"agreement:{data['old_agreement'].id}"} & set(deals)
    transfer = deals[f"interest:{made[0].id}"]
    assert (transfer.mode, transfer.counterparty, transfer.listing_id) == (
        "transfer", w.company.name, w.listing.id)
    assert deals[f"interest:{made[2].id}"].mode is None  # an investment is not a conversion mode
    granted = deals[f"licence:{licence.id}"]
    assert (granted.mode, granted.amount, granted.counterparty) == (
        "open_licence", Decimal("50000.00"), w.company.name)
    assert deals[f"licence:{data['unpaid'].id}"].amount == Decimal("0.00")
    recorded = deals[f"agreement:{agreement.id}"]
    assert (recorded.mode, recorded.amount, recorded.concluded_on, recorded.listing_id) == (
        "transfer", Decimal("880000.00"), date(YEAR, 5, 8), data["second"].id)
    assert data["old_agreement"].id in {int(d.key.split(":")[1]) for d in
                                        registry.deals(w.university.id, YEAR - 1)
                                        if d.key.startswith("agreement:")}


def test_a_deal_is_a_candidate_typical_case_of_the_report(client, auth, data, make_user):
    w = data["world"]
    admin = make_user(Role.ADMIN)
    action.seed_batches(admin)
    batch = db.session.scalar(select(Batch).where(Batch.number == 2))
    action.update_batch(admin, batch, {"ends_on": date(YEAR, 12, 31)})
    action.enrol(w.tto, batch)
    login(auth, w.tto)
    post(client, "/action/reports/start", {"year": str(YEAR)})
    report = db.session.scalar(select(Report))
    page = client.get(f"/action/reports/{report.id}").get_data(as_text=True)
    key = f"licence:{data['licence'].id}"
    assert key in page and f"agreement:{data['agreement'].id}" in page
    row = page.split('<tr data-metric="amount_received">')[1].split("</tr>")[0]
    assert '<td class="num platform">50000.00</td>' in row
    post(client, f"/action/reports/{report.id}/cases",
         {"title": "开放许可案例", "narrative": "一家企业通过开放许可实施了该专利。", "deal_key": key,
          "listing_id": ""})
    case = report.cases[0]
    assert case.deal["key"] == key and case.deal["amount"] == "50000.00"
    assert case.listing_id == w.listing.id and case.deal["mode"] == "open_licence"


# --- Roadshows (the ``events`` package) ----------------------------------------------------------

def test_roadshow_reach_counts_the_years_ended_roadshows_and_their_confirmed_attendees(app, make_user):
    from events import models
    from events.live import models as live
    from marketplace.db_types import utcnow

    host = make_user(Role.TTO)
    org = host.organisation_id
    rival = make_user(Role.TTO)
    people = [make_user(Role.INVESTOR) for _ in range(8)]
    now = utcnow()
    year = _beijing_year(now)
    last_year = datetime(year - 1, 6, 1, 2, 0, tzinfo=UTC)

    def roadshow(owner, state, ended_at, registrations, attended=()):
        starts = (ended_at or now) - timedelta(hours=2)
        item = models.Roadshow(organisation_id=owner.organisation_id, created_by_id=owner.id,
                               title="新材料专场路演", description="专场。", starts_at=starts,
                               ends_at=starts + timedelta(hours=2), state=state, ended_at=ended_at)
        db.session.add(item)
        db.session.flush()
        for person, status in registrations:
            db.session.add(models.Registration(roadshow_id=item.id, user_id=person.id, status=status))
        for person in attended:
            db.session.add(live.LiveAttendance(roadshow_id=item.id, user_id=person.id))
        return item

    confirmed, waiting = models.RegistrationStatus.CONFIRMED, models.RegistrationStatus.WAITLISTED
    ended = models.RoadshowState.ENDED
    shows = [
        # attendance recorded: confirmed registrants who came (the host's own tto does not count)
        roadshow(host, ended, now, [(people[0], confirmed), (people[1], confirmed), (people[2], waiting)],
                 attended=[people[0], people[2], host]),
        # no attendance recorded: its confirmed registrants
        roadshow(host, ended, now, [(people[0], confirmed), (people[3], confirmed),
                                    (people[4], models.RegistrationStatus.CANCELLED)]),
        roadshow(host, models.RoadshowState.PUBLISHED, None, [(people[5], confirmed)]),
        roadshow(host, ended, last_year, [(people[6], confirmed)]),
        roadshow(rival, ended, now, [(people[7], confirmed)], attended=[people[7]]),
    ]
    db.session.commit()

    def held_in(item, wanted):
        return (item.organisation_id == org and item.state is ended
                and _beijing_year(item.ended_at) == wanted)

    def reach(wanted):
        attendees = set()
        for item in shows:
            if not held_in(item, wanted):
                continue
            came = {a.user_id for a in db.session.scalars(
                select(live.LiveAttendance).where(live.LiveAttendance.roadshow_id == item.id))}
            for registration in item.registrations:
                if registration.status is confirmed and (not came or registration.user_id in came):
                    attendees.add(registration.user_id)
        return sum(1 for item in shows if held_in(item, wanted)), len(attendees)

    assert reach(year) == (2, 2)
    assert (registry.metric("roadshows").fn(org, year),
            registry.metric("roadshow_attendees").fn(org, year)) == reach(year)
    assert (registry.metric("roadshows").fn(org, year - 1),
            registry.metric("roadshow_attendees").fn(org, year - 1)) == reach(year - 1) == (1, 1)
