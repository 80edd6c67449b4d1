"""A refused live room in headless Chromium (issue 13, item 11): the attendee's registration goes
back to waiting for approval while the live process restarts; when room.js reconnects, the server
refuses it, and the page says why, links to the next step and stops reconnecting instead of
showing "reconnecting…" for ever. Screenshots at desktop width and 390x844."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from events.models import Registration, RegistrationStatus, Roadshow, RoadshowState
from marketplace import create_app
from marketplace.accounts.models import User
from marketplace.config import TestConfig
from marketplace.db_types import utcnow
from marketplace.demo import DEMO_PASSWORD
from marketplace.extensions import db
from tests.browser.conftest import DESKTOP, PHONE, Browsing
from tests.conftest import zh
from tests.live_server import ServerProcess

pytestmark = pytest.mark.browser

HOST, ATTENDEE = "tto@demo.bxqx.cn", "company@demo.bxqx.cn"


@pytest.fixture
def refusal_room(live_server, browser_database_url, tmp_path) -> Iterator[tuple]:
    """A published roadshow with the attendee confirmed, and a way to change that registration."""
    app = create_app({"CONFIG_CLASS": TestConfig, "SQLALCHEMY_DATABASE_URI": browser_database_url})
    with app.app_context():
        host, attendee = (db.session.execute(db.select(User).filter_by(email=email)).scalar_one()
                          for email in (HOST, ATTENDEE))
        start = utcnow() + timedelta(minutes=10)
        roadshow = Roadshow(organisation=host.organisation, title="浏览器测试：审核中的报名",
                            description="", starts_at=start, ends_at=start + timedelta(hours=1),
                            state=RoadshowState.PUBLISHED, published_at=utcnow(), created_by=host)
        roadshow.registrations = [Registration(user=attendee, status=RegistrationStatus.CONFIRMED)]
        db.session.add(roadshow)
        db.session.commit()
        roadshow_id, registration_id = roadshow.id, roadshow.registrations[0].id
        db.session.remove()

    def set_status(status: RegistrationStatus) -> None:
        with app.app_context():
            db.session.get(Registration, registration_id).status = status
            db.session.commit()
            db.session.remove()

    try:
        yield browser_database_url, roadshow_id, set_status
    finally:
        set_status(RegistrationStatus.CANCELLED)
        with app.app_context():
            db.engine.dispose()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_refused_reconnect_says_why_and_what_to_do(browser, refusal_room, screenshot_dir,
                                                    tmp_path, viewport):
    database_url, roadshow_id, set_status = refusal_room
    server = ServerProcess(database_url, tmp_path / "server")
    browsing = Browsing(browser, server.url)
    try:
        page = browsing.new_page(**(DESKTOP if viewport == "desktop" else PHONE))
        page.goto("/auth/login")
        page.locator("#email").fill(ATTENDEE)
        page.locator("#password").fill(DEMO_PASSWORD)
        page.locator("form button[type=submit]").last.click()
        expect(page.locator(".flash-success")).to_be_visible()
        page.goto(f"/roadshows/{roadshow_id}/live")
        expect(page.locator("[data-live-connection]")).to_have_text(zh("Connected"))

        # The registration waits for approval again while the live process restarts.
        set_status(RegistrationStatus.PENDING)
        server.stop()
        expect(page.locator("[data-live-connection]")).to_have_text(zh("Connection lost, reconnecting…"))
        server = ServerProcess(database_url, tmp_path / "restarted", port=server.port)
        notice = page.locator("[data-live-notice]")
        expect(notice).to_contain_text(zh("Your registration is waiting for the host's approval. "
                                          "You can enter the room once it is confirmed."), timeout=20_000)
        expect(page.locator("[data-live-connection]")).to_have_text(zh("You cannot enter this room."))
        link = notice.get_by_role("link", name=zh("My registration"))
        expect(link).to_have_attribute("href", f"/roadshows/{roadshow_id}")
        expect(page.locator("#live-ask-text")).to_be_disabled()
        expect(page.locator(".live-layout")).to_be_hidden()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"], f"the page scrolls sideways ({width}px)"
        page.screenshot(path=str(screenshot_dir / f"live-room-refused-{viewport}.png"), full_page=True)

        # It stays refused: no reconnection attempts, the text does not flip back.
        page.wait_for_timeout(3000)
        expect(page.locator("[data-live-connection]")).to_have_text(zh("You cannot enter this room."))
        link.click()
        expect(page).to_have_url(f"{server.url}/roadshows/{roadshow_id}")
    finally:
        server.stop()
        browsing.close()
    assert not browsing.problems(), "the browser reported problems:\n" + "\n".join(browsing.problems())
