"""From a spreadsheet to the search results: the tto imports, a visitor finds and filters."""

import io
import itertools

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from marketplace.listings.imports.validation import COLUMNS
from marketplace.listings.patentno import check_character
from tests.browser.test_pages import login
from tests.conftest import zh

pytestmark = pytest.mark.browser
#: A word no demo listing uses, so the search finds exactly what this test adds.
TERM = "钛酸锂微球"
_serial = itertools.count(1)


def number(kind_digit: str) -> str:
    """A valid application number in a range the demo data does not use."""
    digits = f"2015{kind_digit}09{next(_serial):05d}"
    return f"{digits}.{check_character(digits)}"


def rows() -> list[dict]:
    base = {"abstract": f"本发明涉及一种{TERM}负极材料，倍率性能优异，可用于快充储能电池与电动工具。",
            "field": zh("New materials"), "inventors": "陈明, 赵丽", "trl": 5,
            "contact_name": "王晓梅", "contact_email": "tto@demo.bxqx.cn"}
    good = [
        {**base, "kind": zh("Invention patent"), "title": f"一种{TERM}的制备方法",
         "application_number": number("1"), "legal_status": zh("Granted and in force"),
         "application_date": "2015-06-01", "grant_date": "2017-09-12", "grade": "A",
         "modes": f"{zh('Try first, pay later')}，{zh('Ordinary licence')}"},
        {**base, "kind": zh("Utility model patent"), "title": f"{TERM}烧结炉",
         "application_number": number("2"), "legal_status": zh("Under examination"), "grade": "B",
         "modes": zh("Transfer")},
        {**base, "kind": zh("Non-patent achievement"), "title": f"{TERM}中试工艺包", "grade": "A",
         "modes": zh("Equity investment")},
    ]
    wrong = number("1")
    bad = {**base, "kind": zh("Invention patent"), "title": f"{TERM}包覆改性技术",
           "application_number": wrong[:-1] + ("0" if wrong[-1] != "0" else "1"),
           "legal_status": zh("Under examination"), "grade": "A", "modes": zh("Try first, pay later")}
    return good + [bad]


def filled_template(page: Page) -> bytes:
    """Download the template through the page and fill it in as a tto would."""
    with page.expect_download() as download:
        page.get_by_role("link", name=zh("Download the template (XLSX)")).click()
    workbook = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    labels = {zh(label): name for name, label in _labels().items()}
    names = [labels.get((header or "").rstrip(" *＊"), None) for header in headers]
    assert set(names) >= {name for name, required in COLUMNS if required}, headers
    for row_number, row in enumerate(rows(), start=2):
        for column, name in enumerate(names, start=1):
            sheet.cell(row=row_number, column=column, value=row.get(name) if name else None)
    out = io.BytesIO()
    workbook.save(out)
    workbook.close()
    return out.getvalue()


def _labels() -> dict[str, str]:
    return {"kind": "Type", "title": "Title", "abstract": "Abstract", "field": "Field",
            "ipc_codes": "IPC codes", "keywords": "Keywords", "inventors": "Inventors",
            "application_number": "Application number", "application_date": "Application date",
            "grant_date": "Grant date", "legal_status": "Legal status", "grade": "Grade",
            "trl": "Technology readiness level (1–9)", "modes": "Conversion modes offered",
            "asking_price": "Asking price (CNY)", "terms": "Terms", "contact_name": "Contact person",
            "contact_email": "Contact e-mail", "contact_phone": "Contact phone"}


def test_import_fix_by_hand_then_find_and_filter(browsing):
    tto = browsing.new_page(accept_downloads=True)
    login(tto, "tto@demo.bxqx.cn")
    tto.goto("/manage/imports/new")
    content = filled_template(tto)
    tto.locator("#file").set_input_files(files=[{
        "name": "成果导入.xlsx", "buffer": content,
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    tto.get_by_role("button", name=zh("Upload and check")).click()

    # The report names row 5, the application-number column and the problem.
    problems = tto.locator("table.import-problems tbody tr")
    expect(problems).to_have_count(1)
    expect(problems.first).to_contain_text("5")
    expect(problems.first).to_contain_text(zh("Application number"))
    expect(problems.first).to_contain_text(
        zh("The check character (after the dot) does not match; please check the number."))
    tto.locator("#publish").check()
    import_form = tto.locator("form[action$='/import']")
    expect(import_form.locator("button[type=submit]")).to_contain_text("3")
    import_form.locator("button[type=submit]").click()
    expect(tto.locator(".flash-success")).to_have_text(
        zh("%(n)d listings were imported and published.", n=3))

    # The fourth row, corrected, by hand.
    tto.goto("/manage/listings/new")
    tto.locator("#kind").select_option("invention")
    tto.locator("#title").fill(f"{TERM}包覆改性技术")
    tto.locator("#abstract").fill(rows()[0]["abstract"])
    tto.locator("#field").select_option("materials")
    tto.locator("#grade").select_option("A")
    tto.locator("#inventors").fill("陈明")
    tto.locator("#application_number").fill(number("1"))
    tto.locator("#legal_status").select_option("pending")
    tto.locator("#trl").fill("4")
    tto.get_by_label(zh("Try first, pay later")).check()
    tto.get_by_role("button", name=zh("Save"), exact=True).click()
    expect(tto.locator(".flash-success")).to_have_text(zh("Draft saved. Check it, then publish it."))
    tto.get_by_role("button", name=zh("Publish"), exact=True).click()
    expect(tto.locator(".flash-success")).to_have_text(zh("The listing is published."))

    # A visitor finds all four, then narrows to grade A offered "try first, pay later".
    visitor = browsing.new_page()
    visitor.goto("/listings")
    visitor.locator("#q").fill(TERM)
    visitor.get_by_role("button", name=zh("Search"), exact=True).click()
    results = visitor.locator("article.result")
    expect(results).to_have_count(4)
    expect(results.first.locator("mark").first).to_have_text(TERM)
    visitor.locator(".facets").get_by_role("link", name=zh("Grade A")).click()
    expect(results).to_have_count(3)
    visitor.locator(".facets").get_by_role("link", name=zh("Try first, pay later")).click()
    expect(results).to_have_count(2)
    results.first.locator("h3 a").click()
    expect(visitor.locator("h1")).to_contain_text(TERM)
    offered = visitor.locator(".detail-layout p.modes .chip")
    expect(offered.filter(has_text=zh("Try first, pay later"))).to_have_count(1)
