"""End to end in Chromium (issue 18): an inventor discloses an invention and submits it; the tto
assesses it, decides to file, records the application and the grant and makes the listing draft;
the listing is published and a company expresses interest; the chain screen shows every step, and
the inventors' shares from the disclosure are the listing's contribution shares."""

import itertools
import os

import pytest
from playwright.sync_api import Page, expect

from marketplace.listings.patentno import check_character
from tests.browser.test_pages import login
from tests.conftest import zh

pytestmark = pytest.mark.browser
_serial = itertools.count(1)


def _number() -> str:
    digits = f"20241{os.getpid() % 100:02d}{next(_serial):05d}"
    return f"{digits}.{check_character(digits)}"


def _accept_dialogs(page: Page) -> None:
    page.on("dialog", lambda dialog: dialog.accept())


def test_disclosure_to_listing_to_interest(browsing, screenshot_dir):
    title = f"一种硫化物固态电解质的干法成膜工艺{next(_serial)}号"
    number = _number()
    inventor, tto, company = browsing.new_page(), browsing.new_page(), browsing.new_page()
    for page in (inventor, tto, company):
        _accept_dialogs(page)
    login(inventor, "inventor@demo.bxqx.cn")
    login(tto, "tto@demo.bxqx.cn")
    login(company, "company@demo.bxqx.cn")

    # The inventor finds disclosures under "My university" and files one with an outside co-inventor.
    inventor.goto("/dashboard")
    inventor.get_by_role("button", name=zh("My university")).click()
    inventor.get_by_role("link", name=zh("Invention disclosures"), exact=True).click()
    inventor.get_by_role("link", name=zh("Disclose an invention")).click()
    inventor.locator("#title").fill(title)
    inventor.locator("#field").select_option("energy")
    inventor.locator("#problem").fill("硫化物电解质湿法成膜需用溶剂，易分解且难以量产。")
    inventor.locator("#solution").fill("以聚四氟乙烯纤维化干法成膜，厚度 30 微米，室温离子电导率保持 90%。")
    inventor.locator("#novelty").fill("现有干法工艺用于正极，未见用于硫化物电解质薄膜。")
    expect(inventor.locator("#inventors-0-email")).to_have_value("inventor@demo.bxqx.cn")
    inventor.locator("#inventors-0-share_pct").fill("70")
    inventor.locator("#inventors-1-name").fill("陈晓东")
    inventor.locator("#inventors-1-share_pct").fill("30")
    inventor.locator("#public_dates-0-kind").select_option("conference")
    inventor.locator("#public_dates-0-planned_on").fill("2099-05-20")
    inventor.locator("#public_dates-0-venue").fill("全国固态电池学术会议")
    inventor.get_by_role("button", name=zh("Save the draft")).click()
    expect(inventor.locator("h1")).to_have_text(title)
    expect(inventor.locator(".page-head .disclosure-state")).to_have_attribute("data-state", "draft")
    inventor.get_by_role("button", name=zh("Submit to the technology-transfer office")).click()
    expect(inventor.locator(".page-head .disclosure-state")).to_have_attribute("data-state", "submitted")
    detail_url = inventor.url

    # The tto finds it on the workbench and assesses it.
    tto.goto("/dashboard")
    tto.get_by_role("link", name=title).first.click()
    tto.get_by_role("link", name=zh("Assess and decide")).click()
    tto.locator("#novelty_score").fill("4")
    tto.locator("#inventiveness_score").fill("4")
    tto.locator("#practicality_score").fill("5")
    tto.locator("#prior_art").fill("CN113000000A")
    tto.locator("#trl").fill("4")
    tto.locator("#likely_licensees").fill("动力电池企业")
    tto.locator("#recommendation").select_option("file_invention")
    tto.locator("#grade").select_option("A")
    tto.locator("#conclusion").fill("具备新颖性和创造性，市场前景好，建议申请发明专利。")
    tto.locator("#decision_note").fill("建议在会议前提交发明专利申请。")
    tto.get_by_role("button", name=zh("Save and record the decision")).click()
    expect(tto.locator(".disclosure-decision")).to_contain_text("建议在会议前提交发明专利申请。")

    # Filing and grant.
    tto.locator("#application_number").fill(number)
    tto.locator("#filed_on").fill("2025-03-01")
    tto.get_by_role("button", name=zh("Record the application")).click()
    expect(tto.locator(".application-number")).to_have_text(number)
    tto.locator("input[name=outcome][value=granted]").check()
    tto.locator("#on").fill("2025-11-20")
    tto.get_by_role("button", name=zh("Record the result")).click()
    expect(tto.locator(".filing-outcome")).to_have_attribute("data-outcome", "granted")

    # The listing draft, pre-filled; the tto chooses a mode and publishes it.
    tto.get_by_role("button", name=zh("Make a listing draft")).click()
    expect(tto.locator("#title")).to_have_value(title)
    expect(tto.locator("#application_number")).to_have_value(number)
    expect(tto.locator("#grade")).to_have_value("A")
    expect(tto.locator("#trl")).to_have_value("4")
    tto.locator("input[name=modes][value=ordinary_licence]").check()
    tto.get_by_role("button", name=zh("Save"), exact=True).click()
    tto.get_by_role("button", name=zh("Publish"), exact=True).click()
    expect(tto.locator(".flash-success")).to_be_visible()
    listing_url = tto.url
    listing_id = listing_url.rstrip("/").split("/")[-1]
    tto.goto(f"/manage/listings/{listing_id}/shares")
    expect(tto.locator("#rows-0-share_pct")).to_have_value("70.00")
    expect(tto.locator("#rows-1-name")).to_have_value("陈晓东")
    expect(tto.locator("#rows-1-share_pct")).to_have_value("30.00")

    # A company expresses interest in the published listing.
    company.goto(listing_url)
    company.get_by_role("link", name=zh("Express interest")).click()
    company.locator("#intent").select_option("ordinary_licence")
    company.locator("#timeline").select_option("3m")
    company.locator("#message").fill("我司拟建设干法电解质膜中试线，希望洽谈许可。")
    company.get_by_role("button", name=zh("Send to the university")).click()
    expect(company.locator(".flash-success")).to_have_text(zh("Your interest was sent to the university."))

    # The chain screen, as the inventor sees it: every step up to the interest is done.
    inventor.goto(detail_url)
    inventor.get_by_role("link", name=zh("From disclosure to deals")).click()
    for step in ("disclosure", "application", "patent", "listing", "interests"):
        expect(inventor.locator(f'.chain-step[data-step="{step}"]')).to_have_class("chain-step done")
    expect(inventor.locator('.chain-step[data-step="deals"]')).to_have_class("chain-step todo")
    expect(inventor.locator('.chain-step[data-step="application"]')).to_contain_text(number)
    expect(inventor.locator('.chain-step[data-step="patent"]')).to_contain_text("ZL" + number)
    expect(inventor.locator('.chain-step[data-step="interests"]')).to_contain_text("青禾新材料")
    inventor.screenshot(path=str(screenshot_dir / "disclosure-chain.png"), full_page=True)
