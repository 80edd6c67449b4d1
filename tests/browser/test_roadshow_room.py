"""The live room in headless Chromium, on the production server (gunicorn + gevent WebSockets):
a host and two attendees in separate browser contexts ask, upvote, moderate, answer, switch the
presented listing, flood the chat, and reload to find the same state."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from events.models import AgendaItem, Registration, RegistrationStatus, Roadshow, RoadshowState
from marketplace import create_app
from marketplace.accounts.models import User
from marketplace.config import TestConfig
from marketplace.db_types import utcnow
from marketplace.demo import DEMO_PASSWORD
from marketplace.extensions import db
from tests.browser.conftest import Browsing
from tests.conftest import zh
from tests.live_server import ServerProcess
from tests.live_support import new_listing

pytestmark = pytest.mark.browser

HOST, ALICE, BOB = "tto@demo.bxqx.cn", "investor@demo.bxqx.cn", "company@demo.bxqx.cn"
TITLES = ("浏览器测试：钙钛矿叠层太阳能电池", "浏览器测试：低温固态电解质")


@pytest.fixture(scope="module")
def room_server(live_server, browser_database_url, tmp_path_factory) -> Iterator[tuple[str, int]]:
    """A published roadshow of the demo university with two agenda listings, alice and bob
    confirmed; served by a gunicorn gevent process on the browser tests' database."""
    app = create_app({"CONFIG_CLASS": TestConfig, "SQLALCHEMY_DATABASE_URI": browser_database_url})
    with app.app_context():
        host, alice, bob = (db.session.execute(db.select(User).filter_by(email=email)).scalar_one()
                            for email in (HOST, ALICE, BOB))
        listings = [new_listing(host.organisation, title) for title in TITLES]
        start = utcnow() + timedelta(minutes=10)
        roadshow = Roadshow(organisation=host.organisation, title="浏览器测试专场", description="",
                            starts_at=start, ends_at=start + timedelta(hours=1),
                            state=RoadshowState.PUBLISHED, published_at=utcnow(), created_by=host)
        roadshow.agenda = [AgendaItem(listing=listing, position=n, presenter="王教授", starts_at=start,
                                      ends_at=start + timedelta(minutes=30))
                           for n, listing in enumerate(listings, 1)]
        roadshow.registrations = [Registration(user=user, status=RegistrationStatus.CONFIRMED)
                                  for user in (alice, bob)]
        db.session.add(roadshow)
        db.session.commit()
        roadshow_id = roadshow.id
        db.session.remove()
        db.engine.dispose()
    server = ServerProcess(browser_database_url, tmp_path_factory.mktemp("room-server"))
    try:
        yield server.url, roadshow_id
    finally:
        server.stop()


@pytest.fixture
def people(browser, room_server) -> Iterator[tuple[Browsing, str]]:
    url, roadshow_id = room_server
    session = Browsing(browser, url)
    try:
        yield session, f"/roadshows/{roadshow_id}/live"
    finally:
        session.close()
    assert not session.problems(), "the browser reported problems:\n" + "\n".join(session.problems())


