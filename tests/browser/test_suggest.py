"""Suggestions as you type, used with the keyboard alone, on a desktop and on a phone."""

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from marketplace import create_app
from marketplace.config import TestConfig
from marketplace.extensions import db
from marketplace.listings.models import ListingState
from tests import factories
from tests.browser.conftest import ROOT

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
_AXE_RUN = """async () => {
  const result = await axe.run(document, {runOnly: {type: "tag",
    values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, resultTypes: ["violations"]});
  return result.violations.map((v) => `${v.id}: ${v.help} -> ` +
    v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | "));
}"""


#: Titles no demo listing uses (the draft must never be suggested).
TITLES = ("磁悬浮轴承控制器", "一种磁悬浮列车悬浮间隙检测方法", "高速磁悬浮电机转子")
DRAFT = "磁悬浮草稿不公开"


@pytest.fixture(scope="module")
def listings(live_server, browser_database_url):
    """Three published listings and a draft, written to the live server's database."""
    app = create_app({"CONFIG_CLASS": TestConfig, "SQLALCHEMY_DATABASE_URI": browser_database_url})
    with app.app_context():
        org = factories.organisation(name="磁浮测试大学")
        for title in TITLES:
            factories.listing(org, title=title)
        factories.listing(org, title=DRAFT, state=ListingState.DRAFT)
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(params=sorted(SCREENS))
def page(request, browsing, listings) -> Page:
    page = browsing.new_page(**SCREENS[request.param])
    page.context.add_init_script(AXE.read_text(encoding="utf-8"))  # exempt from the page's CSP
    return page


def _tab_to(page: Page, selector: str) -> None:
    """Press Tab from the top of the page until ``selector`` has the focus."""
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    pytest.fail(f"Tab never reached {selector}")


def _active_option(page: Page, box):
    return page.locator(f"#{box.get_attribute('aria-activedescendant')}")


def test_pick_a_title_with_arrows_and_enter(page):
    page.goto("/listings")
    _tab_to(page, "#q")
    box = page.locator("#q")
    page.keyboard.type("磁悬浮")
    listbox = page.get_by_role("listbox")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("role", "combobox")
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(box).to_have_attribute("aria-controls", listbox.get_attribute("id"))
    options = listbox.get_by_role("option")
    expect(options).to_have_text([TITLES[0], TITLES[2], TITLES[1]])  # starts with it, then newest
    expect(page.get_by_role("status").filter(has_text="用上下方向键选择")).to_be_attached()
    assert page.evaluate(_AXE_RUN) == []
    width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1]

    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    first = options.first
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    expect(first).to_have_attribute("aria-selected", "true")
    expect(options.nth(1)).to_have_attribute("aria-selected", "false")
    expect(page.locator("#q")).to_be_focused()

    page.keyboard.press("Escape")  # closes the list, keeps the text
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("磁悬浮")
    page.keyboard.press("ArrowDown")  # opens it again on the first option
    expect(listbox).to_be_visible()
    title = _active_option(page, box).inner_text()
    page.keyboard.press("Enter")
    page.wait_for_url("**/listings/*")
    expect(page.locator("h1")).to_have_text(title)


def test_pick_a_field_from_the_home_page_filters_by_it(page):
    page.goto("/")
    _tab_to(page, "#home-q")
    page.keyboard.type("新能源汽")
    group = page.get_by_role("group", name="领域")
    expect(group.get_by_role("option")).to_have_text(["新能源汽车"])
    assert page.evaluate(_AXE_RUN) == []
    # The dictionary's term of the same name comes first (it searches the words): step past it.
    field = group.get_by_role("option").get_attribute("id")
    options = page.get_by_role("listbox").get_by_role("option")
    for _ in range(1 + [option.get_attribute("id") for option in options.all()].index(field)):
        page.keyboard.press("ArrowDown")
    expect(page.locator("#home-q")).to_have_attribute("aria-activedescendant", field)
    page.keyboard.press("Enter")
    page.wait_for_url("**/listings?*")
    assert parse_qs(urlsplit(page.url).query) == {"field": ["vehicles"]}


def test_enter_without_a_chosen_suggestion_searches_the_text(page):
    page.goto("/listings")
    _tab_to(page, "#q")
    page.keyboard.type("磁悬浮电机")
    expect(page.get_by_role("listbox")).to_be_visible()
    page.keyboard.press("Enter")
    page.wait_for_url("**/listings?q=*")
    assert parse_qs(urlsplit(page.url).query)["q"] == ["磁悬浮电机"]


def test_without_script_the_box_is_a_plain_search_box(browsing):
    page = browsing.new_page(java_script_enabled=False)
    page.goto("/listings")
    box = page.locator("#q")
    expect(box).not_to_have_attribute("role", "combobox")
    box.fill("传感器")
    box.press("Enter")
    page.wait_for_url("**/listings?q=*")
    assert page.get_by_role("listbox").count() == 0


def test_an_input_method_composing_is_left_alone(page):
    """Pinyin being composed asks for nothing, and the Enter that commits it picks nothing."""
    page.goto("/listings")
    box = page.locator("#q")
    box.focus()
    page.evaluate("""() => {
      const box = document.querySelector("#q");
      box.value = "cixuanfu";
      box.dispatchEvent(new InputEvent("input", {isComposing: true}));
    }""")
    page.wait_for_timeout(400)
    expect(page.get_by_role("listbox")).to_be_hidden()
    page.evaluate("""() => {
      const box = document.querySelector("#q");
      box.value = "磁悬浮";
      box.dispatchEvent(new CompositionEvent("compositionend", {data: "磁悬浮"}));
    }""")
    expect(page.get_by_role("listbox")).to_be_visible()
    page.keyboard.press("ArrowDown")
    page.evaluate("""() => document.querySelector("#q").dispatchEvent(
      new KeyboardEvent("keydown", {key: "Enter", isComposing: true, bubbles: true}))""")
    expect(page.get_by_role("listbox")).to_be_visible()
    assert urlsplit(page.url).path == "/listings"
