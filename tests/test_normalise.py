"""Normalised input (issue 16, point 2): full width, traditional characters, case and spaces are
read as their normal forms in validators, duplicate checks and search."""

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.errors import ServiceError
from marketplace.extensions import db
from marketplace.listings import patentno, search
from marketplace.listings import services as listings
from marketplace.listings.models import LegalStatus, Listing, ListingKind, ListingState
from marketplace.listings.queries import SearchQuery, highlight, run_search
from marketplace.orgs import creditcode
from marketplace.orgs.models import Organisation
from marketplace.text import identifier, matchable, normalise
from tests.conftest import post, zh
from tests.factories import LISTING, LISTING_FORM, credit_code

NUMBER = "201710117081.7"
FULL_WIDTH_NUMBER = "ＣＮ２０１７１０１１７０８１．７"


def full_width(text: str) -> str:
    """``text`` as a Chinese input method in full-width mode types it."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


# --- The one normal form -----------------------------------------------------------------------

def test_normal_form_of_typed_text():
    assert normalise("  鋰離子電池\u3000 太陽能\n ＡＩ  Lidar ") == "锂离子电池 太阳能 ai lidar"
    assert normalise("ＣＯＶＩＤ－１９") == "covid-19"
    assert normalise(None) == "" and normalise(" \u3000 ") == ""
    assert identifier(" ｃｎ ２０１７ １０１１７０８１．７ ") == "CN201710117081.7"


def test_matchable_keeps_the_way_back_to_the_text_as_typed():
    folded, origins = matchable("用ＡＩ…鋰電")
    assert folded == "用ai...锂电"
    assert [origins[folded.index("锂")], origins[folded.index("ai")]] == [4, 1]


# --- Identifiers --------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", [
    FULL_WIDTH_NUMBER, "２０１７１０１１７０８１．７", "2017１０１１７０８１.７", "cn201710117081.7",
    " CN 2017 1011 7081.7 ", "201710117081。7", "ＺＬ201710117081.7", "2017101170817",
])
def test_application_number_in_any_width_is_valid_and_normalised(typed):
    assert patentno.problem(typed) is None
    assert patentno.normalise(typed) == NUMBER
    assert patentno.patent_type(typed) == "invention"


def test_digits_of_other_scripts_are_not_a_number():
    assert patentno.problem("20171011708١.7") == "format"  # an Arabic-Indic one
    assert patentno.problem(full_width("201710117081.8")) == "check"


def test_credit_code_in_full_width_is_valid():
    code = credit_code()
    typed = " " + full_width(code.lower()) + "\u3000"
    assert creditcode.is_valid(typed)
    assert creditcode.normalise(typed) == code


# --- Listings: the form, the service, the duplicate check --------------------------------------


def create(client, **overrides):
    return post(client, "/manage/listings/new", {**LISTING_FORM, **overrides})


def test_full_width_number_is_accepted_and_stored_normalised(client, tto):
    response = create(client, application_number=FULL_WIDTH_NUMBER)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert db.session.scalar(select(Listing.application_number)) == NUMBER


def test_full_width_price_and_ipc_codes_are_read_as_typed(client, tto):
    response = create(client, asking_price="２０００００．５",
                      ipc_codes="ｈ０１ｍ　４／５２５；Ｈ０１Ｍ　１０／０５２５")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    listing = db.session.scalar(select(Listing))
    assert (str(listing.asking_price), listing.ipc_codes) == ("200000.50", "H01M 4/525, H01M 10/0525")
    assert create(client, application_number="201710601862.3",
                  asking_price="10²").status_code == 422  # NFKC would have read 102


@pytest.mark.parametrize("duplicate", [FULL_WIDTH_NUMBER, "２０１７1011708１.7", "cn 201710117081。7"])
def test_duplicate_check_refuses_a_full_width_duplicate(client, tto, duplicate):
    assert create(client, application_number=NUMBER).status_code == 302
    response = create(client, title="另一个标题", application_number=duplicate)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    errors = html[html.index('id="application_number-errors"'):]
    assert zh("A listing with this application number already exists.") in errors[:errors.index("</ul>")]
    assert db.session.scalars(select(Listing.application_number)).all() == [NUMBER]


def test_service_stores_the_canonical_number_and_refuses_a_mixed_width_duplicate(make_user):
    tto = make_user(Role.TTO)
    patent = {**LISTING, "kind": ListingKind.INVENTION, "legal_status": LegalStatus.PENDING}
    first = listings.create_listing(tto, {**patent, "application_number": "ｃｎ２０１７1011708１.7"})
    assert first.application_number == NUMBER
    assert listings.application_number_taken(FULL_WIDTH_NUMBER)
    with pytest.raises(ServiceError):
        listings.create_listing(tto, {**patent, "application_number": "2017 1011 7081 ７"})
    db.session.rollback()
    assert db.session.scalar(select(sa.func.count()).select_from(Listing)) == 1


# --- Organisations: credit codes written in full width ------------------------------------------

def registration(**overrides):
    import io

    from tests.conftest import PASSWORD
    return {"name": "张伟", "email": "zhang.wei@example.edu.cn", "password": PASSWORD,
            "confirm": PASSWORD, "org_kind": "company", "org_name": "测试科技有限公司",
            "province": "福建省", "city": "福州市", "accept": "y",
            "business_licence": (io.BytesIO(b"%PDF-1.4\n"), "营业执照.pdf"),
            "authorisation_letter": (io.BytesIO(b"%PDF-1.4\n"), "授权委托书.pdf"), **overrides}


def test_registration_with_a_full_width_credit_code_stores_it_normalised(client):
    code = credit_code()
    response = post(client, "/auth/register", registration(credit_code=full_width(code.lower())))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert db.session.scalar(select(Organisation.credit_code).where(
        Organisation.name == "测试科技有限公司")) == code


def test_a_full_width_claim_to_a_verified_code_is_refused(client, make_org):
    code = credit_code()
    make_org(credit_code=code)
    before = db.session.scalar(select(sa.func.count()).select_from(Organisation))
    response = post(client, "/auth/register", registration(credit_code=full_width(code)))
    assert response.status_code == 422
    assert zh("An organisation with this credit code is already registered. Ask its administrator "
              "for an invitation.") in response.get_data(as_text=True)
    assert db.session.scalar(select(sa.func.count()).select_from(Organisation)) == before


# --- Search --------------------------------------------------------------------------------------

@pytest.fixture
def corpus(make_user):
    """Published listings in simplified characters, one in traditional, one about AI."""
    db.session.execute(sa.text(f"DELETE FROM {search.INDEX_TABLE}"))  # noqa: S608
    tto = make_user(Role.TTO)
    titles = {"battery": "一种锂离子电池负极材料及其制备方法", "solar": "高效太阳能电池片的制备工艺",
              "ai": "基于AI的设备预测性维护系统", "traditional": "一種鋰離子電池的熱管理裝置",
              "other": "一种高盐废水零排放处理方法"}
    made = {}
    for key, title in titles.items():
        number = {"kind": ListingKind.INVENTION, "legal_status": LegalStatus.PENDING,
                  "application_number": NUMBER} if key == "battery" else {}
        item = listings.create_listing(tto, {**LISTING, "title": title, **number}, commit=False)
        listings.transition(tto, item, "publish")
        made[key] = item.id
    assert all(db.session.get(Listing, i).state is ListingState.PUBLISHED for i in made.values())
    return made


def found(q: str) -> list[int]:
    return [listing.id for listing in run_search(SearchQuery(q=q), with_facets=False).items]


@pytest.mark.parametrize(("normal", "typed"), [
    ("锂离子电池", "鋰離子電池"), ("太阳能", "太陽能"), ("太阳能 电池", "太阳能，电池。"),
    ("ai 维护", "ＡＩ 維護"), (NUMBER, "２０１７１０１１７０８１．７"), (NUMBER, " 201710117081.7 "),
    ("ai", "Ai"), ("ai", " AI\u3000"), ("太阳能 电池", "太陽能　電池"),
])
def test_full_width_traditional_and_case_find_what_the_normal_form_finds(corpus, normal, typed):
    expected = found(normal)
    assert expected  # the comparison means something
    assert found(typed) == expected


def test_a_listing_written_in_traditional_is_found_by_simplified_words(corpus):
    assert corpus["traditional"] in found("锂离子电池")
    assert corpus["traditional"] in found("热管理")
    assert corpus["battery"] in found("鋰離子電池") and corpus["solar"] not in found("鋰離子電池")


def test_search_page_marks_the_words_in_the_text_as_typed(client, corpus):
    html = client.get("/listings?q=" + "鋰離子電池").get_data(as_text=True)
    assert "<mark>锂离子电池</mark>" in html and "<mark>鋰離子電池</mark>" in html
    assert "<mark>AI</mark>" in client.get("/listings?q=ＡＩ").get_data(as_text=True)


def test_highlight_in_full_width_text():
    assert str(highlight("用于ＡＩ芯片", ["ai"])) == "用于<mark>ＡＩ</mark>芯片"
    assert str(highlight("x" * 200 + "鋰電池", ["锂电池"], limit=40)).endswith("<mark>鋰電池</mark>…")
