"""The menus by task in Chromium: opened by keyboard, closed by Escape with focus back on their
button, followed to a page, on a desktop and on a phone (390×844) where the nav folds behind Menu."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, Browsing
from tests.browser.test_pages import TTO_EMAIL, login
from tests.conftest import zh

pytestmark = pytest.mark.browser


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def focused_text(page: Page) -> str:
    return page.evaluate("document.activeElement.textContent.trim()")


def tab_to(page: Page, text: str, limit: int = 40) -> None:
    """Press Tab until the focused element's text is ``text``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused_text(page) == text:
            return
    raise AssertionError(f"Tab never reached {text!r}")


def test_desktop_menu_opens_by_keyboard_closes_on_escape_and_leads_to_the_page(browsing: Browsing):
    page = browsing.new_page()
    login(page, TTO_EMAIL)
    group = page.locator(".nav-main").get_by_role("button", name=zh("Licences and payments"))
    menu = page.locator("#nav-menu-money")
    receipts = menu.get_by_role("link", name=zh("Payments received"), exact=True)
    expect(group).to_have_attribute("aria-expanded", "false")
    expect(receipts).to_be_hidden()

    page.locator(".brand").focus()
    tab_to(page, zh("Licences and payments"))
    page.keyboard.press("Enter")
    expect(group).to_have_attribute("aria-expanded", "true")
    expect(receipts).to_be_visible()
    page.keyboard.press("Escape")
    expect(group).to_have_attribute("aria-expanded", "false")
    expect(receipts).to_be_hidden()
    assert focused_text(page) == zh("Licences and payments")

    # Space opens it again; Tab moves into the open menu and Enter follows a link.
    page.keyboard.press("Space")
    expect(receipts).to_be_visible()
    tab_to(page, zh("Payments received"))
    page.keyboard.press("Enter")
    expect(page).to_have_url("/manage/payments")
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Payments received"))
    expect(page.locator(".nav-main .nav-group-toggle.current")).to_have_text(zh("Licences and payments"))
    no_sideways_scroll(page)


def test_a_click_elsewhere_and_another_menu_close_an_open_menu(browsing: Browsing):
    page = browsing.new_page()
    login(page, TTO_EMAIL)
    discover = page.locator(".nav-main").get_by_role("button", name=zh("Discover"))
    roadshows = page.locator(".nav-main").get_by_role("button", name=zh("Roadshows"))
    discover.click()
    expect(discover).to_have_attribute("aria-expanded", "true")
    roadshows.click()
    expect(discover).to_have_attribute("aria-expanded", "false")
    expect(roadshows).to_have_attribute("aria-expanded", "true")
    page.locator(".site-footer").click()
    expect(roadshows).to_have_attribute("aria-expanded", "false")


def test_phone_nav_folds_behind_menu_and_opens_groups_by_keyboard(browsing: Browsing):
    page = browsing.new_page(**PHONE)
    login(page, TTO_EMAIL)
    toggle = page.get_by_role("button", name=zh("Menu"))
    bell = page.locator(".bar > .bell")
    group = page.locator(".nav-main").get_by_role("button", name=zh("Cooperation"))
    expect(bell).to_be_visible()  # the bell stays out of the folded nav
    expect(group).to_be_hidden()
    no_sideways_scroll(page)

    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    tab_to(page, zh("Cooperation"))
    page.keyboard.press("Enter")
    pipeline = page.locator("#nav-menu-cooperation").get_by_role("link", name=zh("Pipeline"), exact=True)
    expect(pipeline).to_be_visible()
    no_sideways_scroll(page)
    page.keyboard.press("Escape")
    expect(pipeline).to_be_hidden()
    assert focused_text(page) == zh("Cooperation")
    page.keyboard.press("Escape")  # a second Escape folds the nav, focus back on Menu
    expect(toggle).to_have_attribute("aria-expanded", "false")
    assert focused_text(page) == zh("Menu")

    toggle.click()
    group.click()
    tab_to(page, zh("Pipeline"))
    page.keyboard.press("Enter")
    expect(page).to_have_url("/manage/pipeline")
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Pipeline"))


def test_user_menu_holds_profile_organisation_language_and_logout(browsing: Browsing):
    page = browsing.new_page()
    login(page, TTO_EMAIL)
    who = page.locator(".nav-account .who")
    who.click()
    menu = page.locator("#nav-menu-user")
    expect(menu.get_by_role("link", name=zh("Your profile"))).to_be_visible()
    expect(menu.get_by_role("link", name=zh("My organisation"))).to_be_visible()
    menu.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator(".nav-account .who").click()
    page.locator("#nav-menu-user").get_by_role("button", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.locator(".nav-account .who").click()
    page.locator("#nav-menu-user").get_by_role("button", name=zh("Log out")).click()
    expect(page.locator("#site-nav").get_by_role("link", name=zh("Log in"))).to_be_visible()


def test_home_page_search_leads_to_results(browsing: Browsing):
    page = browsing.new_page(**PHONE)
    page.goto("/")
    no_sideways_scroll(page)
    page.get_by_role("combobox", name=zh("Search patents and achievements")).fill("电池")
    page.get_by_role("search").get_by_role("button", name=zh("Search")).click()
    expect(page).to_have_url("/listings?q=%E7%94%B5%E6%B1%A0")
    expect(page.locator("#q")).to_have_value("电池")
