"""Issue 19 §2: every XLSX and CSV export opens with ``pandas.read_excel`` / ``pandas.read_csv``
with default arguments: the header in row 1, identifiers as text, amounts as numbers, dates as
dates; the title and metadata on the About sheet and in the document properties; download names
whose ASCII fallback says what the file is and whose UTF-8 name keeps the Chinese."""

import io
import re
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import unquote

import pandas as pd
import pytest
from openpyxl import load_workbook
from pandas.api import types

from events.live.models import LiveInterest, LiveQuestion, QuestionStatus
from events.models import RoadshowState
from marketplace import timezones
from marketplace.accounts.models import Role
from marketplace.action import registry
from marketplace.action import services as action
from marketplace.action.models import Batch
from marketplace.action.registry import DealRef
from marketplace.db_types import utcnow
from marketplace.extensions import db
from marketplace.ledger.models import UniversityFinance
from marketplace.listings.models import LegalStatus
from marketplace.payments import services as payments
from tests import factories
from tests.conftest import login, post, zh, zhp
from tests.factories import at
from tests.lists_support import add, new_list
from tests.payments_support import hooks, parties, start  # noqa: F401  (fixtures)

ABOUT = "about this file"


def names(response) -> tuple[str, str]:
    """(ASCII fallback, UTF-8 name) of a download."""
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    plain = re.search(r'filename="([^"]+)"', disposition).group(1)
    full = re.search(r"filename\*=UTF-8''([^;]+)", disposition).group(1)
    assert plain.isascii()
    return plain, unquote(full)


def is_text(column: pd.Series) -> bool:
    """A column pandas reads as text (``object`` or pandas 3's ``str``), every value a ``str``."""
    return (column.dtype == object or types.is_string_dtype(column.dtype)) and all(
        isinstance(value, str) for value in column.dropna())


def about_sheet(content: bytes) -> dict:
    about = pd.read_excel(io.BytesIO(content), sheet_name=zh("About this file"))
    assert list(about.columns) == [zhp(ABOUT, "Item"), zhp(ABOUT, "Value")]
    return dict(zip(about.iloc[:, 0], about.iloc[:, 1], strict=True))


def check_properties(content: bytes, title: str) -> None:
    properties = load_workbook(io.BytesIO(content)).properties
    assert properties.title == title and properties.subject and properties.creator == "百校千项"
    assert properties.created is not None


# --- a published list ----------------------------------------------------------------------------

def test_a_lists_workbook_reads_cleanly_in_pandas(client, auth, make_user):
    tto = make_user(Role.TTO)
    auth.login(tto.email)
    org = tto.organisation
    plist = new_list(client)
    add(client, plist, factories.listing(org, title="一种锂离子电池正极材料",
                                         application_number="202219001969.2"))
    add(client, plist, factories.listing(org, title="一种柔性压力传感器",
                                         application_number="201710601862.3",
                                         legal_status=LegalStatus.PENDING))
    add(client, plist, factories.listing(org, title="高校实验室共享平台"))  # not a patent
    post(client, f"/manage/lists/{plist.id}/publish")

    response = client.get(f"/lists/{plist.id}/versions/1.xlsx")
    assert names(response) == (f"bxqx-list-{plist.id}-v1.xlsx", "2026年度高价值专利清单-v1.xlsx")
    content = response.get_data()
    frame = pd.read_excel(io.BytesIO(content))
    print(frame.to_string())  # noqa: T201  (shown with -s: what finance staff see)
    print(frame.dtypes.to_string())  # noqa: T201
    assert list(frame.columns) == [zh("No."), zh("Title"), zh("Type"), zh("Application number"),
                                   zh("Patent number"), zh("Legal status"), zh("Grade"), "TRL",
                                   zh("Field"), zh("Conversion modes"), zh("University"),
                                   zh("Inventors"), zh("Link")]
    numbers = frame[zh("Application number")]
    assert is_text(numbers) and is_text(frame[zh("Patent number")])
    assert list(numbers.fillna("")) == ["CN202219001969.2", "CN201710601862.3", ""]
    assert list(frame[zh("Patent number")].fillna("")) == ["ZL202219001969.2", "", ""]
    assert types.is_integer_dtype(frame[zh("No.")]) and list(frame[zh("No.")]) == [1, 2, 3]
    assert types.is_integer_dtype(frame["TRL"])
    assert frame[zh("Link")][0].endswith("/listings/" + str(plist.items[0].listing_id))

    cells = load_workbook(io.BytesIO(content)).active
    assert cells["D2"].data_type == "s" and cells["D2"].number_format == "@"
    about = about_sheet(content)
    assert about[zhp(ABOUT, "Title")] == "2026年度高价值专利清单"
    assert about[zh("Version")] == 1 and about[zhp(ABOUT, "Listings")] == 3
    assert about[zhp(ABOUT, "Published by")] == org.name
    published = about[zhp(ABOUT, "Published (China Standard Time)")]
    assert isinstance(published, datetime)  # a date cell (pd.Timestamp is one too)
    assert published.date() == utcnow().astimezone(timezones.BEIJING).date()
    assert len(about["SHA-256"]) == 64
    check_properties(content, "2026年度高价值专利清单")

    pdf = client.get(f"/lists/{plist.id}/versions/1.pdf")
    assert names(pdf) == (f"bxqx-list-{plist.id}-v1.pdf", "2026年度高价值专利清单-v1.pdf")


