"""Technology needs: posting, states, visibility of private needs, proposals and their answers."""

import html
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from marketplace import timezones
from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.listings.models import ConversionMode
from marketplace.needs import services as needs
from marketplace.needs.models import Match, Need, NeedState, Proposal, ProposalStatus
from marketplace.notifications.models import Notification
from marketplace.orgs.models import OrgStatus
from tests import factories
from tests.conftest import login, post, zh
from tests.factories import BATTERY, NEED
from tests.mail_support import plain


def need_form(**changes) -> dict:
    data = {"title": NEED["title"], "description": NEED["description"], "field": NEED["field"],
            "keywords": "热失控, 预警", "budget_min": "100000", "budget_max": "800000", "mode": "",
            "trl_min": "4", "trl_max": "8", "deadline": "", "visibility": "public", "publish": "1"}
    data.update(changes)
    return data


@pytest.fixture
def company(make_user, auth):
    return make_user(Role.COMPANY)


@pytest.fixture
def tto(make_user):
    return make_user(Role.TTO)


def test_company_posts_a_need_and_sees_explained_matches(client, auth, company, tto):
    listing = factories.published_listing(tto, **BATTERY | {"asking_price": Decimal("300000")})
    factories.published_listing(tto, **{
        **BATTERY, "title": "一种小麦抗旱品种选育方法",
        "abstract": "本发明涉及一种小麦抗旱品种选育方法，通过分子标记辅助选择，"
                    "提高了小麦在干旱条件下的产量。",
        "field": "agriculture"})
    login(auth, company)
    response = post(client, "/manage/needs/new", need_form())
    assert response.status_code == 302
    need = db.session.scalars(sa.select(Need)).one()
    assert need.state is NeedState.OPEN and need.budget_max == Decimal("800000.00")
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert listing.title in page
    assert "小麦" not in page
    assert zh("Shares the key terms %(terms)s.", terms="“热失控”") .split("“")[0] in page
    assert "热失控" in page
    assert zh("In the same field: %(field)s.", field=zh("New energy")) in page
    assert zh("The asking price of %(price)s is within the budget.", price="¥300,000.00") in page


def test_explanations_read_in_english(client, auth, company, tto):
    factories.published_listing(tto, **BATTERY)
    need = factories.need(company)
    login(auth, company)
    post(client, "/language", {"lang": "en"})
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "Shares the key terms “热失控”" in page or "Shares the key terms" in page
    assert "In the same field: New energy." in page


def test_invalid_need_form_is_refused_beside_the_fields_with_values_kept(client, auth, company):
    login(auth, company)
    response = post(client, "/manage/needs/new", need_form(budget_min="900000", budget_max="100000",
                                                            trl_min="8", trl_max="3"))
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert zh("The budget's upper end is below its lower end.") in page
    assert zh("The highest readiness level is below the lowest.") in page
    assert NEED["title"] in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Need)) == 0


def test_a_past_deadline_is_refused(client, auth, company):
    login(auth, company)
    yesterday = (timezones.today() - timedelta(days=1)).isoformat()
    response = post(client, "/manage/needs/new", need_form(deadline=yesterday))
    assert response.status_code == 422
    assert zh("The deadline has passed; choose a later day.") in response.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.TTO, Role.INVESTOR])
def test_only_company_users_post_needs(client, auth, make_user, role):
    login(auth, make_user(role))
    assert client.get("/manage/needs/new").status_code == 403
    assert post(client, "/manage/needs/new", need_form()).status_code == 403


def test_an_unverified_company_cannot_post(client, auth, make_user):
    login(auth, make_user(Role.COMPANY, org_status=OrgStatus.PENDING))
    assert post(client, "/manage/needs/new", need_form()).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Need)) == 0


def test_states_draft_open_closed_and_reopened(client, auth, company):
    need = factories.need(company, publish=False)
    login(auth, company)
    assert client.get("/needs").get_data(as_text=True).count(need.title) == 0
    assert post(client, f"/manage/needs/{need.id}/publish").status_code == 302
    db.session.refresh(need)
    assert need.state is NeedState.OPEN and need.opened_at is not None
    assert need.title in client.get("/needs").get_data(as_text=True)
    post(client, f"/manage/needs/{need.id}/close")
    db.session.refresh(need)
    assert need.state is NeedState.CLOSED
    assert need.title not in client.get("/needs").get_data(as_text=True)
    # A closed need cannot be closed again, nor edited; it can be reopened.
    response = post(client, f"/manage/needs/{need.id}/close", follow_redirects=True)
    assert zh("This need cannot be changed that way in its current state.") in response.get_data(as_text=True)
    assert post(client, f"/manage/needs/{need.id}/reopen").status_code == 302
    db.session.refresh(need)
    assert need.state is NeedState.OPEN
    events = list(db.session.scalars(
        sa.text("SELECT event FROM audit_events WHERE event LIKE 'need.%' ORDER BY id")))
    assert events == ["need.created", "need.published", "need.closed", "need.reopened"]


