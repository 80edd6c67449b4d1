"""Published lists: assembling, immutable versions, exports, public pages and access."""

import functools
import inspect
import io

import pytest
from markupsafe import escape
from openpyxl import load_workbook
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.audit.models import AuditEvent
from marketplace.extensions import db
from marketplace.listings import services as listing_services
from marketplace.listings.models import (
    ConversionMode,
    ListingState,
)
from marketplace.lists import services
from marketplace.lists.models import ListVersion
from tests import factories
from tests.conftest import PASSWORD, post, zh
from tests.lists_support import add, new_list

FORMULA_TITLE = '=HYPERLINK("http://evil.example/","点此领取")'


@pytest.fixture
def make_listing(app):
    """This module's listings (tests/factories.py): offered for open licence and for transfer."""
    return functools.partial(factories.listing, inventors="张伟, 李娜",
                             modes=(ConversionMode.OPEN_LICENCE, ConversionMode.TRANSFER))


def listing_ids(plist) -> list[int]:
    db.session.refresh(plist)
    return [item.listing_id for item in plist.items]


def test_assemble_publish_and_supersede(client, tto, make_listing):
    org = tto.organisation
    battery = make_listing(org, title="一种锂离子电池正极材料", application_number="201710601862.3")
    sensor = make_listing(org)
    plist = new_list(client)
    add(client, plist, battery)
    add(client, plist, sensor)
    post(client, f"/manage/lists/{plist.id}/items/{sensor.id}/move", {"direction": "up"})
    assert listing_ids(plist) == [sensor.id, battery.id]

    response = post(client, f"/manage/lists/{plist.id}/publish", {"note": "首次发布"})
    assert response.headers["Location"] == f"/lists/{plist.id}"
    first = db.session.scalar(select(ListVersion))
    assert (first.number, first.title, first.note) == (1, "2026年度高价值专利清单", "首次发布")
    assert [item["id"] for item in first.snapshot] == [sensor.id, battery.id]
    entry = first.snapshot[1]
    assert entry["patent_number"] == "ZL201710601862.3" and entry["university"] == org.name
    assert entry["modes"] == ["open_licence", "transfer"] and entry["url"] == f"/listings/{battery.id}"
    assert first.sha256 == services.digest(first.snapshot) and len(first.sha256) == 64

    post(client, f"/manage/lists/{plist.id}", {"kind": "high_value_patents", "title": "2026年度清单（修订）"})
    post(client, f"/manage/lists/{plist.id}/items/{sensor.id}/remove")
    post(client, f"/manage/lists/{plist.id}/publish")
    second = db.session.scalar(select(ListVersion).where(ListVersion.number == 2))
    assert [item["id"] for item in second.snapshot] == [battery.id]

    current = client.get(f"/lists/{plist.id}").get_data(as_text=True)
    assert "2026年度清单（修订）" in current and "一种柔性压力传感器" not in current
    old = client.get(f"/lists/{plist.id}/versions/1").get_data(as_text=True)
    assert "2026年度高价值专利清单" in old and "一种柔性压力传感器" in old
    assert zh("This is version %(n)d, superseded by version %(current)d.", n=1, current=2) in old
    assert f'href="/lists/{plist.id}/versions/1.pdf"' in old
    events = db.session.scalars(select(AuditEvent.event).where(
        AuditEvent.target_type == "published_lists").order_by(AuditEvent.id)).all()
    assert events == ["list.created", "list.item_added", "list.item_added", "list.published",
                      "list.updated", "list.item_removed", "list.published"]

    assert "2026年度清单（修订）" in client.get("/lists").get_data(as_text=True)
    page = client.get(f"/orgs/{org.id}").get_data(as_text=True)
    assert f"/lists/{plist.id}" in page and f"/listings/{battery.id}" in page
    assert f"/listings?university={org.id}" in page


def test_public_pages_have_titles_descriptions_and_share_tags(client, tto, make_listing):
    plist = new_list(client)
    add(client, plist, make_listing(tto.organisation))
    post(client, f"/manage/lists/{plist.id}/publish")
    html = client.get(f"/lists/{plist.id}").get_data(as_text=True)
    assert "<title>2026年度高价值专利清单 · " in html
    assert '<meta name="description" content="材料学院遴选的高价值专利。' in html
    assert '<meta property="og:title" content="2026年度高价值专利清单">' in html
    assert f'<link rel="canonical" href="http://127.0.0.1:5000/lists/{plist.id}">' in html
    for path in ("/lists", f"/orgs/{tto.organisation_id}"):
        assert '<meta property="og:description"' in client.get(path).get_data(as_text=True)
    assert client.get(f"/lists/{plist.id}/versions/2").status_code == 404
    draft = new_list(client, title="未发布的清单")
    assert client.get(f"/lists/{draft.id}").status_code == 404
    assert "未发布的清单" not in client.get("/lists").get_data(as_text=True)


