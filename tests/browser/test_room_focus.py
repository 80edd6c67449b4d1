"""The live room keeps your place: a host and an attendee in two browsers, driven by keyboard.

Events update the room in place, so a moderator's half-typed answer survives chat and new
questions; focus stays on the control used (or moves somewhere sensible when that control goes);
poll buttons are named by their option; on a phone the video sits above the Q&A and nothing
scrolls sideways."""

import re
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
from tests.browser.conftest import PHONE, Browsing
from tests.browser.test_phone_pages import _AXE_RUN, AXE, WCAG_TAGS
from tests.conftest import zh, zhp
from tests.live_server import ServerProcess
from tests.live_support import new_listing

pytestmark = pytest.mark.browser

HOST, ATTENDEE = "tto@demo.bxqx.cn", "investor@demo.bxqx.cn"
TITLES = ("焦点测试：石墨烯导热膜", "焦点测试：钠离子电池负极")
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
#: A stand-in for the embedded player (no network in tests): the page's own CSP admits its origin.
STREAM = "https://www.bilibili.com/video/BV1xx411c7mD"


def make_roadshow(database_url: str, title: str) -> int:
    """A published roadshow of the demo university with two agenda listings and the attendee confirmed."""
    app = create_app({"CONFIG_CLASS": TestConfig, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        host, attendee = (db.session.execute(db.select(User).filter_by(email=email)).scalar_one()
                          for email in (HOST, ATTENDEE))
        listings = [new_listing(host.organisation, f"{name}（{title}）") for name in TITLES]
        start = utcnow() + timedelta(minutes=10)
        roadshow = Roadshow(organisation=host.organisation, title=title, description="", stream_url=STREAM,
                            starts_at=start, ends_at=start + timedelta(hours=1),
                            state=RoadshowState.PUBLISHED, published_at=utcnow(), created_by=host)
        roadshow.agenda = [AgendaItem(listing=listing, position=n, presenter="陈教授", starts_at=start,
                                      ends_at=start + timedelta(minutes=30))
                           for n, listing in enumerate(listings, 1)]
        roadshow.registrations = [Registration(user=attendee, status=RegistrationStatus.CONFIRMED)]
        db.session.add(roadshow)
        db.session.commit()
        roadshow_id = roadshow.id
        db.session.remove()
        db.engine.dispose()
    return roadshow_id


@pytest.fixture(scope="module")
def server(live_server, browser_database_url, tmp_path_factory) -> Iterator[str]:
    """The production server (gunicorn + gevent WebSockets) on the browser tests' database."""
    process = ServerProcess(browser_database_url, tmp_path_factory.mktemp("room-focus-server"))
    try:
        yield process.url
    finally:
        process.stop()


@pytest.fixture
def people(browser, server) -> Iterator[Browsing]:
    session = Browsing(browser, server)
    try:
        yield session
    finally:
        session.close()
    assert not session.problems(), "the browser reported problems:\n" + "\n".join(session.problems())


def enter(browsing: Browsing, email: str, room: str, **options) -> Page:
    page = browsing.new_page(**{**DESKTOP, **options})
    page.context.add_init_script(AXE.read_text(encoding="utf-8"))  # exempt from the page's CSP
    # The embedded player's origin, answered locally.
    page.route("https://player.bilibili.com/**", lambda route: route.fulfill(
        content_type="text/html", body="<!doctype html><title>player</title><body></body>"))
    page.goto("/auth/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    expect(page.locator(".flash-success")).to_be_visible()
    page.goto(room)
    expect(page.locator("[data-live-connection]")).to_have_text(zh("Connected"))
    return page


def press(page: Page, locator) -> None:
    """Use a control by keyboard alone: focus it, press Enter."""
    expect(locator).to_be_visible()
    locator.focus()
    page.keyboard.press("Enter")


def off_body(page: Page) -> None:
    assert page.evaluate("document.activeElement !== document.body && document.activeElement !== null")


def ask(page: Page, text: str) -> None:
    page.locator("#live-ask-text").fill(text)
    press(page, page.locator("[data-live-ask-form] button[type=submit]"))


def chat(page: Page, text: str) -> None:
    page.locator("#live-chat-text").fill(text)
    page.locator("#live-chat-text").press("Enter")


def queued(page: Page, text: str):
    return page.locator("[data-live-pending] li.live-question", has_text=text)


def shown(page: Page, text: str):
    return page.locator("[data-live-questions] li.live-question", has_text=text)


def test_typed_answer_and_focus_survive_the_room(people, browser_database_url):
    room = f"/roadshows/{make_roadshow(browser_database_url, '焦点测试专场甲')}/live"
    host, guest = enter(people, HOST, room), enter(people, ATTENDEE, room)

    # Go live by keyboard: the button goes away, focus lands on the room's status, which says so.
    press(host, host.locator('[data-live-action="go_live"]'))
    expect(host.locator("[data-live-status]")).to_be_focused()
    expect(host.locator("[data-live-status]")).to_have_text(zh("Live"))

    # Present: the pressed agenda button stays focused and now says it is presenting.
    first = host.locator("[data-live-agenda] [data-present]").first
    expect(first).to_have_accessible_name(re.compile(TITLES[0]))
    press(host, first)
    expect(first).to_have_text(zh("Presenting"))
    expect(first).to_be_focused()
    expect(guest.locator("[data-live-presented]")).to_contain_text(TITLES[0])

    # Approving the first of two waiting questions focuses the next; the last one, the queue heading.
    ask(guest, "导热系数能到多少？")
    ask(guest, "量产良率如何？")
    expect(queued(host, "量产良率如何？")).to_be_visible()
    press(host, queued(host, "导热系数能到多少？").locator('[data-act="approve"]'))
    expect(queued(host, "量产良率如何？")).to_be_focused()
    approved = zh("Question approved: everyone can see it now.")
    expect(host.locator("[data-live-announce]")).to_have_text(approved)
    press(host, queued(host, "量产良率如何？").locator('[data-act="approve"]'))
    expect(host.locator("#live-pending-heading")).to_be_focused()
    expect(shown(guest, "量产良率如何？")).to_be_visible()

    # The host types half an answer; the attendee chats and asks: the text and the focus stay.
    field = shown(host, "导热系数能到多少？").locator("[data-answer-form] textarea")
    field.click()
    field.type("实测可达 1500 W/(m·K)，")
    chat(guest, "声音很清楚")
    ask(guest, "是否支持小批量试样？")
    expect(host.locator("[data-live-chat] li", has_text="声音很清楚")).to_be_visible()
    expect(queued(host, "是否支持小批量试样？")).to_be_visible()
    expect(field).to_have_value("实测可达 1500 W/(m·K)，")
    expect(field).to_be_focused()
    # A second moderator approves the question whose answer the host is typing: it moves to the
    # audience's list with the text and the focus.
    other = enter(people, HOST, room)
    draft = queued(host, "是否支持小批量试样？").locator("[data-answer-form] textarea")
    draft.click()
    draft.type("可以，")
    press(other, queued(other, "是否支持小批量试样？").locator('[data-act="approve"]'))
    moved = shown(host, "是否支持小批量试样？").locator("[data-answer-form] textarea")
    expect(moved).to_have_value("可以，")
    expect(moved).to_be_focused()
    # Still kept once the host looks elsewhere, while more arrives.
    host.locator("#live-chat-text").focus()
    chat(guest, "期待样品")
    expect(host.locator("[data-live-chat] li", has_text="期待样品")).to_be_visible()
    expect(field).to_have_value("实测可达 1500 W/(m·K)，")
    field.focus()
    field.press("End")
    field.type("批次间差异小于 5%。")
    press(host, shown(host, "导热系数能到多少？").locator("[data-answer-form] button"))
    expect(shown(guest, "导热系数能到多少？").locator(".live-answer")).to_contain_text("批次间差异小于 5%。")
    expect(shown(host, "导热系数能到多少？").locator("[data-answer-form] button")).to_be_focused()

    # Upvoting the lower question moves it up; the pressed button keeps the focus.
    upvote = shown(guest, "量产良率如何？").locator("[data-upvote]")
    press(guest, upvote)
    expect(guest.locator("[data-live-questions] li.live-question").first).to_contain_text("量产良率如何？")
    expect(upvote).to_be_disabled()
    expect(upvote).to_have_attribute("aria-pressed", "true")
    expect(upvote).to_be_focused()

    # Start a poll by keyboard: focus lands on the new poll.
    host.locator(".live-poll-form summary").focus()
    host.keyboard.press("Enter")
    host.locator("#live-poll-question").fill("最关心哪方面？")
    host.locator("#live-poll-options").fill("成本\n性能\n交期")
    press(host, host.locator("[data-live-poll-form] button[type=submit]"))
    expect(host.locator("[data-live-polls] [data-poll]").first).to_be_focused()
    expect(host.locator("[data-live-polls] [data-poll]").first).to_contain_text("最关心哪方面？")

    # Poll buttons are named by their option; voting keeps the focus on the chosen one.
    for option in ("成本", "性能", "交期"):
        expect(guest.get_by_role("button", name=f"{zh('Vote')} {option}")).to_have_count(1)
    chosen = guest.get_by_role("button", name=re.compile("性能"))
    press(guest, chosen)
    expect(chosen).to_contain_text(zh("You voted"))
    expect(chosen).to_be_focused()
    expect(guest.get_by_role("button", name=re.compile("成本"))).to_be_disabled()

    # Closing the poll removes its button: focus goes to the poll, which now says it is closed.
    press(host, host.locator("[data-poll-close]"))
    poll = host.locator("[data-live-polls] [data-poll]").first
    expect(poll).to_be_focused()
    expect(poll.locator(".badge")).to_have_text(zhp("poll", "Closed"))
    expect(guest.get_by_role("button", name=re.compile("交期"))).to_be_disabled()

    # Hiding a question focuses the next one in its list; showing it again, the hidden list's summary.
    ask(guest, "可以提供检测报告吗？")
    press(host, queued(host, "可以提供检测报告吗？").locator('[data-act="approve"]'))
    first_shown = host.locator("[data-live-questions] li.live-question").first
    expect(first_shown).to_contain_text("量产良率如何？")
    press(host, first_shown.locator('[data-act="hide"]'))
    expect(host.locator("[data-live-questions] li.live-question").first).to_be_focused()
    expect(host.locator("[data-live-announce]")).to_have_text(zh("Question hidden from the audience."))
    expect(shown(guest, "量产良率如何？")).to_have_count(0)
    host.locator("#live-hidden-summary").click()
    hidden = host.locator("[data-live-hidden] li", has_text="量产良率如何？")
    press(host, hidden.locator('[data-act="restore"]'))
    expect(host.locator("#live-hidden-summary")).to_be_focused()
    expect(shown(guest, "量产良率如何？")).to_be_visible()

    # "I'm interested" gives way to its confirmation, which takes the focus.
    press(guest, guest.locator("[data-live-interest]"))
    expect(guest.locator("[data-live-interest-done]")).to_be_focused()

    # A pinned question moves to the top around the moderator's focused button.
    pin = shown(host, "导热系数能到多少？").locator('[data-act="pin"]')
    press(host, pin)
    expect(host.locator("[data-live-questions] li.live-question").first).to_contain_text("导热系数能到多少？")
    expect(pin).to_have_text(zh("Unpin"))
    expect(pin).to_be_focused()

    # Ending (after the confirmation) moves focus to the status too.
    host.once("dialog", lambda dialog: dialog.accept())
    press(host, host.locator('[data-live-action="end"]'))
    expect(host.locator("[data-live-status]")).to_have_text(zhp("roadshow", "Ended"))
    expect(host.locator("[data-live-status]")).to_be_focused()
    for page in (host, guest):
        off_body(page)


def test_room_on_desktop_and_phone(people, browser_database_url, screenshot_dir):
    room = f"/roadshows/{make_roadshow(browser_database_url, '焦点测试专场乙')}/live"
    host = enter(people, HOST, room)
    guest = enter(people, ATTENDEE, room)
    press(host, host.locator('[data-live-action="go_live"]'))
    expect(guest.locator("[data-live-status]")).to_have_text(zh("Live"))
    press(host, host.locator("[data-live-agenda] [data-present]").first)
    ask(guest, "样品多久能到？")
    press(host, queued(host, "样品多久能到？").locator('[data-act="approve"]'))
    chat(guest, "你好")
    expect(guest.locator("[data-live-chat] li", has_text="你好")).to_be_visible()
    host.locator(".live-poll-form summary").click()
    host.locator("#live-poll-question").fill("是否需要现场演示？")
    host.locator("#live-poll-options").fill("需要\n不需要")
    host.locator("[data-live-poll-form] button[type=submit]").click()
    guest.get_by_role("button", name=re.compile("不需要")).click()
    expect(host.locator("[data-live-polls] .live-poll-count").last).to_contain_text("1")
    expect(shown(guest, "样品多久能到？")).to_be_visible()
    for page in (host, guest):
        expect(page.locator(".live-question-head").first).not_to_contain_text("null")
    for page in (host, guest):  # the room as drawn by room.js, with a poll, a question and chat
        assert page.evaluate(_AXE_RUN, WCAG_TAGS) == []
    host.screenshot(path=str(screenshot_dir / "room-focus-host-desktop.png"), full_page=True)
    guest.screenshot(path=str(screenshot_dir / "room-focus-attendee-desktop.png"), full_page=True)

    for who, email in (("host", HOST), ("attendee", ATTENDEE)):
        phone = enter(people, email, room, **PHONE)
        expect(shown(phone, "样品多久能到？")).to_be_visible()
        assert phone.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        assert phone.evaluate(_AXE_RUN, WCAG_TAGS) == []
        video = phone.locator(".live-stream").bounding_box()
        questions = phone.locator(".live-questions").bounding_box()
        assert video["y"] + video["height"] <= questions["y"], "on a phone the video sits above the Q&A"
        phone.screenshot(path=str(screenshot_dir / f"room-focus-{who}-phone.png"), full_page=True)