# --- the dashboards ------------------------------------------------------------------------------

@pytest.fixture
def enrolled_tto(make_user):
    admin = make_user(Role.ADMIN)
    action.seed_batches(admin)
    batch = db.session.query(Batch).filter_by(number=2).one()
    action.update_batch(admin, batch, {"ends_on": date(2026, 12, 31)})
    tto = make_user(Role.TTO)
    action.enrol(tto, batch)
    return admin, tto


def test_every_dashboard_table_reads_cleanly_as_csv_and_xlsx(client, auth, enrolled_tto):
    admin, tto = enrolled_tto
    year = utcnow().astimezone(timezones.BEIJING).year
    listing = factories.listing(tto.organisation, application_number="202219001969.2")

    def deals(org_id, asked_year):
        if org_id != tto.organisation_id or asked_year != year:
            return []
        return [DealRef(key="licence:7", listing_id=listing.id, mode="ordinary_licence",
                        concluded_on=date(year, 1, 20), title=listing.title,
                        counterparty="青禾新材料", amount=Decimal("120000.50"))]

    registry.register_deal_source(deals, name="test.sheets")
    try:
        for user, base in ((tto, "/action/our-dashboard"), (admin, "/action/dashboard")):
            auth.logout()
            login(auth, user)
            page = client.get(f"{base}?year={year}").get_data(as_text=True)
            keys = re.findall(rf'href="{base}/([a-z_]+)\.csv', page)
            assert keys
            for key in keys:
                csv_response = client.get(f"{base}/{key}.csv?year={year}")
                xlsx_response = client.get(f"{base}/{key}.xlsx?year={year}")
                plain, full = names(xlsx_response)
                assert plain.startswith("bxqx-dashboard-") and plain.endswith(f"-{key}-{year}.xlsx")
                assert full.endswith(f"-{year}.xlsx") and not full.isascii()
                from_csv = pd.read_csv(io.BytesIO(csv_response.get_data()))
                from_xlsx = pd.read_excel(io.BytesIO(xlsx_response.get_data()))
                assert list(from_csv.columns) == list(from_xlsx.columns)
                assert not any(str(c).startswith("Unnamed") for c in from_xlsx.columns)
                assert len(from_csv) == len(from_xlsx)
                for frame in (from_csv, from_xlsx):
                    for column in frame.columns:
                        if "（元）" in column:  # numbers; with fen (¥120,000.50 here), floats
                            assert types.is_float_dtype(frame[column]), (key, column)
                        elif column in (zh("University"), zh("Secondary unit")):
                            assert is_text(frame[column]), (key, column)
                assert zh("Year") in about_sheet(xlsx_response.get_data())
        auth.logout()
        login(auth, tto)
        conversions = pd.read_excel(io.BytesIO(client.get(
            f"/action/our-dashboard/conversions.xlsx?year={year}").get_data()))
        assert conversions[zh("Amount (CNY)")].tolist() == [120000.5]
        assert types.is_datetime64_any_dtype(conversions[zh("Date")])
        assert conversions[zh("Date")][0].date() == date(year, 1, 20)
        conversions_csv = pd.read_csv(io.BytesIO(client.get(
            f"/action/our-dashboard/conversions.csv?year={year}").get_data()))
        assert conversions_csv[zh("Amount (CNY)")].tolist() == [120000.5]
        assert conversions_csv[zh("Date")].tolist() == [f"{year}-01-20"]
    finally:
        registry.unregister_deal_source("test.sheets")


# --- revenue statements --------------------------------------------------------------------------