def test_a_published_version_never_changes(client, tto, make_listing):
    listing = make_listing(tto.organisation, title="原来的名称")
    plist = new_list(client)
    add(client, plist, listing)
    post(client, f"/manage/lists/{plist.id}/publish")
    version = db.session.scalar(select(ListVersion))
    frozen = (version.title, list(version.snapshot), version.sha256)

    listing_services.update_listing(tto, listing, {"title": "改过的名称"})
    db.session.expire_all()
    assert (version.title, version.snapshot, version.sha256) == frozen
    assert version.snapshot[0]["title"] == "原来的名称"
    assert "原来的名称" in client.get(f"/lists/{plist.id}").get_data(as_text=True)

    # No service function takes a version to change; and the model refuses any change to one.
    for name, function in inspect.getmembers(services, inspect.isfunction):
        if function.__module__ == services.__name__ and not name.startswith("_"):
            annotations = inspect.get_annotations(function, eval_str=True)
            assert ListVersion not in [v for k, v in annotations.items() if k != "return"], name
    version.title = "篡改"
    with pytest.raises(services.VersionIsFrozen):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(ListVersion, version.id).title == frozen[0]


def test_exports_open_and_are_safe(client, tto, make_listing):
    org = tto.organisation
    plist = new_list(client)
    add(client, plist, make_listing(org, title="一种锂离子电池正极材料", application_number="201710601862.3"))
    add(client, plist, make_listing(org, title=FORMULA_TITLE))
    post(client, f"/manage/lists/{plist.id}/publish")

    response = client.get(f"/lists/{plist.id}/versions/1.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "v1.xlsx" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.get_data()))
    sheet = book.active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None]
    assert values[0] == zh("No.")  # the header is row 1; the title is on the About sheet
    assert book.properties.title == "2026年度高价值专利清单"
    assert book[zh("About this file")]["B2"].value == "2026年度高价值专利清单"
    assert "一种锂离子电池正极材料" in values and zh("Title") in values
    assert "'" + FORMULA_TITLE in values and FORMULA_TITLE not in values
    assert all(not (isinstance(v, str) and v.startswith("=")) for v in values)
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["A"].width

    response = client.get(f"/lists/{plist.id}/versions/1.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    body = response.get_data()
    assert body.startswith(b"%PDF") and b"+WenQuanYiZenHei-0" in body  # the embedded font's subset


def test_an_empty_list_cannot_be_published(client, tto):
    plist = new_list(client)
    response = post(client, f"/manage/lists/{plist.id}/publish", follow_redirects=True)
    assert zh("Add at least one listing before publishing the list.") in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ListVersion)) == 0


def test_only_own_published_listings_can_be_added(client, tto, make_listing, make_user):
    plist = new_list(client)
    draft = make_listing(tto.organisation, state=ListingState.DRAFT)
    response = add(client, plist, draft)
    assert zh("Only published listings can be put on a list.") in response.get_data(as_text=True)
    foreign = make_listing(make_user(Role.TTO).organisation)
    response = add(client, plist, foreign)
    message = escape(zh("A university's list can only contain its own listings."))
    assert message in response.get_data(as_text=True)
    assert listing_ids(plist) == []
    page = client.get(f"/manage/lists/{plist.id}").get_data(as_text=True)
    assert f"/listings/{draft.id}" not in page and f"/listings/{foreign.id}" not in page


def test_another_university_gets_403_and_changes_nothing(app, client, tto, make_listing, make_user):
    listing = make_listing(tto.organisation)
    plist = new_list(client)
    add(client, plist, listing)
    post(client, f"/manage/lists/{plist.id}/publish")
    other = make_user(Role.TTO)
    own = make_listing(other.organisation)
    intruder = app.test_client()
    post(intruder, "/auth/login", {"email": other.email, "password": PASSWORD})
    before = db.session.scalar(select(func.max(AuditEvent.id)))
    base = f"/manage/lists/{plist.id}"
    assert intruder.get(base).status_code == 403
    for path, data in [(base, {"kind": "key_achievements", "title": "改"}),
                       (f"{base}/items", {"listing_id": str(own.id)}),
                       (f"{base}/items/{listing.id}/remove", {}),
                       (f"{base}/items/{listing.id}/move", {"direction": "down"}),
                       (f"{base}/publish", {"note": "x"})]:
        assert post(intruder, path, data).status_code == 403, path
    db.session.expire_all()
    assert plist.title == "2026年度高价值专利清单" and listing_ids(plist) == [listing.id]
    assert [v.number for v in plist.versions] == [1]
    assert db.session.scalar(select(func.max(AuditEvent.id))) == before
    assert plist.title not in intruder.get("/manage/lists").get_data(as_text=True)


def test_admin_manages_the_actions_lists_with_any_university_listing(
        app, client, auth, make_user, make_listing, tto):
    university_list = new_list(client, title="高校的清单")
    auth.logout()
    admin = make_user(Role.ADMIN)
    auth.login(admin.email)
    listing = make_listing(make_user(Role.TTO).organisation)
    plist = new_list(client, title="百校千项重点成果清单")
    assert plist.organisation_id is None
    add(client, plist, listing)
    post(client, f"/manage/lists/{plist.id}/publish")
    assert plist.latest.number == 1 and plist.latest.snapshot[0]["id"] == listing.id
    assert client.get(f"/manage/lists/{university_list.id}").status_code == 403
    assert "百校千项重点成果清单" in client.get("/manage/lists").get_data(as_text=True)

    officer = app.test_client()
    post(officer, "/auth/login", {"email": tto.email, "password": PASSWORD})
    assert officer.get(f"/manage/lists/{plist.id}").status_code == 403
    assert "百校千项重点成果清单" in officer.get(f"/lists/{plist.id}").get_data(as_text=True)
