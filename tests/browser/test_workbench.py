"""In Chromium, each role acts on one item of its workbench and sees it leave the list: the tto
confirms a bank transfer, a company and an investor open a reply, an inventor marks new interest
seen, an admin verifies an organisation. Every workbench fits a 390 px phone."""

import itertools
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from marketplace import create_app
from marketplace.accounts.models import User
from marketplace.config import TestConfig
from marketplace.extensions import db
from marketplace.interests import services as interests
from marketplace.interests import threads
from marketplace.interests.models import Timeline
from marketplace.licences import royalties
from marketplace.listings.models import ConversionMode
from marketplace.orgs.models import Organisation, OrgKind, OrgStatus
from tests import factories
from tests.browser.conftest import PHONE
from tests.browser.test_pages import login
from tests.conftest import zh

pytestmark = pytest.mark.browser
_serial = itertools.count(1)
DATA = {"intent": ConversionMode.ORDINARY_LICENCE, "timeline": Timeline.WITHIN_6_MONTHS,
        "message": "希望了解许可条件。"}


@dataclass
class World:
    transfer: str  # the payment's public id
    company_thread: int
    investor_thread: int
    inventor_listing: str
    pending_org: int


def _user(email: str) -> User:
    return db.session.scalar(db.select(User).where(User.email == email))


@pytest.fixture(scope="module")
def world(live_server, browser_database_url) -> World:
    """One item per role, made through the services on the live server's database."""
    n = next(_serial)
    app = create_app({"CONFIG_CLASS": TestConfig, "SQLALCHEMY_DATABASE_URI": browser_database_url})
    with app.app_context(), app.test_request_context():
        tto, company = _user("tto@demo.bxqx.cn"), _user("company@demo.bxqx.cn")
        investor, inventor = _user("investor@demo.bxqx.cn"), _user("inventor@demo.bxqx.cn")
        patent = factories.patent(tto.organisation, tto, title=f"一种工作台演示用正极材料{n}号")
        licence = factories.licence(company, factories.declaration(tto, patent))
        payment = royalties.pay_fee(company, licence, "bank_transfer")
        listing = factories.patent(tto.organisation, tto, title=f"一种发明人关注的隔膜涂层{n}号",
                                   modes=(ConversionMode.ORDINARY_LICENCE,))
        listing.inventor_users.append(inventor)
        db.session.commit()
        replies = []
        for person in (company, investor):
            interest = interests.express_interest(person, listing, DATA)
            interests.transition(tto, interest, "accept")
            threads.post_message(tto, interest, "欢迎来校交流，附上许可条件说明。")
            replies.append(interest.id)
        pending = Organisation(kind=OrgKind.COMPANY, status=OrgStatus.PENDING,
                               name=f"工作台待审核企业{n}", credit_code=factories.credit_code())
        db.session.add(pending)
        db.session.commit()
        made = World(payment.public_id, replies[0], replies[1], listing.title, pending.id)
        db.session.remove()
        db.engine.dispose()
    return made


def _section(page: Page, key: str):
    return page.locator(f"#wb-{key}")


def _fits_the_phone(page: Page) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1], f"the workbench scrolls sideways: {width}"


def test_tto_confirms_a_bank_transfer_from_the_workbench(browsing, world):
    page = browsing.new_page()
    login(page, "tto@demo.bxqx.cn")
    page.goto("/dashboard")
    item = _section(page, "transfers").locator(f'a[href="/payments/{world.transfer}"]')
    expect(item).to_be_visible()
    page.on("dialog", lambda dialog: dialog.accept())
    item.click()
    page.get_by_role("button", name=zh("Transfer received")).click()
    expect(page.locator(".flash-success")).to_contain_text(zh("Receipt confirmed. The payer has been told."))
    page.goto("/dashboard")
    expect(_section(page, "transfers").locator(f'a[href="/payments/{world.transfer}"]')).to_have_count(0)


@pytest.mark.parametrize("email, thread", [("company@demo.bxqx.cn", "company_thread"),
                                           ("investor@demo.bxqx.cn", "investor_thread")])
def test_company_and_investor_open_a_reply_from_the_workbench(browsing, world, email, thread):
    page = browsing.new_page(**PHONE)
    login(page, email)
    page.goto("/dashboard")
    _fits_the_phone(page)
    link = _section(page, "replies").locator(f'a[href="/interests/{getattr(world, thread)}"]')
    link.click()
    expect(page.get_by_text("欢迎来校交流，附上许可条件说明。")).to_be_visible()
    page.goto("/dashboard")
    expect(_section(page, "replies").locator(
        f'a[href="/interests/{getattr(world, thread)}"]')).to_have_count(0)


def test_inventor_marks_new_interest_seen(browsing, world):
    page = browsing.new_page(**PHONE)
    login(page, "inventor@demo.bxqx.cn")
    page.goto("/dashboard")
    _fits_the_phone(page)
    new = _section(page, "new_interest")
    expect(new.get_by_role("link", name=world.inventor_listing)).to_have_count(2)
    new.get_by_role("button", name=zh("Mark as seen")).click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(_section(page, "new_interest").get_by_role("link", name=world.inventor_listing)).to_have_count(0)
    expect(_section(page, "new_interest")).to_contain_text(zh("No new interest since you last looked."))


def test_admin_verifies_an_organisation_from_the_workbench(browsing, world):
    page = browsing.new_page()
    login(page, "admin@demo.bxqx.cn")
    page.goto("/dashboard")
    queue = _section(page, "verification")
    queue.locator(f'a[href="/admin/organisations/{world.pending_org}"]').click()
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=zh("Verify this organisation")).click()
    expect(page.locator(".flash-success")).to_be_visible()
    page.goto("/dashboard")
    expect(_section(page, "verification").locator(
        f'a[href="/admin/organisations/{world.pending_org}"]')).to_have_count(0)