def test_an_expired_need_takes_no_proposals_and_leaves_the_list(client, auth, company, tto):
    listing = factories.published_listing(tto, **BATTERY)
    need = factories.need(company)
    need.deadline = timezones.today() - timedelta(days=1)
    db.session.commit()
    assert need.status.value == "expired"
    assert need.title not in client.get("/needs").get_data(as_text=True)
    login(auth, tto)
    assert zh("Expired") in client.get(f"/needs/{need.id}").get_data(as_text=True)
    post(client, f"/needs/{need.id}/propose", {"listing_id": listing.id, "note": "适用"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Proposal)) == 0


def test_drafts_are_seen_only_by_their_company(client, auth, company, make_user):
    need = factories.need(company, publish=False)
    assert client.get(f"/needs/{need.id}").status_code == 404
    login(auth, make_user(Role.COMPANY))
    assert client.get(f"/needs/{need.id}").status_code == 404
    auth.logout()
    login(auth, company)
    assert client.get(f"/needs/{need.id}").status_code == 200


def test_private_need_visibility_rule(client, auth, company, tto, make_user):
    """Private: the company, admins, and universities matched, invited or having proposed."""
    factories.published_listing(tto, **BATTERY)  # tto's university matches the need
    other_tto = make_user(Role.TTO)  # another university, unmatched
    invited_tto = make_user(Role.TTO)  # a third, invited below
    need = factories.need(company, is_public=False)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Match)
                             .where(Match.need_id == need.id)) == 1
    url = f"/needs/{need.id}"
    assert client.get(url).status_code == 404
    assert need.title not in client.get("/needs").get_data(as_text=True)
    inventor = make_user(Role.INVENTOR, org=tto.organisation, is_org_admin=False)
    for viewer, status in ((tto, 200), (inventor, 404), (other_tto, 404), (invited_tto, 404),
                           (make_user(Role.INVESTOR), 404), (make_user(Role.COMPANY), 404),
                           (make_user(Role.ADMIN), 200), (company, 200)):
        login(auth, viewer)
        assert client.get(url).status_code == status, viewer.email
        auth.logout()
    needs.invite(company, need, invited_tto.organisation)
    login(auth, invited_tto)
    assert client.get(url).status_code == 200
    page = client.get("/needs/matched").get_data(as_text=True)
    assert need.title in page  # under "private needs shared with you"


def test_tto_proposes_and_the_company_is_told_and_answers(client, auth, company, tto, outbox):
    listing = factories.published_listing(tto, **BATTERY)
    need = factories.need(company)
    login(auth, tto)
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert zh("Propose one of your listings") in page and listing.title in page
    response = post(client, f"/needs/{need.id}/propose",
                    {"listing_id": listing.id, "note": "该方法已在两座储能电站试点应用。"})
    assert response.status_code == 302
    proposal = db.session.scalars(sa.select(Proposal)).one()
    assert proposal.status is ProposalStatus.PROPOSED and proposal.organisation_id == tto.organisation_id
    mails = [m for m in outbox() if m["To"] == company.email]
    assert len(mails) == 1 and need.title in mails[0]["Subject"]
    assert "该方法已在两座储能电站试点应用" in plain(mails[0])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == company.id)) == 1
    # The same listing cannot be proposed twice.
    response = post(client, f"/needs/{need.id}/propose", {"listing_id": listing.id, "note": "再次"},
                    follow_redirects=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Proposal)) == 1
    auth.logout()

    login(auth, company)
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "该方法已在两座储能电站试点应用" in page and zh("Accept for discussion") in page
    assert post(client, f"/proposals/{proposal.id}/accept").status_code == 302
    db.session.refresh(proposal)
    assert proposal.status is ProposalStatus.ACCEPTED and proposal.decided_by_id == company.id
    assert any(m["To"] == tto.email for m in outbox())
    # Answered once: declining now is refused and changes nothing.
    response = post(client, f"/proposals/{proposal.id}/decline", follow_redirects=True)
    assert zh("This proposal has already been answered.") in response.get_data(as_text=True)
    db.session.refresh(proposal)
    assert proposal.status is ProposalStatus.ACCEPTED


