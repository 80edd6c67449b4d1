"""End to end in headless Chromium: language, logins by role, verification gates, forms, screenshots."""

import itertools
import re
import struct

import pytest
from playwright.sync_api import Page, expect

from marketplace.accounts.models import Role
from marketplace.demo import ACCOUNTS, DEMO_PASSWORD
from marketplace.mail import read_outbox
from marketplace.orgs import creditcode
from tests.browser.conftest import DESKTOP, PHONE, Browsing
from tests.conftest import zh
from tests.mail_support import plain

pytestmark = pytest.mark.browser

ADMIN_EMAIL = "admin@demo.bxqx.cn"
PENDING_EMAIL = "pending@demo.bxqx.cn"
TTO_EMAIL = "tto@demo.bxqx.cn"
NAMES = {email: name for email, name, *_ in ACCOUNTS}
ROLE_MSGIDS = {
    Role.TTO: "Technology-transfer officer",
    Role.INVENTOR: "Inventor / researcher",
    Role.INVESTOR: "Investor",
    Role.COMPANY: "Company R&D or licensing manager",
    Role.ADMIN: "Platform administrator",
}
NEW_PASSWORD = "Browser-check-2026"
#: A document the upload check accepts as a PDF (the registration form's two scans).
SCAN = b"%PDF-1.4\n% scan of a certificate\n%%EOF\n"
_serial = itertools.count(1)