def enter(browsing: Browsing, email: str, room: str) -> Page:
    page = browsing.new_page()
    page.goto("/auth/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    expect(page.locator(".flash-success")).to_be_visible()
    page.goto(room)
    expect(page.locator("[data-live-connection]")).to_have_text(zh("Connected"))
    return page


def question(page: Page, text: str):
    return page.locator("[data-live-questions] li.live-question", has_text=text)


def test_host_and_two_attendees_run_a_live_room(people, screenshot_dir):
    browsing, room = people
    host, alice, bob = (enter(browsing, email, room) for email in (HOST, ALICE, BOB))

    host.locator('[data-live-action="go_live"]').click()
    for page in (host, alice, bob):
        expect(page.locator("[data-live-status]")).to_have_text(zh("Live"))
    expect(host.locator('[data-live-action="go_live"]')).to_be_hidden()
    expect(host.locator('[data-live-action="end"]')).to_be_visible()
    host.locator("[data-live-agenda] li", has_text=TITLES[0]).get_by_role("button").click()
    for page in (alice, bob):
        expect(page.locator("[data-live-presented]")).to_contain_text(TITLES[0])

    # Alice asks anonymously: she sees it pending, the host sees it in the queue, bob sees nothing.
    alice.locator("#live-ask-text").fill("转化周期大约多久？")
    alice.locator("[data-live-ask-form] input[name=anonymous]").check()
    alice.locator("[data-live-ask-form] button[type=submit]").click()
    waiting = zh("Your question is waiting for a moderator's approval.")
    expect(question(alice, "转化周期大约多久？")).to_contain_text(waiting)
    pending = host.locator("[data-live-pending] li", has_text="转化周期大约多久？")
    expect(pending).to_contain_text("投资")  # the moderator sees who asked
    alice.locator("#live-ask-text").fill("加我微信买便宜专利")
    alice.locator("[data-live-ask-form] button[type=submit]").click()
    expect(host.locator("[data-live-pending] li", has_text="加我微信")).to_be_visible()

    # The host approves one and hides the other.
    pending.locator('[data-act="approve"]').click()
    host.locator("[data-live-pending] li", has_text="加我微信").locator('[data-act="hide"]').click()
    expect(question(bob, "转化周期大约多久？")).to_contain_text(zh("Anonymous"))
    expect(host.locator("[data-live-hidden] li", has_text="加我微信")).to_have_count(1)

    # Bob upvotes; alice sees the count; the host answers with text.
    question(bob, "转化周期大约多久？").locator("[data-upvote]").click()
    expect(question(alice, "转化周期大约多久？").locator("[data-upvote]")).to_contain_text("1")
    expect(question(bob, "转化周期大约多久？").locator("[data-upvote]")).to_be_disabled()
    answer_form = question(host, "转化周期大约多久？").locator("[data-answer-form]")
    answer_form.locator("textarea").fill("中试约六个月。")
    answer_form.locator("button").click()
    for page in (alice, bob):
        expect(question(page, "转化周期大约多久？").locator(".live-answer")).to_contain_text("中试约六个月。")

    # The presented listing switches for everyone.
    host.locator("[data-live-agenda] li", has_text=TITLES[1]).get_by_role("button").click()
    for page in (alice, bob):
        expect(page.locator("[data-live-presented]")).to_contain_text(TITLES[1])
    bob.locator("[data-live-interest]").click()
    expect(bob.locator("[data-live-interest-done]")).to_be_visible()
    expect(bob.locator("[data-live-interest]")).to_be_hidden()

    # A reload shows the same state (snapshot): answer, upvote, presented listing, interest.
    bob.reload()
    expect(bob.locator("[data-live-connection]")).to_have_text(zh("Connected"))
    expect(bob.locator("[data-live-presented]")).to_contain_text(TITLES[1])
    asked = question(bob, "转化周期大约多久？")
    expect(asked.locator(".live-answer")).to_contain_text("中试约六个月。")
    expect(asked.locator("[data-upvote]")).to_be_disabled()
    expect(asked.locator("[data-upvote]")).to_contain_text("1")
    expect(bob.locator("[data-live-interest-done]")).to_be_visible()
    for page in (alice, bob):
        expect(page.locator("body")).not_to_contain_text("加我微信")

    # A chat flood is throttled with a visible message; the first messages arrive.
    for n in range(7):
        bob.locator("#live-chat-text").fill(f"刷屏消息 {n}")
        bob.locator("#live-chat-text").press("Enter")
    expect(bob.locator("[data-live-throttle]")).to_be_visible()
    expect(alice.locator("[data-live-chat] li", has_text="刷屏消息 0")).to_be_visible()
    expect(alice.locator("[data-live-chat] li", has_text="刷屏消息")).to_have_count(5)
    host.screenshot(path=str(screenshot_dir / "live-room-host.png"), full_page=True)
    bob.screenshot(path=str(screenshot_dir / "live-room-attendee.png"), full_page=True)
