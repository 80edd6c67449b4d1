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
from playwright.sync_api import Page

from marketplace import create_app
from marketplace.config import TestConfig
from marketplace.extensions import db
from tests.browser.conftest import (
    ROOT,
    SCREENSHOT_DIR,
    TIMEOUT_MS,
    PageLog,
)
from tests.browser.phone_world import ACCOUNTS, PhoneWorld
from tests.conftest import _postgres_database, zh
from tests.live_server import SECRET, ServerProcess
from tests.test_authorization import ACCESS

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
#: Who sees a page that is not public, first allowed wins: the demo's university owns the world.
PREFERENCE = ("tto", "company", "investor", "inventor", "admin", "unverified_tto")

SKIPPED = {
    "main.healthz": "a health check for load balancers, plain text, not a page",
    "api.listings": "JSON API", "api.listing": "JSON API", "api.openapi": "JSON document",
    "imports.status": "JSON progress polled by the import page",
    "imports.template": "file download (XLSX)",
    "listings.attachment": "file download", "lists.xlsx": "file download (XLSX)",
    "lists.pdf": "file download (PDF)", "action.plan_pdf": "file download (PDF)",
    "action.national_export": "file download (CSV/XLSX)",
    "action.university_export": "file download (CSV/XLSX)",
    "ledger.university_csv": "file download (CSV)", "ledger.my_csv": "file download (CSV)",
    "licences.agreement_document": "file download (PDF)",
    "licences.agreement_file": "file download (PDF)", "licences.certificate": "file download (PDF)",
    "events.calendar": "file download (.ics)", "events.report_xlsx": "file download (XLSX)",
    "interests.message_file": "file download", "interests.download_confidential": "file download",
    "orgs.document": "file download (a claim document)",
    "accounts.confirm_notice": "only redirects a confirmed account to its dashboard",
    "accounts.confirm_email": "only redirects (the token confirms, then sends on)",
    "licences.accept": "only redirects (the demo company already holds the licence)",
    "payments.stripe_return": "only redirects back from Stripe to the payment page",
}
#: Pages whose persona is not the first of PREFERENCE (the other one shows a page, not a redirect).
PERSONA = {"interests.express": "investor", "main.dashboard": "tto"}
#: Pages every role has: their header, navigation and workbench differ by role.
BY_ROLE = [(endpoint, persona) for endpoint in ("main.index", "main.dashboard")
           for persona in ("inventor", "investor", "company", "unverified_tto")]
BY_ROLE += [("main.index", "admin"), ("main.index", "tto"), ("notifications.index", "company"),
            ("licences.mine", "company"), ("events.mine", "investor"), ("orgs.mine", "inventor")]
#: URL arguments that are not simply the world's value of the same name.
ARGS = {
    "action.plan_version": lambda w: {"plan_id": w["plan_id"], "number": w["plan_number"]},
    "action.batch": lambda w: {"batch_id": w["action_batch_id"]},
    "admin.organisation": lambda w: {"org_id": w["pending_org_id"]},
    "accounts.reset_password": lambda w: {"token": w["reset_token"]},
    "orgs.accept": lambda w: {"token": w["invitation_token"]},
    "licences.edit": lambda w: {"declaration_id": w["draft_declaration_id"]},
    "licences.create": lambda w: {"listing_id": w["draft_listing_id"]},
    "events.transcript": lambda w: {"roadshow_id": w["ended_roadshow_id"]},
    "events.report": lambda w: {"roadshow_id": w["ended_roadshow_id"]},
    "events.moderation_log": lambda w: {"roadshow_id": w["ended_roadshow_id"]},
}
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

    def open_for(persona: str) -> tuple[Page, dict]:
        if persona not in sessions:
            context = browser.new_context(base_url=phone_server.url, **PHONE)
            context.set_default_timeout(TIMEOUT_MS)
            context.add_init_script(axe_source)  # init scripts are exempt from the page's CSP
            page = context.new_page()
            holder = {"log": PageLog()}
            page.on("console", lambda message: holder["log"].on_console(message))
            page.on("pageerror", lambda error: holder["log"].page_errors.append(f"uncaught: {error}"))
            page.on("response", lambda response: holder["log"].on_response(response))
            if ACCOUNTS[persona]:
                _login(page, ACCOUNTS[persona])
            sessions[persona] = (page, holder)
        return sessions[persona]

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
    args = ARGS[endpoint](world) if endpoint in ARGS else {}
    rule = next(rule for rule in phone_app.url_map.iter_rules() if rule.endpoint == endpoint)
    for name in rule.arguments - set(args):
        args[name] = world[name]
    path = phone_app.url_map.bind("localhost").build(endpoint, args)
    page, holder = phone(persona)
    holder["log"] = log = PageLog()

    response = page.goto(path)
    assert response and response.status == 200, f"{path} as {persona}: {response and response.status}"
    assert urlsplit(page.url).path == urlsplit(path).path, f"{path} as {persona} went to {page.url}"
    if os.environ.get("PHONE_SCREENSHOTS"):
        (SCREENSHOT_DIR / "phone").mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOT_DIR / "phone" / f"{endpoint}-{persona}.png", full_page=True)
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


