"""The home page: search box, new high-value listings, upcoming roadshows, open licences and the
action's figures, each block linking to its full list."""

import re
from datetime import timedelta

from sqlalchemy import func, select

from events.models import RoadshowState
from marketplace.accounts.models import Role
from marketplace.db_types import utcnow
from marketplace.extensions import db
from marketplace.licences.models import DeclarationState, OpenLicenceDeclaration
from marketplace.listings import cache
from marketplace.listings.models import Grade, Listing, ListingState
from marketplace.orgs.models import Organisation, OrgKind, OrgStatus
from tests import factories
from tests.conftest import zh


def block(html: str, heading_id: str) -> str:
    """The HTML of the section labelled by ``heading_id``."""
    start = html.index(f'aria-labelledby="{heading_id}"')
    return html[start:html.index("</section>", start)]


def figure(html: str, label_msgid: str) -> int:
    found = re.search(r"<strong>(\d+)</strong><span>" + re.escape(zh(label_msgid)), html)
    assert found, label_msgid
    return int(found.group(1))


def test_new_listings_are_published_grade_a_first_then_newest(app, client, make_user):
    tto = make_user(Role.TTO)
    org = tto.organisation
    now = utcnow()
    factories.listing(org, title="乙级新成果", grade=Grade.B, published_at=now)
    factories.listing(org, title="甲级旧成果", grade=Grade.A, published_at=now - timedelta(days=9))
    factories.listing(org, title="甲级新成果", grade=Grade.A, published_at=now - timedelta(days=1))
    factories.listing(org, title="甲级草稿", grade=Grade.A, state=ListingState.DRAFT)
    factories.listing(org, title="甲级已撤回", grade=Grade.A, state=ListingState.WITHDRAWN)
    html = client.get("/").get_data(as_text=True)
    listings = block(html, "new-listings-title")
    titles = re.findall(r'<h3><a href="/listings/\d+">([^<]+)</a>', listings)
    assert titles == ["甲级新成果", "甲级旧成果", "乙级新成果"]
    assert 'href="/listings?grade=A&amp;sort=newest"' in listings
    assert figure(html, "patents and achievements on offer") == 3


def test_search_box_submits_to_the_listings_search(client):
    html = client.get("/").get_data(as_text=True)
    form = re.search(r'<form method="get" action="([^"]+)" class="home-search" role="search">(.*?)</form>',
                     html, re.S)
    assert form and form.group(1) == "/listings"
    assert 'name="q" type="search"' in form.group(2)


def test_upcoming_roadshows_and_roadshows_held(app, client, make_user):
    tto = make_user(Role.TTO)
    factories.roadshow(tto, title="下周的新能源专场", days=7)
    factories.roadshow(tto, title="明天的材料专场", days=1)
    factories.roadshow(tto, title="尚未发布的专场", state=RoadshowState.DRAFT, days=2)
    factories.roadshow(tto, title="已取消的专场", state=RoadshowState.CANCELLED, days=3)
    factories.roadshow(tto, title="已结束的专场", state=RoadshowState.ENDED, days=-5)
    html = client.get("/").get_data(as_text=True)
    roadshows = block(html, "roadshows-title")
    assert re.findall(r'<a href="/roadshows/\d+">([^<]+)</a>', roadshows) == [
        "明天的材料专场", "下周的新能源专场"]
    assert 'href="/roadshows"' in roadshows
    assert figure(html, "roadshows held") == 1


def test_open_licences_show_announced_declarations_only(app, client, make_user):
    tto = make_user(Role.TTO)
    announced = factories.declaration(tto, factories.patent(tto.organisation, tto, title="公告的专利"))
    withdrawn = factories.declaration(tto, factories.patent(tto.organisation, tto, title="撤回的专利"))
    withdrawn.state = DeclarationState.WITHDRAWN
    db.session.commit()
    company = make_user(Role.COMPANY)
    factories.licence(company, announced)
    html = client.get("/").get_data(as_text=True)
    licences = block(html, "licences-title")
    assert f'href="/open-licences/{announced.id}">公告的专利</a>' in licences
    assert "撤回的专利" not in licences
    assert 'href="/open-licences"' in licences
    assert figure(html, "open licences granted") == 1


def test_empty_platform_says_so(client):
    html = client.get("/").get_data(as_text=True)
    assert zh("No listing is published yet.") in html
    assert zh("No roadshow is scheduled at the moment.") in html
    assert zh("No open licence is announced at the moment.") in html
    assert figure(html, "verified universities") == 0


def test_home_shows_the_demo_data(app, client, runner):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    html = client.get("/").get_data(as_text=True)
    universities = db.session.scalar(select(func.count()).select_from(Organisation).where(
        Organisation.kind == OrgKind.UNIVERSITY, Organisation.status == OrgStatus.VERIFIED))
    published = db.session.scalar(select(func.count()).select_from(Listing).where(
        Listing.state == ListingState.PUBLISHED))
    assert figure(html, "verified universities") == universities > 0
    assert figure(html, "patents and achievements on offer") == published > 0
    first = db.session.scalars(select(Listing).where(Listing.state == ListingState.PUBLISHED)
                               .order_by(Listing.grade, Listing.published_at.desc(),
                                         Listing.id.desc())).first()
    assert first.grade is Grade.A
    assert f'<a href="/listings/{first.id}">{first.title}</a>' in block(html, "new-listings-title")
    declared = db.session.scalars(select(OpenLicenceDeclaration).where(
        OpenLicenceDeclaration.state == DeclarationState.ANNOUNCED).order_by(
        OpenLicenceDeclaration.announced_on.desc(), OpenLicenceDeclaration.id.desc())).all()
    assert declared
    for item in declared[:4]:
        assert f'href="/open-licences/{item.id}"' in block(html, "licences-title")
    assert re.search(r'<a href="/roadshows/\d+">', block(html, "roadshows-title"))
    for href in re.findall(r'href="(/(?:listings|roadshows|open-licences)[^"]*)"', html):
        assert client.get(href.replace("&amp;", "&")).status_code == 200, href


def test_home_is_served_from_the_page_cache_and_follows_new_listings(app, client, make_user):
    app.config["SEARCH_CACHE_SECONDS"] = 30
    cache.invalidate()
    try:
        tto = make_user(Role.TTO)
        assert "第一项成果" not in client.get("/").get_data(as_text=True)
        hits = cache.stats()["hits"]
        client.get("/")
        assert cache.stats()["hits"] > hits
        factories.published_listing(tto, title="第一项成果")  # through the services: drops the cache
        page = client.get("/").get_data(as_text=True)
        assert "第一项成果" in page
        assert re.search(r'name="csrf_token" value="[^"]{20,}"', page)  # this session's token
    finally:
        cache.invalidate()
