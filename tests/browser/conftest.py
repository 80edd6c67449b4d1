"""Browser fixtures: a live server on its own database with the demo data, and headless Chromium.

The live server never shares the database of the other tests: their ``app`` fixture empties every
table after each test, which would pull the demo data from under the browser. On SQLite it gets
its own file; on the PostgreSQL lane (TEST_DATABASE_URL) its own database, made and dropped by
the same helper the main conftest uses.
"""

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask_migrate import upgrade
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Response,
    expect,
    sync_playwright,
)
from werkzeug.serving import WSGIRequestHandler, make_server

from marketplace import create_app
from marketplace.config import TestConfig
from marketplace.demo import load_demo
from marketplace.extensions import db
from tests.conftest import _postgres_database
from tests.services import IN_CI

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = ROOT / "test-artifacts" / "screenshots"
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True,
         "has_touch": True}
#: Fail fast: nothing in this app should take seconds to appear.
TIMEOUT_MS = 8_000
expect.set_options(timeout=TIMEOUT_MS)

#: Runs in every page before its own scripts (init scripts are exempt from the page's CSP).
_CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.effectiveDirective} ${event.blockedURI || "inline"}`);
});
"""


# --- the live server ---------------------------------------------------------------------------

class _ErrorRecorder:
    """WSGI wrapper noting every exception the app lets escape."""

    def __init__(self, app, errors: list[str]):
        self.app = app
        self.errors = errors

    def __call__(self, environ, start_response):
        try:
            return self.app(environ, start_response)
        except Exception as error:
            self.errors.append(f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}: {error!r}")
            raise


class _QuietHandler(WSGIRequestHandler):
    """No access log lines; errors are still logged."""

    def log_request(self, code="-", size="-") -> None:
        pass


@pytest.fixture(scope="session")
def browser_database_url(tmp_path_factory) -> Iterator[str]:
    """A database of the browser tests' own, of the kind the run tests (SQLite or PostgreSQL)."""
    base = os.environ.get("TEST_DATABASE_URL", "")
    if base.startswith("postgres"):
        yield from _postgres_database(base)
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('browser-db') / 'browser.db'}"


@pytest.fixture(scope="session")
def server_errors() -> list[str]:
    """Exceptions the live app raised while serving (the browser only sees a bare 500 page)."""
    return []


@pytest.fixture(scope="session")
def live_outbox(tmp_path_factory) -> Path:
    """Where the live app writes the mail it sends (read with ``marketplace.mail.read_outbox``)."""
    return tmp_path_factory.mktemp("browser-outbox")


@pytest.fixture(scope="session")
def live_server(browser_database_url, server_errors, live_outbox, tmp_path_factory) -> Iterator[str]:
    """The app with the demo data, served over HTTP from a background thread; yields its URL."""
    app = create_app({
        "CONFIG_CLASS": TestConfig,
        "SQLALCHEMY_DATABASE_URI": browser_database_url,
        "MAIL_OUTBOX_DIR": str(live_outbox),
        "UPLOAD_DIR": str(tmp_path_factory.mktemp("browser-uploads")),
    })
    with app.app_context():
        upgrade()
        load_demo()
        db.session.remove()
    server = make_server("127.0.0.1", 0, _ErrorRecorder(app, server_errors), threaded=True,
                         request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="browser-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


# --- the browser -------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def chromium_executable() -> Path:
    if not CHROMIUM.exists():
        message = f"Chromium is not installed at {CHROMIUM}"
        if IN_CI:
            pytest.fail(f"{message} (CI=true: a missing browser is a failure)", pytrace=False)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_executable) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium_executable),
                                             args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


_REFUSED = "Failed to load resource: the server responded with a status of 4"


@dataclass
class PageLog:
    """What went wrong in one page, as a user with the developer console open would see it."""

    #: Console messages of type "error" (CSP violations land here too), as "text (url)".
    console_errors: list[str] = field(default_factory=list)
    #: Uncaught JavaScript exceptions.
    page_errors: list[str] = field(default_factory=list)
    #: 5xx answers, and 4xx answers to anything but a page (a missing style sheet, say).
    bad_responses: list[str] = field(default_factory=list)
    #: Pages the server answered with 4xx on purpose (a form with errors is 422); Chromium logs
    #: "Failed to load resource" for each, which is no fault of the page.
    refused_documents: set[str] = field(default_factory=set)
    _sources: list[tuple[str, str]] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            url = message.location.get("url", "")
            self.console_errors.append(f"{message.text} ({url})")
            self._sources.append((message.text, url))

    def on_response(self, response: Response) -> None:
        status = response.status
        if 400 <= status < 500 and response.request.resource_type == "document":
            self.refused_documents.add(response.url)
        elif status >= 400:
            self.bad_responses.append(f"{status} {response.request.method} {response.url}")

    def problems(self) -> list[str]:
        expected = {
            f"{text} ({url})" for text, url in self._sources
            if text.startswith(_REFUSED) and url in self.refused_documents
        }
        console = [entry for entry in self.console_errors if entry not in expected]
        return console + self.page_errors + self.bad_responses


class Browsing:
    """Fresh browser contexts (separate cookies, so separate users) for one test."""

    def __init__(self, browser: Browser, base_url: str):
        self.browser = browser
        self.base_url = base_url
        self._contexts: list[BrowserContext] = []
        self._pages: list[tuple[Page, PageLog]] = []

    def new_page(self, **options) -> Page:
        settings = {**DESKTOP, "locale": "zh-CN", "timezone_id": "Asia/Shanghai", **options}
        context = self.browser.new_context(base_url=self.base_url, **settings)
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(_CSP_RECORDER)
        self._contexts.append(context)
        page = context.new_page()
        log = PageLog()
        self._pages.append((page, log))
        page.on("console", log.on_console)
        page.on("pageerror", lambda error: log.page_errors.append(f"uncaught: {error}"))
        page.on("response", log.on_response)
        return page

    def log(self, page: Page) -> PageLog:
        return next(log for known, log in self._pages if known is page)

    def problems(self) -> list[str]:
        return [problem for _, log in self._pages for problem in log.problems()]

    def close(self) -> None:
        for context in self._contexts:
            context.close()


@pytest.fixture
def browsing(chromium_executable, live_server, server_errors, browser) -> Iterator[Browsing]:
    """Open pages in fresh contexts; afterwards, fail on console errors, JS errors or 5xx.

    Chromium is checked first (skip or fail before building a database), and started after
    the server so that it is closed before the server shuts down.
    """
    first_error = len(server_errors)
    session = Browsing(browser, live_server)
    try:
        yield session
    finally:
        session.close()
    problems = session.problems() + server_errors[first_error:]
    assert not problems, "the browser or the server reported problems:\n" + "\n".join(problems)


@pytest.fixture
def page(browsing) -> Page:
    """One page in a fresh desktop context."""
    return browsing.new_page()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR
