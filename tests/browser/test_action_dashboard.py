"""The national dashboard with the demo data: Chart.js draws every chart (no CSP violation)."""

import pytest
from playwright.sync_api import expect

from events.demo import load_demo as load_demo_roadshows
from marketplace import create_app
from marketplace.action.demo import load_demo_action
from marketplace.config import TestConfig
from marketplace.demo import load_demo, load_demo_listings, load_demo_lists
from marketplace.extensions import db
from tests.browser.conftest import Browsing
from tests.browser.test_pages import login
from tests.conftest import zh

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_action(live_server, browser_database_url):
    """Load the demo listings, lists and the action's demo rows into the live server's database."""
    app = create_app({"CONFIG_CLASS": TestConfig, "SQLALCHEMY_DATABASE_URI": browser_database_url})
    with app.app_context():
        load_demo()
        load_demo_listings()
        load_demo_lists()
        load_demo_action()
        load_demo_roadshows()  # the past demo roadshow feeds the roadshow-reach chart
        db.session.remove()
        db.engine.dispose()


def test_national_dashboard_draws_readable_charts(browsing: Browsing, demo_action, screenshot_dir):
    target = screenshot_dir / "action-national-dashboard.png"
    target.unlink(missing_ok=True)
    page = browsing.new_page()
    login(page, "admin@demo.bxqx.cn")
    page.goto("/action/dashboard")
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("National dashboard"))
    canvases = page.locator("canvas[data-chart]")
    expect(canvases).to_have_count(5)  # over time, by mode, by field, top universities, reach
    expect(page.locator("canvas[data-drawn='true']")).to_have_count(5)
    # Chart.js has painted: the canvases are sized and not blank.
    painted = page.evaluate("""() => [...document.querySelectorAll('canvas[data-chart]')].map(c => {
        const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let ink = 0; for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) ink++; }
        return [c.width, c.height, ink];
    })""")
    for width, height, ink in painted:
        assert width > 300 and height > 200 and ink > 2000, painted
    expect(page.locator(".chart-empty")).to_have_count(0)
    expect(page.locator("#table-universities")).to_contain_text("【演示】华东理工科技大学")
    page.screenshot(path=str(target), full_page=True)
    assert page.evaluate("window.__cspViolations") == []
    assert target.stat().st_size > 50_000


def test_university_dashboard_and_public_cases(browsing: Browsing, demo_action, screenshot_dir):
    page = browsing.new_page()
    login(page, "tto@demo.bxqx.cn")
    page.goto("/action/our-dashboard")
    expect(page.locator("canvas[data-drawn='true']")).to_have_count(4)  # over time, mode, field, reach
    expect(page.locator("#table-units")).to_contain_text("材料科学与工程学院")
    page.screenshot(path=str(screenshot_dir / "action-university-dashboard.png"), full_page=True)
    assert page.evaluate("window.__cspViolations") == []
