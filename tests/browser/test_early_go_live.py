"""Going live days before the scheduled start, in Chromium (issue 15, part 3): the room's "Go live"
asks first in a dialog; "Not yet" leaves the roadshow as it was, "Go live now" starts it."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from events.models import AgendaItem, Roadshow, RoadshowState
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
HOST = "tto@demo.bxqx.cn"


@pytest.fixture
def early_room(live_server, browser_database_url, tmp_path) -> Iterator[tuple[str, int]]:
    """A published roadshow of the demo university three days from now, on a gevent server."""
    app = create_app({"CONFIG_CLASS": TestConfig, "SQLALCHEMY_DATABASE_URI": browser_database_url})
    with app.app_context():
        host = db.session.execute(db.select(User).filter_by(email=HOST)).scalar_one()
        start = utcnow() + timedelta(days=3)
        roadshow = Roadshow(organisation=host.organisation, title="浏览器测试：提前开播",
                            description="", starts_at=start, ends_at=start + timedelta(hours=1),
                            state=RoadshowState.PUBLISHED, published_at=utcnow(), created_by=host)
        roadshow.agenda = [AgendaItem(listing=new_listing(host.organisation, "浏览器测试：提前开播的成果"),
                                      position=1, presenter="王教授", starts_at=start,
                                      ends_at=start + timedelta(minutes=30))]
        db.session.add(roadshow)
        db.session.commit()
        roadshow_id = roadshow.id
        db.session.remove()
        db.engine.dispose()
    server = ServerProcess(browser_database_url, tmp_path / "server")
    try:
        yield server.url, roadshow_id
    finally:
        server.stop()


def test_going_live_days_early_asks_first(browser, early_room, screenshot_dir):
    url, roadshow_id = early_room
    browsing = Browsing(browser, url)
    try:
        page = browsing.new_page()
        page.goto("/auth/login")
        page.locator("#email").fill(HOST)
        page.locator("#password").fill(DEMO_PASSWORD)
        page.locator("form button[type=submit]").last.click()
        expect(page.locator(".flash-success")).to_be_visible()
        page.goto(f"/roadshows/{roadshow_id}/live")
        expect(page.locator("[data-live-connection]")).to_have_text(zh("Connected"))
        status = page.locator("[data-live-status]")
        expect(status).to_have_text(zh("Not started yet"))
        go_live = page.locator('[data-live-action="go_live"]')
        dialog = page.locator("dialog[data-live-early]")

        go_live.click()
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text(zh("Go live now?"))
        page.screenshot(path=str(screenshot_dir / "live-room-early-go-live.png"))
        dialog.get_by_role("button", name=zh("Not yet")).click()
        expect(dialog).to_be_hidden()
        page.wait_for_timeout(500)
        expect(status).to_have_text(zh("Not started yet"))  # room.js sent nothing

        go_live.click()
        dialog.get_by_role("button", name=zh("Go live now")).click()
        expect(page.locator(".flash-success")).to_have_text(zh("The roadshow is live."))
        expect(status).to_have_text(zh("Live"))
        expect(go_live).to_be_hidden()
    finally:
        browsing.close()
    assert not browsing.problems(), "the browser reported problems:\n" + "\n".join(browsing.problems())