def test_revenue_statements_read_cleanly_as_csv(parties, hooks, client, auth):  # noqa: F811
    db.session.add(UniversityFinance(organisation_id=parties.university.id,
                                     inventors_pct=Decimal("50"), tto_pct=Decimal("20"),
                                     university_pct=Decimal("30")))
    db.session.commit()
    payments.confirm_bank_transfer(start(parties, "bank_transfer", amount="100.01"), parties.tto)
    auth.login(parties.tto.email)
    response = client.get("/manage/revenue.csv")
    assert names(response) == (f"bxqx-revenue-{parties.university.id}.csv",
                               zh("Revenue statement") + ".csv")
    frame = pd.read_csv(io.BytesIO(response.get_data()))
    assert list(frame.columns) == [zh("Date"), zh("Payment number"), zh("Listing"), zh("Payer"),
                                   zh("Entry"), zh("Party"), zh("Percent of the payment"),
                                   zh("Amount (CNY)")]
    assert types.is_float_dtype(frame[zh("Amount (CNY)")])
    assert round(frame[zh("Amount (CNY)")].sum(), 2) == 100.01  # no total row to count twice
    assert types.is_float_dtype(frame[zh("Percent of the payment")])
    assert is_text(frame[zh("Payment number")]) and is_text(frame[zh("Date")])
    assert pd.to_datetime(frame[zh("Date")]).notna().all()  # ISO 8601, China Standard Time
    later = client.get("/manage/revenue.csv?start=2026-01-01&end=2026-12-31")
    assert names(later)[0] == f"bxqx-revenue-{parties.university.id}-2026-01-01-2026-12-31.csv"

    auth.logout()
    auth.login(parties.inventor.email)
    mine = client.get("/my/revenue.csv")
    assert names(mine)[0] == f"bxqx-my-revenue-{parties.inventor.id}.csv"
    frame = pd.read_csv(io.BytesIO(mine.get_data()))
    assert types.is_float_dtype(frame[zh("Amount (CNY)")]) and len(frame) >= 1


# --- a roadshow's report -------------------------------------------------------------------------

def test_a_roadshow_report_reads_cleanly_in_pandas(client, auth, make_user):
    host = make_user(Role.TTO, name="主持人王")
    first = factories.listing(host.organisation, title="高镍正极材料")
    roadshow = factories.roadshow(host, days=-1, state=RoadshowState.ENDED, listings=[first])
    asker = make_user(Role.INVESTOR, name="投资人周")
    db.session.add_all([
        LiveQuestion(roadshow_id=roadshow.id, client_uuid="00000000-0000-4000-8000-000000000001",
                     listing_id=first.id, author_id=asker.id, text="循环寿命能到多少次？",
                     status=QuestionStatus.APPROVED, upvotes=3, created_at=at(-1, 2, 5)),
        LiveInterest(roadshow_id=roadshow.id, listing_id=first.id, user_id=asker.id)])
    db.session.commit()
    auth.login(host.email)
    response = client.get(f"/roadshows/{roadshow.id}/report.xlsx")
    assert names(response) == (f"bxqx-roadshow-{roadshow.id}-report.xlsx",
                               zh("%(title)s: roadshow report", title="新材料专场路演") + ".xlsx")
    assert "no-store" in response.headers["Cache-Control"]
    content = response.get_data()
    sheets = pd.read_excel(io.BytesIO(content), sheet_name=None)
    assert list(sheets) == [zh("Per listing"), zh("Transcript"), zh("Interests"),
                            zh("Moderation log"), zh("About this file")]
    per_listing = sheets[zh("Per listing")]
    assert len(per_listing) == 1 and per_listing[zh("Listing")][0] == "高镍正极材料"
    for header in (zhp("roadshow report", "Presented from"),
                   zhp("roadshow report", "Presented until")):
        assert types.is_datetime64_any_dtype(per_listing[header])
    assert types.is_integer_dtype(per_listing[zh("Questions")])
    transcript = sheets[zh("Transcript")]
    assert types.is_datetime64_any_dtype(transcript[zh("Asked")])
    assert transcript[zh("Asked")][0].hour == 10  # 02:05 UTC is 10:05 in Beijing
    assert types.is_integer_dtype(transcript[zh("Upvotes")])
    about = about_sheet(content)
    assert about[zhp(ABOUT, "Host university")] == host.organisation.name
    assert about[zh("Questions")] == 1 and about[zh("Interests")] == 1
    check_properties(content, zh("%(title)s: roadshow report", title="新材料专场路演"))


# --- the import template -------------------------------------------------------------------------

def test_the_import_template_reads_cleanly_in_pandas(client, auth, make_user):
    tto = make_user(Role.TTO)
    auth.login(tto.email)
    response = client.get("/manage/imports/template.xlsx")
    assert names(response) == ("bxqx-listings-import-template.xlsx",
                               zh("listings-import-template") + ".xlsx")
    content = response.get_data()
    frame = pd.read_excel(io.BytesIO(content))
    assert len(frame) == 0 and zh("Application number") in frame.columns
    assert not any(str(column).startswith("Unnamed") for column in frame.columns)
    check_properties(content, zh("Listings import template"))