def test_a_tto_cannot_propose_another_universitys_listing(client, auth, company, tto, make_user):
    foreign = factories.published_listing(make_user(Role.TTO), **BATTERY)
    factories.published_listing(tto, **{
        **BATTERY, "title": "一种储能电池舱消防联动装置",
        "abstract": "本实用新型涉及储能电池舱消防联动装置，在电池热失控时自动启动灭火。"})
    need = factories.need(company)
    login(auth, tto)
    post(client, f"/needs/{need.id}/propose", {"listing_id": foreign.id, "note": "冒用"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Proposal)) == 0
    with pytest.raises(needs.NotAllowed):
        needs.propose(tto, need, foreign, "冒用")


def test_another_company_can_neither_see_nor_answer_proposals(client, auth, company, tto, make_user):
    listing = factories.published_listing(tto, **BATTERY)
    need = factories.need(company)
    proposal = needs.propose(tto, need, listing, "适用于贵司储能系统")
    login(auth, make_user(Role.COMPANY))
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "适用于贵司储能系统" not in page
    assert post(client, f"/proposals/{proposal.id}/decline").status_code == 404
    db.session.refresh(proposal)
    assert proposal.status is ProposalStatus.PROPOSED


def test_another_university_cannot_withdraw_or_see_a_proposal(client, auth, company, tto, make_user):
    listing = factories.published_listing(tto, **BATTERY)
    need = factories.need(company)
    proposal = needs.propose(tto, need, listing, "适用于贵司储能系统")
    login(auth, make_user(Role.TTO))
    assert "适用于贵司储能系统" not in client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert post(client, f"/proposals/{proposal.id}/withdraw").status_code == 404
    db.session.refresh(proposal)
    assert proposal.status is ProposalStatus.PROPOSED


def test_another_company_cannot_edit_or_close_a_need(client, auth, company, make_user):
    need = factories.need(company)
    login(auth, make_user(Role.COMPANY))
    assert client.get(f"/manage/needs/{need.id}/edit").status_code == 404
    assert post(client, f"/manage/needs/{need.id}/close").status_code == 404
    db.session.refresh(need)
    assert need.state is NeedState.OPEN


def test_public_list_searches_and_filters(client, company):
    factories.need(company, budget_max=Decimal("500000"))
    factories.need(company, title="水稻抗病育种技术",
                   description="寻求水稻抗稻瘟病分子育种技术，用于新品种选育。",
                   field="agriculture", mode=ConversionMode.TRANSFER)
    page = client.get("/needs?q=水稻").get_data(as_text=True)
    assert "水稻抗病育种技术" in page and NEED["title"] not in page
    page = client.get("/needs?field=energy").get_data(as_text=True)
    assert NEED["title"] in page and "水稻抗病育种技术" not in page
    page = client.get("/needs?budget=600000").get_data(as_text=True)
    assert NEED["title"] not in page and "水稻抗病育种技术" in page  # no budget limit: open
    page = client.get("/needs?mode=exclusive_licence").get_data(as_text=True)
    assert NEED["title"] in page and "水稻抗病育种技术" not in page
    assert client.get("/needs?trl=99&sort=nonsense&budget=abc").status_code == 200


def test_editing_a_need_recomputes_its_matches(client, auth, company, tto):
    battery = factories.published_listing(tto, **BATTERY)
    rice = factories.published_listing(tto, **{
        **BATTERY, "title": "水稻抗稻瘟病基因分子标记及其应用",
        "abstract": "本发明开发与抗稻瘟病基因紧密连锁的分子标记，用于水稻抗病品种选育。",
        "field": "agriculture"})
    need = factories.need(company)
    assert [m.listing_id for m in db.session.scalars(sa.select(Match).where(Match.need_id == need.id))] \
        == [battery.id]
    login(auth, company)
    response = post(client, f"/manage/needs/{need.id}/edit", need_form(
        title="水稻抗病育种", description="寻求水稻抗稻瘟病分子标记育种技术，用于新品种选育。",
        field="agriculture", keywords="", budget_min="", budget_max="", trl_min="1", trl_max="9"))
    assert response.status_code == 302
    assert [m.listing_id for m in db.session.scalars(sa.select(Match).where(Match.need_id == need.id))] \
        == [rice.id]


def test_listing_page_of_ranked_needs_for_its_tto(client, auth, company, tto, make_user):
    listing = factories.published_listing(tto, **BATTERY)
    need = factories.need(company)
    login(auth, tto)
    page = client.get(f"/manage/listings/{listing.id}/needs").get_data(as_text=True)
    assert need.title in page and "热失控" in page
    assert need.title in client.get("/needs/matched").get_data(as_text=True)
    auth.logout()
    login(auth, make_user(Role.TTO))
    assert client.get(f"/manage/listings/{listing.id}/needs").status_code == 404
