"""An oversized file in the interest thread, in Chromium (issue 15, part 3): the message typed in
the thread survives. uploads.js refuses the file beside its field before anything is sent; with
scripts off the server's 413 returns to the thread and says the same limit."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from marketplace import create_app
from marketplace.accounts.models import User
from marketplace.config import TestConfig
from marketplace.extensions import db
from marketplace.interests import services as interests
from marketplace.interests.models import Message, Timeline
from marketplace.listings import services as listings
from marketplace.listings.models import ConversionMode, Grade, ListingKind
from tests.browser.conftest import PHONE
from tests.browser.test_pages import login
from tests.conftest import zh

pytestmark = pytest.mark.browser
COMPANY = "company@demo.bxqx.cn"
TYPED = "附件是我们的中试报价单，请查收；价格可以再谈。"


@pytest.fixture(scope="module")
def thread_url(live_server, browser_database_url) -> str:
    """The demo company's new interest in a new listing of the demo university: its thread."""
    app = create_app({"CONFIG_CLASS": TestConfig, "SQLALCHEMY_DATABASE_URI": browser_database_url})
    with app.app_context():
        tto, company = (db.session.scalar(db.select(User).where(User.email == email))
                        for email in ("tto@demo.bxqx.cn", COMPANY))
        listing = listings.create_listing(tto, {
            "kind": ListingKind.ACHIEVEMENT, "title": "浏览器测试：大文件上传的工艺包",
            "field": "materials", "abstract": "用于测试上传大小限制的成果。", "inventors": "李振华",
            "grade": Grade.B, "trl": 5, "contact_name": "王晓梅",
            "contact_email": "tto@demo.bxqx.cn", "modes": [ConversionMode.ORDINARY_LICENCE]})
        listings.transition(tto, listing, "publish")
        interest = interests.express_interest(company, listing, {
            "intent": ConversionMode.ORDINARY_LICENCE, "timeline": Timeline("3m"),
            "message": "希望了解许可条件。"})
        url = f"/interests/{interest.id}"
        db.session.remove()
        db.engine.dispose()
    return url


def messages_with(browser_database_url, text: str) -> int:
    app = create_app({"CONFIG_CLASS": TestConfig, "SQLALCHEMY_DATABASE_URI": browser_database_url})
    with app.app_context():
        count = db.session.scalar(db.select(db.func.count()).select_from(Message)
                                  .where(Message.body == text))
        db.session.remove()
        db.engine.dispose()
    return count


@pytest.fixture(scope="module")
def big_pdf(tmp_path_factory) -> Path:
    """A 30 MB "PDF", three times the limit."""
    path = tmp_path_factory.mktemp("uploads") / "中试报价单.pdf"
    with path.open("wb") as out:
        out.write(b"%PDF-1.4\n")
        out.truncate(30 * 1024 * 1024)
    return path


def attach_and_send(page: Page, path: Path, text: str) -> None:
    page.locator("#body").fill(text)
    page.locator("#file").set_input_files(str(path))
    page.get_by_role("button", name=zh("Send"), exact=True).click()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_an_oversized_file_is_refused_beside_its_field_and_the_text_stays(
        browsing, thread_url, big_pdf, browser_database_url, screenshot_dir, viewport):
    page = browsing.new_page(**(PHONE if viewport == "phone" else {}))
    login(page, COMPANY)
    page.goto(thread_url)
    expect(page.locator(".message-form")).to_contain_text(zh("At most %(mb)d MB per file.", mb=10))
    typed = f"{TYPED}（{viewport}）"
    attach_and_send(page, big_pdf, typed)
    refusal = page.locator("#file-too-large")
    expect(refusal).to_have_text(zh("Files may be at most %(mb)d MB.", mb=10))
    expect(page.locator("#file")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#file")).to_be_focused()
    expect(page.locator("#body")).to_have_value(typed)
    assert page.url.endswith(thread_url)
    assert messages_with(browser_database_url, typed) == 0
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.evaluate("document.documentElement.clientWidth")
    page.locator(".message-form").screenshot(
        path=str(screenshot_dir / f"upload-too-large-{viewport}.png"))
    # Choosing no file clears the message; the typed text is sent.
    page.locator("#file").set_input_files([])
    expect(refusal).to_have_count(0)
    page.get_by_role("button", name=zh("Send"), exact=True).click()
    expect(page.locator(".message-mine .message-body").last).to_have_text(typed)


def test_without_scripts_the_server_returns_to_the_thread_with_the_limit(
        browsing, thread_url, big_pdf, browser_database_url):
    page = browsing.new_page(java_script_enabled=False)
    login(page, COMPANY)
    page.goto(thread_url)
    attach_and_send(page, big_pdf, TYPED)
    expect(page.locator(".flash-error")).to_have_text(zh(
        "Your file was not sent: %(limit)s Choose a smaller file and send the form again.",
        limit=zh("Files may be at most %(mb)d MB.", mb=10)))
    assert page.url.endswith(thread_url)
    expect(page.locator("#body")).to_be_visible()
