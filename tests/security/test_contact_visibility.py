"""Issue 13 §5: unverified accounts (an unconfirmed e-mail address, or a member of an organisation
that is not verified) see no contact details: not on listings, needs, interests, open-licence
declarations nor through the API. One predicate decides."""

import pytest
from flask_login import AnonymousUserMixin

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.listings.models import ConversionMode, ListingState
from marketplace.orgs.models import OrgKind, OrgStatus
from tests import factories

CONTACT_NAME = "联系人钱多多"
CONTACT_EMAIL = "qian.duoduo@tto.example.edu.cn"
CONTACT_PHONE = "021-6543 2109"


@pytest.fixture
def listing(make_user):
    tto = make_user(Role.TTO)
    item = factories.listing(
        tto.organisation, created_by=tto, state=ListingState.DRAFT,
        title="一种固态电解质薄膜的制备方法", abstract="提高离子电导率的固态电解质。", field="energy",
        inventors="钱教授", trl=5, contact_name=CONTACT_NAME, contact_email=CONTACT_EMAIL,
        contact_phone=CONTACT_PHONE)
    from marketplace.listings import services as listings

    listings.transition(tto, item, "publish")
    return item


def shows_contact(html: str) -> list[str]:
    return [value for value in (CONTACT_NAME, CONTACT_EMAIL, CONTACT_PHONE) if value in html]


@pytest.mark.parametrize(("kind", "role", "status", "visible"), [
    ("pending company", Role.COMPANY, OrgStatus.PENDING, False),
    ("rejected company", Role.COMPANY, OrgStatus.REJECTED, False),
    ("pending university", Role.TTO, OrgStatus.PENDING, False),
    ("pending investor", Role.INVESTOR, OrgStatus.PENDING, False),
    ("verified company", Role.COMPANY, OrgStatus.VERIFIED, True),
    ("verified investor", Role.INVESTOR, OrgStatus.VERIFIED, True),
])
def test_listing_contact_is_shown_to_verified_accounts_only(client, auth, make_user, listing,
                                                            kind, role, status, visible):
    viewer = make_user(role, org_status=status)
    auth.login(viewer.email)
    html = client.get(f"/listings/{listing.id}").get_data(as_text=True)
    if visible:
        assert shows_contact(html) == [CONTACT_NAME, CONTACT_EMAIL, CONTACT_PHONE], kind
    else:
        assert shows_contact(html) == [], kind


def test_visitors_and_the_api_never_see_a_listing_contact(client, listing):
    assert shows_contact(client.get(f"/listings/{listing.id}").get_data(as_text=True)) == []
    assert shows_contact(client.get(f"/api/v1/listings/{listing.id}").get_data(as_text=True)) == []
    assert shows_contact(client.get("/api/v1/listings?q=固态电解质").get_data(as_text=True)) == []


def test_the_predicate(app, make_user, make_org):
    from marketplace.permissions import can_see_contacts

    assert not can_see_contacts(AnonymousUserMixin())
    assert can_see_contacts(make_user(Role.COMPANY))
    assert can_see_contacts(make_user(Role.ADMIN))
    assert not can_see_contacts(make_user(Role.COMPANY, email_confirmed_at=None))
    assert not can_see_contacts(make_user(Role.ADMIN, email_confirmed_at=None))
    for status in (OrgStatus.PENDING, OrgStatus.REJECTED):
        assert not can_see_contacts(make_user(Role.TTO, org_status=status))
    orphan = make_user(Role.INVESTOR)
    orphan.organisation = None
    db.session.commit()
    assert not can_see_contacts(orphan)


def test_an_open_licence_declaration_shows_its_notice_contact_to_verified_accounts_only(
        client, auth, make_user, make_org):
    university = make_org(OrgKind.UNIVERSITY)
    tto = make_user(Role.TTO, org=university)
    declaration = factories.declaration(tto, factories.patent(university, tto),
                            notice_email="notices@tto.example.edu.cn", notice_phone="021-11112222")
    url = f"/open-licences/{declaration.id}"
    hidden = ("notices@tto.example.edu.cn", "021-11112222", "梅陇路130号")
    for viewer in (None, make_user(Role.COMPANY, org_status=OrgStatus.PENDING)):
        if viewer is not None:
            auth.login(viewer.email)
        html = client.get(url).get_data(as_text=True)
        assert [value for value in hidden if value in html] == [], viewer
        auth.logout()
    auth.login(make_user(Role.COMPANY).email)
    html = client.get(url).get_data(as_text=True)
    assert [value for value in hidden if value in html] == list(hidden)


def test_an_interest_thread_hides_revealed_contacts_from_an_unverified_side(app, make_user):
    """Contacts revealed by double opt-in are still shown only while the viewer is verified."""
    from marketplace.interests import services as interests
    from marketplace.interests.models import Timeline
    from tests.interests_support import client_for

    tto = make_user(Role.TTO, name="王晓梅", phone="021-55550001", email="wang@uni.example.edu.cn")
    company = make_user(Role.COMPANY, name="赵敏", phone="0512-66660002",
                        email="zhao@qinghe.example.com")
    interest = interests.express_interest(company, factories.published_listing(tto), {
        "intent": ConversionMode.ORDINARY_LICENCE, "timeline": Timeline.WITHIN_6_MONTHS,
        "message": "想了解许可条件", "share_contacts": True})
    interests.transition(tto, interest, "accept")
    url = f"/interests/{interest.id}"
    assert "wang@uni.example.edu.cn" in client_for(app, company).get(url).get_data(as_text=True)
    assert "zhao@qinghe.example.com" in client_for(app, tto).get(url).get_data(as_text=True)
    company.organisation.status = OrgStatus.PENDING  # the company is no longer verified
    db.session.commit()
    html = client_for(app, company).get(url).get_data(as_text=True)
    assert "wang@uni.example.edu.cn" not in html and "021-55550001" not in html
    assert "王晓梅" not in html


def test_an_accepted_proposal_shows_contacts_to_verified_accounts_only(app, make_user):
    from marketplace.needs import services as needs
    from tests.interests_support import client_for

    tto = make_user(Role.TTO)
    company = make_user(Role.COMPANY)
    need = needs.create_need(company, {
        "title": "动力电池热失控预警技术", "description": "需要一种电池热失控早期预警技术。",
        "field": "energy", "trl_min": 1, "trl_max": 9, "is_public": True}, publish=True)
    listing = factories.published_listing(tto, contact_name=CONTACT_NAME, contact_email=CONTACT_EMAIL,
                                          contact_phone=CONTACT_PHONE)
    proposal = needs.propose(tto, need, listing, "本成果可用于热失控预警。")
    needs.decide(company, proposal, "accept")
    url = f"/needs/{need.id}"
    assert CONTACT_EMAIL in client_for(app, company).get(url).get_data(as_text=True)
    company.organisation.status = OrgStatus.PENDING
    db.session.commit()
    html = client_for(app, company).get(url).get_data(as_text=True)
    assert "本成果可用于热失控预警。" in html  # the proposal is still there
    assert CONTACT_EMAIL not in html and company.email not in html
