"""An open licence from end to end in Chromium: the tto declares it and records the announcement,
a company reviews and signs the agreement and pays by bank transfer, the tto confirms the receipt,
the company downloads the certificate (rendered to PNG and looked at) and verifies it."""

import hashlib
import shutil
import subprocess
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from marketplace import create_app
from marketplace.accounts import services as accounts
from marketplace.config import TestConfig
from marketplace.extensions import db
from marketplace.listings import services as listings
from marketplace.listings.models import ConversionMode, Grade, LegalStatus, ListingKind
from marketplace.listings.patentno import check_character
from tests.browser.test_pages import login
from tests.conftest import zh, zhp

pytestmark = pytest.mark.browser
TITLE = "一种固态电解质薄膜的低温制备方法"


@pytest.fixture
def granted_patent(live_server, browser_database_url) -> int:
    """A granted invention patent of the demo university, published through the services."""
    app = create_app({"CONFIG_CLASS": TestConfig, "SQLALCHEMY_DATABASE_URI": browser_database_url})
    with app.app_context():
        tto = accounts.find_user_by_email("tto@demo.bxqx.cn")
        digits = "201810793021"
        listing = listings.create_listing(tto, {
            "kind": ListingKind.INVENTION, "title": TITLE,
            "abstract": "以低温溶胶凝胶法制备致密固态电解质薄膜，界面阻抗低，适用于全固态锂电池。",
            "field": "materials", "inventors": "陈明, 赵丽", "legal_status": LegalStatus.GRANTED,
            "application_number": f"{digits}.{check_character(digits)}",
            "application_date": date(2018, 4, 9), "grant_date": date(2020, 8, 14), "grade": Grade.A,
            "trl": 6, "modes": [ConversionMode.ORDINARY_LICENCE], "contact_name": "王晓梅",
            "contact_email": "tto@demo.bxqx.cn"})
        listings.transition(tto, listing, "publish")
        listing_id = listing.id
        db.session.remove()
        db.engine.dispose()
    return listing_id


def _accept_dialogs(page: Page) -> None:
    page.on("dialog", lambda dialog: dialog.accept())


def test_declare_accept_pay_by_transfer_and_verify_the_certificate(browsing, granted_patent,
                                                                    screenshot_dir, tmp_path):
    tto = browsing.new_page()
    _accept_dialogs(tto)
    login(tto, "tto@demo.bxqx.cn")
    tto.goto("/manage/open-licences")
    tto.locator("#listing").select_option(str(granted_patent))
    tto.get_by_role("button", name=zhp("go to a patent", "Open"), exact=True).click()
    tto.get_by_role("link", name=zh("Declare an open licence")).click()
    tto.locator("#fee_amount").fill("20000")
    tto.locator("#payment_standard").fill("自书面通知送达之日起30日内以对公转账一次性支付。")
    tto.locator("#term_end").fill("2032-12-31")
    tto.locator("#notice_address").fill("上海市徐汇区梅陇路130号 技术转移中心")
    tto.locator("#fees_paid").check()
    tto.get_by_role("button", name=zh("Save draft")).click()
    expect(tto.locator(".notice-ok")).to_have_text(zh("The patent may be declared open."))
    tto.get_by_role("button", name=zh("Submit the declaration")).click()
    expect(tto.locator(".flash-success")).to_have_text(zh("The declaration is submitted."))
    tto.locator("#announcement_number").fill("CN2026KF009001")
    tto.locator("#announced_on").fill(date.today().isoformat())
    tto.get_by_role("button", name=zh("Record the announcement")).click()
    expect(tto.locator(".flash-success")).to_contain_text(zh(
        "The announcement is recorded: companies can now accept the open licence."))
    declaration_url = tto.url

    company = browsing.new_page(accept_downloads=True)
    login(company, "company@demo.bxqx.cn")
    company.goto("/open-licences")
    company.get_by_role("link", name=TITLE).click()
    assert company.url == declaration_url
    company.get_by_role("link", name=zh("Accept the open licence"), exact=True).click()
    expect(company.locator(".agreement")).to_contain_text("书面通知")
    expect(company.locator(".agreement")).to_contain_text("CN2026KF009001")
    company.locator("#signer_name").fill("赵敏")
    company.locator("#signer_title").fill("研发总监")
    company.locator("#consent").check()
    company.screenshot(path=str(screenshot_dir / "open-licence-review.png"), full_page=True)
    company.get_by_role("button", name=zh("Sign the agreement")).click()
    expect(company.locator(".flash-success")).to_have_text(zh(
        "Signed. The written notice has been delivered to the patentee."))
    licence_url = company.url
    company.get_by_role("button", name=zh("Pay"), exact=True).click()
    expect(company.get_by_role("heading", name=zh("Pay by bank transfer"))).to_be_visible()
    payment_url = company.url

    tto.goto(payment_url)
    tto.get_by_role("button", name=zh("Transfer received")).click()
    expect(tto.locator(".flash-success")).to_be_visible()

    company.goto(licence_url)
    expect(company.locator(".page-head .badge").first).to_have_text(zh("In force"))
    with company.expect_download() as download:
        company.get_by_role("link", name=zh("Certificate (PDF)")).click()
    pdf = tmp_path / "certificate.pdf"
    download.value.save_as(pdf)
    content = pdf.read_bytes()
    assert content.startswith(b"%PDF")
    sha256 = company.locator(".facts .hash").first.inner_text().strip()
    assert len(sha256) == 64

    pdftoppm = shutil.which("pdftoppm")  # poppler-utils: render the page as a person would see it
    if pdftoppm:
        png = screenshot_dir / "open-licence-certificate"
        subprocess.run([pdftoppm, "-png", "-r", "80", "-singlefile", str(pdf), str(png)],  # noqa: S603
                       check=True)
        assert (screenshot_dir / "open-licence-certificate.png").stat().st_size > 20_000

    company.get_by_role("link", name=zh("Public verification page")).click()
    expect(company.locator(".notice-ok").first).to_contain_text(zh(
        "Valid: this agreement was signed on this platform and has not been changed."))
    expect(company.locator(".facts .hash")).to_have_text(sha256)
    # Anyone holding the certificate file checks it by uploading it.
    visitor = browsing.new_page()
    visitor.goto("/verify")
    visitor.locator("#file").set_input_files(str(pdf))
    visitor.get_by_role("button", name=zh("Verify"), exact=True).click()
    # The upload's answer: the platform's signature holds and the certificate is this licence's.
    expect(visitor.locator(".notice-ok").first).to_be_visible()
    company.goto("/verify/" + hashlib.sha256(b"changed").hexdigest())
    expect(company.locator(".notice-bad")).to_be_visible()
    company.screenshot(path=str(screenshot_dir / "open-licence-verify-missing.png"))