def login(page: Page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the form and wait for the welcome message."""
    page.goto("/auth/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.get_by_role("button", name=zh("Log in"), exact=True).click()
    expect(page.locator(".flash-success")).to_have_text(zh("Welcome back, %(name)s.", name=NAMES[email]))


def register(page: Page, *, credit_code: str | None = None) -> dict[str, str]:
    """Fill in and submit the registration form for a new university; return what was typed."""
    n = next(_serial)
    body = f"12110000MA{n:07d}"
    typed = {
        "name": f"浏览器测试员{n}",
        "email": f"browser{n}@example.edu.cn",
        "org_name": f"浏览器测试大学{n}",
        "credit_code": credit_code or body + creditcode.check_character(body),
        "province": "北京市",
        "city": "北京市",
    }
    page.goto("/auth/register")
    for field_id, value in typed.items():
        page.locator(f"#{field_id}").fill(value)
    page.locator("#password").fill(NEW_PASSWORD)
    page.locator("#confirm").fill(NEW_PASSWORD)
    page.get_by_label(zh("University or research institute")).check()
    for field_id, name in (("business_licence", "事业单位法人证书.pdf"),
                           ("authorisation_letter", "授权委托书.pdf")):
        page.locator(f"#{field_id}").set_input_files(
            files=[{"name": name, "mimeType": "application/pdf", "buffer": SCAN}])
    page.locator("#accept").check()
    page.get_by_role("button", name=zh("Register"), exact=True).click()
    return typed


def confirmation_path(outbox, email: str) -> str:
    """The path of the last confirmation link mailed to ``email``."""
    mails = [message for message in read_outbox(outbox) if message["To"] == email]
    assert mails, f"no mail to {email}"
    return re.search(r"https?://[^/\s]+(/auth/confirm/\S+)", plain(mails[-1])).group(1)


def main_nav_hrefs(page: Page) -> list[str]:
    links = page.locator("#site-nav .nav-main a")
    return links.evaluate_all("links => links.map(a => a.getAttribute('href'))")


def test_home_page_is_chinese_and_switches_to_english_and_back(page):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page).to_have_title(re.compile("百校千项"))
    expect(page.locator(".brand-text")).to_contain_text("百校千项")
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Turn university patents into products"))
    expect(page.get_by_role("button", name="中文")).to_have_attribute("aria-pressed", "true")

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Turn university patents into products")).to_be_visible()
    expect(page.locator(".brand-text")).to_contain_text("Hundred Schools, Thousand Projects")
    expect(page.get_by_role("button", name="English")).to_have_attribute("aria-pressed", "true")
    expect(page).to_have_url(re.compile(r"^http://127\.0\.0\.1:\d+/$"))  # back on the page it was used on

    page.get_by_role("button", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Turn university patents into products"))
    expect(page.locator(".brand-text")).to_contain_text("百校千项")


@pytest.mark.parametrize(("email", "role"), [(email, role) for email, _, role, *_ in ACCOUNTS],
                         ids=[email.split("@")[0] for email, *_ in ACCOUNTS])
def test_demo_account_logs_in_and_sees_its_role_navigation(page, email, role):
    login(page, email)
    who = page.locator("#site-nav .who")
    expect(who).to_contain_text(NAMES[email])
    assert who.inner_text().count(zh(ROLE_MSGIDS[role])) <= NAMES[email].count(zh(ROLE_MSGIDS[role]))
    nav = page.locator("#site-nav .nav-main")
    if role is Role.ADMIN:
        expect(page).to_have_url(re.compile(r"/dashboard$"))  # the operators' workbench
        expect(nav.get_by_role("link", name=zh("Workbench"))).to_have_attribute("href", "/dashboard")
        nav.get_by_role("button", name=zh("Administration")).click()
        expect(nav.get_by_role("link", name=zh("Verification queue"))).to_have_attribute(
            "href", "/admin/organisations")
        expect(nav.get_by_role("link", name=zh("Audit log"))).to_have_attribute("href", "/admin/audit")
        hrefs = main_nav_hrefs(page)
        assert "/org" not in hrefs, hrefs
    else:
        expect(page).to_have_url(re.compile(r"/dashboard$"))
        expect(nav.get_by_role("link", name=zh("Workbench"))).to_have_attribute("href", "/dashboard")
        who.click()
        expect(page.locator("#nav-menu-user").get_by_role("link", name=zh("My organisation"))
               ).to_have_attribute("href", "/org")
        expect(page.locator('a[href^="/admin"]')).to_have_count(0)
    for link in nav.locator(":scope > li > a").all():
        expect(link).to_be_visible()


def test_unverified_organisation_cannot_invite(browsing):
    pending = browsing.new_page()
    login(pending, PENDING_EMAIL)
    expect(pending).to_have_url(re.compile(r"/dashboard$"))
    awaiting = zh("Your organisation is awaiting verification")
    expect(pending.get_by_role("heading", name=awaiting)).to_be_visible()
    pending.goto("/org")
    not_yet = zh("You can invite members once your organisation is verified.")
    expect(pending.get_by_text(not_yet)).to_be_visible()
    expect(pending.locator('form[action="/org/invitations"]')).to_have_count(0)
    expect(pending.locator("#invite input[type=email]")).to_have_count(0)

    # The same page for the administrator of a verified university does have the form.
    verified = browsing.new_page()
    login(verified, "tto@demo.bxqx.cn")
    verified.goto("/org")
    expect(verified.locator('form[action="/org/invitations"]')).to_be_visible()
    expect(verified.get_by_text(not_yet)).to_have_count(0)


def test_registration_with_a_wrong_credit_code_explains_and_keeps_the_input(page):
    typed = register(page, credit_code="91350100M000100Y44")
    expect(page).to_have_url(re.compile(r"/auth/register$"))
    errors = page.locator("#credit_code-errors")
    expect(errors).to_have_text(
        zh("The check character (the last one) does not match; please check the code."))
    expect(page.locator("#credit_code")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#credit_code")).to_have_attribute(
        "aria-describedby", "credit_code-hint credit_code-errors")  # its hint, then its error
    # The error sits in the credit-code field's own block, and it is the only one on the page.
    expect(page.locator(".field.has-error")).to_have_count(1)
    expect(page.locator(".field.has-error #credit_code")).to_have_count(1)
    for field_id in ("name", "email", "org_name", "credit_code", "province", "city"):
        expect(page.locator(f"#{field_id}")).to_have_value(typed[field_id])
    expect(page.get_by_label(zh("University or research institute"))).to_be_checked()
    # Passwords are never sent back into the page.
    expect(page.locator("#password")).to_have_value("")


def test_admin_rejects_and_verifies_organisations_from_the_queue(browsing: Browsing, live_outbox):
    # Two new universities register (each in its own browser), so the demo data stays as it is.
    applicants = {}
    for outcome in ("rejected", "verified"):
        applicant = browsing.new_page()
        typed = register(applicant)
        # First the e-mail address is confirmed (tests/security/test_email_confirmation.py).
        expect(applicant).to_have_url(re.compile(r"/auth/confirm$"))
        expect(applicant.locator(".flash-success")).to_have_text(zh(
            "Welcome! Open the link we sent to %(email)s to confirm your address. Your "
            "organisation has been submitted for verification.", email=typed["email"]))
        awaiting = zh("Your organisation is awaiting verification")
        expect(applicant.get_by_role("heading", name=awaiting)).to_be_visible()
        applicant.goto(confirmation_path(live_outbox, typed["email"]))
        expect(applicant).to_have_url(re.compile(r"/dashboard$"))
        expect(applicant.get_by_role("heading", name=awaiting)).to_be_visible()
        applicants[outcome] = (applicant, typed["org_name"])
    rejected_page, rejected_name = applicants["rejected"]
    verified_page, verified_name = applicants["verified"]
    reason = "营业执照扫描件不清晰，请重新上传。"

    admin = browsing.new_page()
    login(admin, ADMIN_EMAIL)
    admin.goto("/admin/organisations")
    queue = admin.locator("main table")
    for demo_name in ("江南能源技术研究院", "北辰智能装备"):
        expect(queue.get_by_role("link", name=re.compile(demo_name))).to_be_visible()
    for name in (rejected_name, verified_name):
        expect(queue.get_by_role("link", name=name, exact=True)).to_be_visible()

    queue.get_by_role("link", name=rejected_name, exact=True).click()
    expect(admin.get_by_role("heading", level=1)).to_contain_text(rejected_name)
    admin.get_by_label(zh("Reason for the organisation")).fill(reason)
    admin.get_by_role("button", name=zh("Reject with this reason")).click()
    expect(admin).to_have_url(re.compile(r"/admin/organisations$"))
    expect(admin.locator(".flash")).to_have_text(
        zh("%(name)s was rejected; its administrators have been told why.", name=rejected_name))
    expect(queue.get_by_role("link", name=rejected_name, exact=True)).to_have_count(0)
    expect(queue.get_by_role("link", name=verified_name, exact=True)).to_be_visible()

    queue.get_by_role("link", name=verified_name, exact=True).click()
    admin.get_by_role("button", name=zh("Verify this organisation")).click()
    expect(admin).to_have_url(re.compile(r"/admin/organisations$"))
    expect(admin.locator(".flash")).to_have_text(zh("%(name)s is verified.", name=verified_name))
    expect(queue.get_by_role("link", name=verified_name, exact=True)).to_have_count(0)
    # The demo organisations nobody decided on are still waiting.
    expect(queue.get_by_role("link", name=re.compile("江南能源技术研究院"))).to_be_visible()

    admin.goto("/admin/organisations?status=verified")
    expect(queue.get_by_role("link", name=verified_name, exact=True)).to_be_visible()
    expect(queue.get_by_role("link", name=rejected_name, exact=True)).to_have_count(0)
    admin.goto("/admin/organisations?status=rejected")
    expect(queue.get_by_role("link", name=rejected_name, exact=True)).to_be_visible()

    # What the applicants see next.
    rejected_page.reload()
    expect(rejected_page.get_by_role("heading", name=zh("Your organisation needs changes"))).to_be_visible()
    expect(rejected_page.get_by_text(reason)).to_be_visible()
    verified_page.goto("/org")
    expect(verified_page.locator('form[action="/org/invitations"]')).to_be_visible()


def test_content_security_policy_blocks_and_reports_inline_script(browsing: Browsing):
    """The console check of the other tests can fail: an injected inline script is caught."""
    page = browsing.new_page()

    def inject(route):
        response = route.fetch()
        html = response.text().replace("</body>", "<script>document.title = 'pwned';</script></body>")
        route.fulfill(response=response, body=html)

    page.route(re.compile(r"/$"), inject)
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.title() != "pwned"
    assert any(v.startswith("script-src") for v in page.evaluate("window.__cspViolations"))
    log = browsing.log(page)
    assert any("Content Security Policy" in text for text in log.console_errors)
    log.console_errors.clear()  # seen and expected; the fixture must not fail the test for it


def test_phone_menu_opens_and_closes(browsing: Browsing):
    page = browsing.new_page(**PHONE)
    page.goto("/")
    toggle = page.get_by_role("button", name=zh("Menu"))
    login_link = page.locator("#site-nav").get_by_role("link", name=zh("Log in"))
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(login_link).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(login_link).to_be_visible()
    expect(page.get_by_role("button", name="English")).to_be_visible()
    toggle.click()
    expect(login_link).to_be_hidden()


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize(("name", "path", "device", "account"), [
    ("home-desktop", "/", DESKTOP, None),
    ("home-phone", "/", PHONE, None),
    ("login", "/auth/login", DESKTOP, None),
    ("admin-queue", "/admin/organisations", DESKTOP, ADMIN_EMAIL),
    # The funnel's table scrolls inside its own box on a phone, not the page.
    ("pipeline-phone", "/manage/pipeline", PHONE, TTO_EMAIL),
], ids=["home-desktop", "home-phone", "login", "admin-queue", "pipeline-phone"])
def test_screenshot(browsing: Browsing, screenshot_dir, name, path, device, account):
    target = screenshot_dir / f"{name}.png"
    target.unlink(missing_ok=True)
    page = browsing.new_page(**device)
    if account:
        login(page, account)
    response = page.goto(path)
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.evaluate("document.fonts.ready.then(() => true)")

    page.screenshot(path=str(target), full_page=True)

    data = target.read_bytes()
    width, height = _png_size(data)
    viewport = device["viewport"]
    scale = device.get("device_scale_factor", 1)
    assert width == viewport["width"] * scale
    assert height >= viewport["height"] * scale
    assert len(data) > 20_000, f"{target} is only {len(data)} bytes"
    # Nothing sticks out sideways (no horizontal scrolling).
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert page.evaluate("window.__cspViolations") == []
    log = browsing.log(page)
    assert log.console_errors == []
    assert log.page_errors == []
    assert log.bad_responses == []
