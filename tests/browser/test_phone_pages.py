"""Every GET page of the access matrix on a phone (390×844): no sideways scrolling, no axe violations.

Each page is visited once, as a persona the matrix allows (anonymous when it is public), with real
URL arguments from the demo data (``phone_world.py``), in one logged-in browser context per
persona. On each page: the document is no wider than the screen, axe-core (npm, tests only) finds
no WCAG 2.0/2.1 A or AA violation, and the browser logs no error. Routes that answer with a file
or JSON, or only redirect, are listed in ``SKIPPED`` with the reason. Set PHONE_SCREENSHOTS=1 to
keep a full-page screenshot of each page under test-artifacts/screenshots/phone/.
"""

import os
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from flask_migrate import upgrade
from playwright.sync_api import Page, expect

from marketplace import create_app
from marketplace.config import TestConfig
from marketplace.extensions import db
from tests.browser.conftest import (
    ROOT,
    SCREENSHOT_DIR,
    TIMEOUT_MS,
    PageLog,
)
from tests.browser.phone_world import ACCOUNTS, ARGS, BY_ROLE, PERSONA, SKIPPED, PhoneWorld
from tests.conftest import _postgres_database, zh
from tests.live_server import SECRET, ServerProcess
from tests.test_authorization import ACCESS

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
DESKTOP_PAGES = [("main.index", "anonymous"), ("listings.search", "anonymous"),
                 ("listings.detail", "company"), ("main.dashboard", "tto"), ("interests.index", "tto"),
                 ("interests.pipeline_page", "tto"), ("action.national_dashboard", "admin"),
                 ("admin.audit", "admin"), ("needs.index", "company"), ("payments.manage", "tto"),
                 ("portfolio.fees_due", "tto"), ("portfolio.university_map", "tto")]
#: Who sees a page that is not public, first allowed wins: the demo's university owns the world.
PREFERENCE = ("tto", "company", "investor", "inventor", "admin", "unverified_tto")

_AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                          resultTypes: ["violations"]});
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} -> ` +
    v.nodes.slice(0, 4).map((n) => n.target.join(" ")).join(" | "));
}"""


def _persona(endpoint: str) -> str:
    allow = ACCESS[endpoint].allow
    return PERSONA.get(endpoint) or ("anonymous" if "anonymous" in allow
                                     else next(p for p in PREFERENCE if p in allow))


def _cases():
    pages = [endpoint for endpoint, access in ACCESS.items() if access.method == "GET"]
    for endpoint in sorted(pages):
        marks = [pytest.mark.skip(reason=SKIPPED[endpoint])] if endpoint in SKIPPED else []
        yield pytest.param(endpoint, _persona(endpoint), marks=marks, id=endpoint)
    for endpoint, persona in BY_ROLE:
        assert persona in ACCESS[endpoint].allow, (endpoint, persona)
        yield pytest.param(endpoint, persona, id=f"{endpoint}-{persona}")


def test_every_get_page_is_decided():
    """A GET route is visited or skipped for a stated reason; no stale entries."""
    gets = {endpoint for endpoint, access in ACCESS.items() if access.method == "GET"}
    assert set(SKIPPED) <= gets and set(PERSONA) <= gets and set(ARGS) <= gets
    for endpoint, persona in PERSONA.items():
        assert persona in ACCESS[endpoint].allow


@pytest.fixture(scope="module")
def phone_database_url(tmp_path_factory) -> Iterator[str]:
    """A database of this module's own: the whole demo goes in, which other modules do not expect."""
    base = os.environ.get("TEST_DATABASE_URL", "")
    if base.startswith("postgres"):
        yield from _postgres_database(base)
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('phone-db') / 'phone.db'}"


@pytest.fixture(scope="module")
def phone_app(phone_database_url, tmp_path_factory):
    """The app with everything ``flask demo load`` puts in, as a user of the demo meets it."""
    app = create_app({"CONFIG_CLASS": TestConfig, "SQLALCHEMY_DATABASE_URI": phone_database_url,
                      "SECRET_KEY": SECRET,  # the server's: the world's tokens must verify there
                      "UPLOAD_DIR": str(tmp_path_factory.mktemp("phone-uploads"))})
    with app.app_context():
        upgrade()
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def world(phone_app):
    with phone_app.app_context():
        args = PhoneWorld.build().args
        db.session.remove()
    return args


@pytest.fixture(scope="module")
def phone_server(world, phone_database_url, tmp_path_factory) -> Iterator[ServerProcess]:
    """The production server (gunicorn, gevent, Socket.IO for the live room) on that database."""
    server = ServerProcess(phone_database_url, tmp_path_factory.mktemp("phone-server"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def phone(chromium_executable, browser, phone_server):
    """persona -> (page, logs): one phone context per persona, logged in once."""
    axe_source = AXE.read_text(encoding="utf-8")
    sessions: dict[str, tuple[Page, dict]] = {}

    def open_for(persona: str, desktop: bool = False) -> tuple[Page, dict]:
        if (persona, desktop) not in sessions:
            screen = DESKTOP if desktop else PHONE
            context = browser.new_context(base_url=phone_server.url, **screen)
            context.set_default_timeout(TIMEOUT_MS)
            context.add_init_script(axe_source)  # init scripts are exempt from the page's CSP
            page = context.new_page()
            holder = {"log": PageLog()}
            page.on("console", lambda message: holder["log"].on_console(message))
            page.on("pageerror", lambda error: holder["log"].page_errors.append(f"uncaught: {error}"))
            page.on("response", lambda response: holder["log"].on_response(response))
            if ACCOUNTS[persona]:
                _login(page, ACCOUNTS[persona])
            sessions[persona, desktop] = (page, holder)
        return sessions[persona, desktop]

    yield open_for
    for page, _ in sessions.values():
        page.context.close()


def _login(page: Page, email: str) -> None:
    page.goto("/auth/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill("Demo-bxqx-2026")
    page.get_by_role("button", name=zh("Log in"), exact=True).click()
    page.wait_for_url(lambda url: "/auth/login" not in url)


@pytest.mark.parametrize(("endpoint", "persona"), list(_cases()))
def test_page_on_a_phone(endpoint, persona, phone_app, world, phone, phone_server):
    _check_page(endpoint, persona, phone_app, world, phone, phone_server, desktop=False)


@pytest.mark.parametrize(("endpoint", "persona"), DESKTOP_PAGES)
def test_page_on_a_desktop(endpoint, persona, phone_app, world, phone, phone_server):
    """The same checks at 1280×900 for the main pages (wide tables fit there: no scroll regions)."""
    _check_page(endpoint, persona, phone_app, world, phone, phone_server, desktop=True)


def _check_page(endpoint, persona, phone_app, world, phone, phone_server, *, desktop):
    args = ARGS[endpoint](world) if endpoint in ARGS else {}
    rule = next(rule for rule in phone_app.url_map.iter_rules() if rule.endpoint == endpoint)
    for name in rule.arguments - set(args):
        if name not in world:
            pytest.fail(f"{endpoint}: the phone world has no value for <{name}>: add one to "
                        "tests/browser/phone_world.py (or ARGS), or skip the route with a reason")
        args[name] = world[name]
    path = phone_app.url_map.bind("localhost").build(endpoint, args)
    page, holder = phone(persona, desktop)
    holder["log"] = log = PageLog()

    response = page.goto(path)
    assert response and response.status == 200, f"{path} as {persona}: {response and response.status}"
    assert urlsplit(page.url).path == urlsplit(path).path, f"{path} as {persona} went to {page.url}"
    if os.environ.get("PHONE_SCREENSHOTS"):
        folder = SCREENSHOT_DIR / ("desktop" if desktop else "phone")
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=folder / f"{endpoint}-{persona}.png", full_page=True)
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    violations = page.evaluate(_AXE_RUN, WCAG_TAGS)

    problems = []
    if widths[0] > widths[1]:
        problems.append(f"scrolls sideways: {widths[0]} px wide on a {widths[1]} px screen")
    problems += [f"axe: {violation}" for violation in violations]
    problems += log.problems()
    if any(problem.startswith("5") for problem in log.bad_responses):
        problems.append(f"server log:\n{phone_server.log()}")
    assert not problems, f"{path} as {persona}:\n" + "\n".join(problems)


# --- What the issue measured on a phone, each as a user notices it ------------------------------

def _rgb(css: str, over: tuple[float, ...] = (255.0, 255.0, 255.0)) -> tuple[float, ...]:
    """An rgb()/rgba() colour as painted over ``over`` (a translucent ring shows the page)."""
    parts = [float(part) for part in css[css.index("(") + 1:-1].split(",")]
    alpha = parts[3] if len(parts) == 4 else 1.0
    return tuple(alpha * c + (1 - alpha) * b for c, b in zip(parts[:3], over, strict=True))


def _contrast(first: tuple[float, ...], second: tuple[float, ...]) -> float:
    def luminance(rgb):
        linear = [c / 255 / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4
                  for c in rgb]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


WHITE = (255.0, 255.0, 255.0)
_BOXES = ("els => els.map(e => { const r = e.getBoundingClientRect(); "
          "return [e.id || e.name, r.width, r.height]; })")


def test_need_filters_show_their_text(phone):
    page, _ = phone("anonymous")
    page.goto("/needs")
    boxes = page.locator("form[role=search]").locator("input:not([type=hidden]), select").evaluate_all(_BOXES)
    assert len(boxes) >= 5
    assert all(width >= 140 for _, width, _ in boxes), boxes


def test_listing_filters_are_one_tap_away(phone):
    page, _ = phone("anonymous")
    page.goto("/listings")
    filters = page.locator("#filters")
    expect(filters).not_to_be_in_viewport()
    jump = page.get_by_role("link", name=zh("Filter"), exact=True)
    expect(jump).to_be_in_viewport()
    jump.click()
    expect(filters).to_be_in_viewport()


def test_status_badges_and_interest_rows_read_on_a_phone(phone):
    page, _ = phone("company")
    page.goto("/interests")
    badges = page.locator(".badge").evaluate_all(_BOXES)
    assert badges and all(height < 28 for _, _, height in badges), badges  # one line each
    cells = page.locator(".interests-table td").evaluate_all(_BOXES)
    assert all(width >= 300 for _, width, _ in cells), "each row is a card as wide as the screen"


def test_every_input_is_styled_with_room_to_tap(phone, phone_app):
    page, _ = phone("tto")
    urls = phone_app.url_map.bind("localhost")
    kinds = set()
    for path in (urls.build("listings.create"), urls.build("events.create"), urls.build("imports.upload"),
                 "/auth/login"):
        page.goto(path)
        fields = page.locator("main").locator(
            "input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea")
        styles = fields.evaluate_all("els => els.map(e => [e.type, e.getBoundingClientRect().height, "
                                     "getComputedStyle(e).borderTopColor])")
        kinds |= {kind for kind, _, _ in styles}
        for kind, height, border in styles:
            assert height >= 40, f"{path}: a {kind} input is {height} px high"
            assert _contrast(_rgb(border), WHITE) >= 3, f"{path}: a {kind} input's border {border}"
        boxes = page.locator("main").locator("input[type=checkbox], input[type=radio]").evaluate_all(_BOXES)
        assert all(width >= 20 and height >= 20 for _, width, height in boxes), (path, boxes)
    assert {"date", "datetime-local", "number", "file"} <= kinds, kinds


def test_focus_ring_has_three_to_one_contrast(phone):
    page, _ = phone("anonymous")
    page.goto("/listings")
    page.keyboard.press("Tab")  # keyboard use: focus() now shows the ring as for a Tab
    for target in (page.locator(".site-header a").first, page.locator("#q")):
        target.focus()
        style, width, color = target.evaluate(
            "e => { const s = getComputedStyle(e); "
            "return [s.outlineStyle, s.outlineWidth, s.outlineColor]; }")
        assert style == "solid" and float(width[:-2]) >= 2
        grey = (246.0, 248.0, 250.0)  # the page's background
        assert _contrast(_rgb(color), WHITE) >= 3, color
        assert _contrast(_rgb(color, grey), grey) >= 3, color


def test_action_dashboard_columns_keep_words_together_on_a_desktop(browser, phone_server):
    context = browser.new_context(base_url=phone_server.url, viewport={"width": 1280, "height": 900},
                                  locale="zh-CN")
    try:
        page = context.new_page()
        _login(page, ACCOUNTS["admin"])
        page.goto("/action/dashboard")
        cells = page.locator("td.col-category, td.col-batch").evaluate_all(_BOXES)
        assert cells and all(width >= 170 for _, width, _ in cells), cells
    finally:
        context.close()
