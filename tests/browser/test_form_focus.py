"""After a failed submit the focus is on the first field in error, which names its error."""

import pytest
from playwright.sync_api import Page, expect

from marketplace.demo import DEMO_PASSWORD
from tests.browser.conftest import PHONE
from tests.conftest import zh

pytestmark = pytest.mark.browser

_FOCUSED = """() => {
  const el = document.activeElement;
  const described = (el.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
  return {id: el.id, tag: el.tagName, invalid: el.getAttribute("aria-invalid"),
          described: described.map((id) => (document.getElementById(id) || {}).textContent || "")};
}"""


def _focused(page: Page) -> dict:
    return page.evaluate(_FOCUSED)


def test_a_failed_registration_puts_the_focus_on_the_first_field_in_error(page: Page):
    page.goto("/auth/register")
    page.locator("#name").fill("焦点测试员")
    page.locator("main form button[type=submit]").last.click()
    expect(page.locator(".has-error").first).to_be_visible()
    focused = _focused(page)
    assert focused["tag"] != "BODY"
    first_error = page.locator(".has-error input:not([type=hidden]), .has-error select").first
    assert focused["id"] == first_error.get_attribute("id")
    assert focused["invalid"] == "true"
    assert any(text.strip() for text in focused["described"])  # its error text, read with it
    # Typing goes straight into the field; what was typed before is still there.
    page.keyboard.type("x")
    assert "x" in page.locator(f"#{focused['id']}").input_value()
    expect(page.locator("#name")).to_have_value("焦点测试员")


def test_a_required_choice_left_empty_is_focused_on_a_phone(browsing):
    page = browsing.new_page(**PHONE)
    page.goto("/auth/login")
    page.locator("#email").fill("tto@demo.bxqx.cn")
    page.locator("#password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name=zh("Log in"), exact=True).click()
    page.goto("/manage/lists/new")
    kind = page.locator("select#kind")
    expect(kind.locator("option").first).to_have_text(zh("Choose…"))
    page.locator("#title").fill("焦点测试清单")
    page.locator("main form button[type=submit]").last.click()
    expect(page.locator("#kind-errors")).to_contain_text(zh("Choose an option for “%(label)s”.",
                                                            label=zh("Kind of list")))
    focused = _focused(page)
    assert focused["id"] == "kind" and focused["invalid"] == "true"
    expect(page.locator("#title")).to_have_value("焦点测试清单")
