"""The LIKE searches of the other pages read full width and traditional characters too."""

from marketplace.accounts.models import Role
from marketplace.lists import services as lists
from marketplace.lists.models import ListKind
from marketplace.orgs.models import OrgKind, OrgStatus
from marketplace.text import variants
from tests import factories
from tests.conftest import login


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def test_variants_are_the_typed_text_and_its_plain_characters():
    assert variants("  鋰電\u3000ＡＩ ") == ["鋰電 ＡＩ", "锂电 AI"]
    assert variants("锂电") == ["锂电"]
    assert variants(" ") == []


def test_admin_finds_an_organisation_by_a_full_width_credit_code(client, auth, make_user, make_org):
    org = make_org(kind=OrgKind.COMPANY, status=OrgStatus.PENDING, name="星河储能科技有限公司")
    other = make_org(kind=OrgKind.COMPANY, status=OrgStatus.PENDING, name="另一家公司")
    login(auth, make_user(Role.ADMIN))
    page = client.get("/admin/organisations", query_string={
        "q": full_width(org.credit_code.lower())}).get_data(as_text=True)
    assert f'href="/admin/organisations/{org.id}"' in page
    assert f'href="/admin/organisations/{other.id}"' not in page
    page = client.get("/admin/organisations", query_string={"q": "星河儲能"}).get_data(as_text=True)
    assert f'href="/admin/organisations/{org.id}"' in page


def test_public_needs_are_found_by_traditional_words(client, make_user):
    company = make_user(Role.COMPANY)
    factories.need(company, title="水稻抗病育种技术", description="寻求水稻抗稻瘟病分子育种技术。",
                   field="agriculture")
    factories.need(company)
    page = client.get("/needs?q=抗病育種").get_data(as_text=True)
    assert "水稻抗病育种技术" in page and factories.NEED["title"] not in page


def test_list_candidates_are_found_by_a_full_width_number_or_traditional_title(make_user):
    tto = make_user(Role.TTO)
    wanted = factories.listing(tto.organisation, title="一种锂离子电池热管理装置",
                               application_number="201710117081.7")
    factories.listing(tto.organisation, title="一种柔性压力传感器", application_number="201710601862.3")
    plist = lists.create_list(tto, ListKind.HIGH_VALUE_PATENTS, "2026年度高价值专利清单")
    assert [item.id for item in lists.candidates(plist, "锂离子")] == [wanted.id]
    for typed in ("ＣＮ２０１７１０１１７", "鋰離子電池"):
        assert [item.id for item in lists.candidates(plist, typed)] == [wanted.id]


def test_import_reads_a_full_width_number_and_refuses_its_duplicate(client, auth, make_user):
    from tests.conftest import zh
    from tests.imports_support import batch_of, good_rows, upload, xlsx

    tto = login(auth, make_user(Role.TTO))
    rows = good_rows()
    upload(client, xlsx([{**rows[0], "application_number": full_width("CN201710601862.3")}, rows[1],
                         {**rows[0], "title": "重复", "application_number": "２０１７1060１862.3"}]))
    batch = batch_of(tto)
    assert batch.valid_rows == 2
    assert batch.problems == [{"row": 4, "column": zh("Application number"), "message": zh(
        "The same application number is already in row %(row)d.", row=2)}]


def test_interests_are_found_by_a_traditional_title(app, make_user):
    from tests.conftest import post
    from tests.interests_support import INTEREST_FORM, client_for

    tto, company = make_user(Role.TTO), make_user(Role.COMPANY)
    listing = factories.published_listing(tto)  # 一种高镍锂离子电池正极材料表面包覆工艺
    client = client_for(app, company)
    assert post(client, f"/listings/{listing.id}/interest", INTEREST_FORM).status_code == 302
    for q, shown in (("鋰離子電池", True), ("锂离子电池", True), ("鈉離子電池", False)):
        page = client.get("/interests", query_string={"q": q}).get_data(as_text=True)
        assert (listing.title in page) is shown, q
