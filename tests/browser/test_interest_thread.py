"""End to end in Chromium: a company expresses interest, the tto replies and shares confidential
files under an NDA, the company accepts the NDA and downloads the file, the tto marks a deal."""

import itertools

import pytest
from playwright.sync_api import Page, expect

from marketplace import create_app
from marketplace.accounts.models import User
from marketplace.config import TestConfig
from marketplace.extensions import db
from marketplace.listings import services as listings
from marketplace.listings.models import ConversionMode, Grade, ListingKind
from tests.browser.test_pages import login
from tests.conftest import zh

pytestmark = pytest.mark.browser
PDF = b"%PDF-1.4\n% process parameters, confidential\n%%EOF\n"
_serial = itertools.count(1)


@pytest.fixture
def listing_title(live_server, browser_database_url) -> str:
    """A published listing of the demo university with a word no other listing uses."""
    title = f"一种硅碳负极预锂化工艺{next(_serial)}号"
    app = create_app({"CONFIG_CLASS": TestConfig, "SQLALCHEMY_DATABASE_URI": browser_database_url})
    with app.app_context():
        tto = db.session.scalar(db.select(User).where(User.email == "tto@demo.bxqx.cn"))
        listing = listings.create_listing(tto, {
            "kind": ListingKind.ACHIEVEMENT, "title": title, "field": "materials",
            "abstract": "硅碳负极预锂化工艺，首效提升至百分之九十以上，适合动力电池量产。",
            "inventors": "李振华", "grade": Grade.A, "trl": 6, "contact_name": "王晓梅",
            "contact_email": "tto@demo.bxqx.cn", "modes": [ConversionMode.EXCLUSIVE_LICENCE]})
        listings.transition(tto, listing, "publish")
        db.session.remove()
        db.engine.dispose()
    return title


def _accept_dialogs(page: Page) -> None:
    page.on("dialog", lambda dialog: dialog.accept())


def test_interest_thread_end_to_end(browsing, listing_title, screenshot_dir, tmp_path):
    company, tto = browsing.new_page(), browsing.new_page()
    _accept_dialogs(company)
    _accept_dialogs(tto)
    login(company, "company@demo.bxqx.cn")
    login(tto, "tto@demo.bxqx.cn")

    # The company finds the listing and expresses interest.
    company.goto("/listings?q=硅碳负极预锂化")
    company.locator(".listing-card a, a").filter(has_text="预锂化").first.click()
    expect(company.locator("h1")).to_have_text(listing_title)
    company.get_by_role("link", name=zh("Express interest")).click()
    company.locator("#intent").select_option("exclusive_licence")
    company.locator("#budget_min").fill("800000")
    company.locator("#budget_max").fill("1500000")
    company.locator("#timeline").select_option("3m")
    company.locator("#message").fill("我司拟建设预锂化中试线，希望洽谈独占许可。")
    company.locator("#share_contacts").check()
    company.get_by_role("button", name=zh("Send to the university")).click()
    expect(company.locator(".flash-success")).to_have_text(zh("Your interest was sent to the university."))
    expect(company.locator(".page-head .interest-status")).to_have_attribute("data-status", "new")
    thread_url = company.url

    # The tto sees it arrive in the bell and opens it from the notification.
    tto.goto("/dashboard")
    expect(tto.locator(".bell-count")).to_be_visible()
    tto.locator(".bell").click()
    tto.get_by_role("button", name=zh("New interest in %(listing)s", listing=listing_title)).first.click()
    expect(tto.locator("h1")).to_have_text(listing_title)
    expect(tto.locator(".contacts-hidden")).to_be_visible()
    tto.get_by_role("button", name=zh("Accept: start the discussion")).click()
    expect(tto.locator(".page-head .interest-status")).to_have_attribute("data-status", "in_discussion")
    tto.locator("#body").fill("欢迎！工艺参数已放入保密材料，请先在线接受保密协议。")
    tto.get_by_role("button", name=zh("Send"), exact=True).click()
    expect(tto.locator(".message-mine .message-body").last).to_contain_text("工艺参数已放入保密材料")

    # The tto writes the NDA and adds a confidential file.
    tto.get_by_role("link", name=zh("NDA and confidential files of this listing")).click()
    tto.locator("#text").fill("接收方对披露方提供的工艺参数保密五年，仅用于评估合作。")
    tto.get_by_role("button", name=zh("Save the NDA")).click()
    expect(tto.locator(".flash-success")).to_be_visible()
    secret = tmp_path / "预锂化工艺参数.pdf"
    secret.write_bytes(PDF)
    tto.locator("#file").set_input_files(str(secret))
    tto.get_by_role("button", name=zh("Upload")).click()
    expect(tto.get_by_role("link", name="预锂化工艺参数.pdf")).to_be_visible()

    # The company reads the reply, sees both sides' contact details, accepts the NDA.
    company.goto(thread_url)
    expect(company.locator(".message-new .message-body")).to_contain_text("工艺参数已放入保密材料")
    expect(company.locator(".contact-list").last).to_contain_text("tto@demo.bxqx.cn")
    company.screenshot(path=str(screenshot_dir / "interest-thread-company.png"), full_page=True)
    company.get_by_role("link", name=zh("Read and accept the NDA")).click()
    company.locator("#agree").check()
    company.get_by_role("button", name=zh("Accept the NDA")).click()
    expect(company.locator(".flash-success")).to_be_visible()
    company.get_by_role("link", name=zh("Open the confidential files")).click()
    with company.expect_download() as download:
        company.get_by_role("link", name="预锂化工艺参数.pdf").click()
    assert download.value.suggested_filename == "预锂化工艺参数.pdf"
    assert download.value.path().read_bytes() == PDF

    # The tto sees the NDA acceptance arrive and marks the deal.
    tto.goto("/notifications")
    expect(tto.locator(".notification.unread").first).to_contain_text(listing_title)
    tto.goto(thread_url)
    expect(tto.locator(".timeline-event").last).to_contain_text(zh("Accepted the NDA"))
    tto.get_by_role("button", name=zh("Mark as a deal")).click()
    expect(tto.locator(".page-head .interest-status")).to_have_attribute("data-status", "deal")
    tto.screenshot(path=str(screenshot_dir / "interest-thread-tto.png"), full_page=True)

    # The company is told, and sees the deal.
    company.goto("/notifications")
    expect(company.locator(".notification.unread").first).to_contain_text(listing_title)
    company.goto(thread_url)
    expect(company.locator(".page-head .interest-status")).to_have_attribute("data-status", "deal")

    # The pipeline draws its charts (Chart.js under the strict CSP) and lists the listing.
    tto.goto("/manage/pipeline")
    expect(tto.locator("#funnel-chart.chart-ready")).to_be_visible()
    expect(tto.locator("#declines-chart.chart-ready")).to_be_visible()
    expect(tto.locator(".pipeline-table")).to_contain_text(listing_title)
    tto.screenshot(path=str(screenshot_dir / "pipeline.png"), full_page=True)
