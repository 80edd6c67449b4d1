"""Listings: the form's patent rules, states, attachments, visibility and search."""

import io

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.audit.models import AuditEvent
from marketplace.extensions import db
from marketplace.listings import patentno
from marketplace.listings.models import Attachment, Listing, ListingState
from tests.conftest import post, zh
from tests.factories import LISTING_FORM


def create(client, **overrides):
    data = {**LISTING_FORM, **overrides}
    return post(client, "/manage/listings/new", data)


def test_patent_number_check_digit():
    assert patentno.problem("201710601862.3") is None
    assert patentno.problem("97101765.4") is None
    assert patentno.problem("201710601862.4") == "check"
    assert patentno.problem("201750601862.3") == "type"
    assert patentno.problem("2017106018623") is None  # the dot may be left out
    assert patentno.problem("ABC") == "format"


def test_tto_creates_publishes_and_it_is_found(client, tto):
    response = create(client)
    assert response.status_code == 302
    listing = db.session.scalar(select(Listing))
    assert listing.application_number == "201710601862.3"
    assert listing.ipc_codes == "H01M 4/525, H01M 10/0525"
    assert listing.state is ListingState.DRAFT
    assert "一种高镍" not in client.get("/listings?q=电池").get_data(as_text=True)
    assert post(client, f"/manage/listings/{listing.id}/publish").status_code == 302
    assert listing.state is ListingState.PUBLISHED
    page = client.get("/listings?q=电池").get_data(as_text=True)
    assert "<mark>电池</mark>" in page and f"/listings/{listing.id}" in page
    assert f"/listings/{listing.id}" in client.get("/listings?q=正极材料 锂离子电池").get_data(as_text=True)
    # Partial matches are shown, with the missing word struck through (issue 16).
    partial = client.get("/listings?q=电池 芯片").get_data(as_text=True)
    assert f"/listings/{listing.id}" in partial and "<s>芯片</s>" in partial
    assert f"/listings/{listing.id}" not in client.get("/listings?q=芯片").get_data(as_text=True)
    filtered = client.get("/listings?q=电池&grade=A&mode=ordinary_licence").get_data(as_text=True)
    assert f"/listings/{listing.id}" in filtered
    assert f"/listings/{listing.id}" not in client.get("/listings?q=电池&grade=B").get_data(as_text=True)
    events = db.session.scalars(select(AuditEvent.event).where(
        AuditEvent.target_type == "listings")).all()
    assert events == ["listing.created", "listing.published"]


@pytest.mark.parametrize(("overrides", "field", "msgid"), [
    ({"application_number": "201710601862.4"}, "application_number",
     "The check character (after the dot) does not match; please check the number."),
    ({"kind": "utility_model"}, "application_number",
     "The number's type digit does not match the patent type chosen."),
    ({"application_number": ""}, "application_number", "A patent needs its application number."),
    ({"grant_date": ""}, "grant_date", "A granted patent needs its grant date."),
    ({"trl": "12"}, "trl", "Give a whole number from 1 to 9."),
    ({"modes": []}, "modes", "Choose at least one mode."),
    ({"ipc_codes": "电池"}, "ipc_codes", "Not an IPC symbol: %(codes)s (e.g. H01M 4/525)."),
])
def test_bad_input_is_explained_beside_the_field(client, tto, overrides, field, msgid):
    response = create(client, **overrides)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    errors = html[html.index(f'id="{field}-errors"'):]
    expected = zh(msgid, codes="电池") if "%(codes)s" in msgid else zh(msgid)
    assert expected in errors[:errors.index("</ul>")]
    assert db.session.scalars(select(Listing)).all() == []


def test_duplicate_application_number_is_refused(client, tto):
    create(client)
    response = create(client, title="另一个")
    assert response.status_code == 422
    assert len(db.session.scalars(select(Listing)).all()) == 1


def test_achievement_needs_no_number(client, tto):
    response = create(client, kind="achievement", application_number="", legal_status="not_applicable",
                      grant_date="", application_date="")
    assert response.status_code == 302
    assert db.session.scalar(select(Listing)).patent_number is None


def test_states_and_reasons(client, tto):
    create(client)
    listing = db.session.scalar(select(Listing))
    post(client, f"/manage/listings/{listing.id}/publish")
    assert post(client, f"/manage/listings/{listing.id}/suspend").status_code == 302
    assert listing.state is ListingState.PUBLISHED  # a reason is required
    post(client, f"/manage/listings/{listing.id}/suspend", {"reason": "专利年费待缴"})
    assert listing.state is ListingState.SUSPENDED
    assert "一种高镍" not in client.get("/listings?q=电池").get_data(as_text=True)
    post(client, f"/manage/listings/{listing.id}/publish")
    assert listing.state is ListingState.PUBLISHED
    post(client, f"/manage/listings/{listing.id}/convert")
    assert listing.state is ListingState.CONVERTED
    response = post(client, f"/manage/listings/{listing.id}/edit", {**LISTING_FORM, "title": "改名"})
    assert response.status_code == 409
    assert listing.title == LISTING_FORM["title"]


def test_other_university_cannot_touch_the_listing(client, tto, app, make_user):
    create(client)
    listing = db.session.scalar(select(Listing))
    post(client, f"/manage/listings/{listing.id}/publish")
    other = make_user(Role.TTO)
    intruder = app.test_client()
    post(intruder, "/auth/login", {"email": other.email, "password": "Sturdy-Pass-2026"})
    before = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()))
    assert post(intruder, f"/manage/listings/{listing.id}/edit",
                {**LISTING_FORM, "title": "改"}).status_code == 403
    assert post(intruder, f"/manage/listings/{listing.id}/suspend", {"reason": "x"}).status_code == 403
    upload = {"file": (io.BytesIO(b"%PDF-1.4 test"), "a.pdf")}
    assert post(intruder, f"/manage/listings/{listing.id}/files", upload,
                content_type="multipart/form-data").status_code == 403
    db.session.refresh(listing)
    assert listing.title == LISTING_FORM["title"] and listing.state is ListingState.PUBLISHED
    assert listing.attachments == []
    assert db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc())) == before


def test_attachments_are_checked_by_content_and_served_as_downloads(client, tto, app):
    create(client)
    listing = db.session.scalar(select(Listing))
    fake = {"file": (io.BytesIO(b"<html><script>alert(1)</script>"), "report.pdf")}
    response = post(client, f"/manage/listings/{listing.id}/files", fake,
                    content_type="multipart/form-data", follow_redirects=True)
    assert zh("Only PDF, PNG and JPEG files can be attached.") in response.get_data(as_text=True)
    real = {"file": (io.BytesIO(b"%PDF-1.4\n%test document\n"), "../../etc/报告.pdf")}
    post(client, f"/manage/listings/{listing.id}/files", real, content_type="multipart/form-data")
    (attachment,) = db.session.scalars(select(Attachment)).all()
    assert attachment.original_name == "报告.pdf" and attachment.stored_name.endswith(".pdf")
    assert "报告" not in attachment.stored_name
    response = client.get(f"/listings/{listing.id}/files/{attachment.id}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.get_data() == b"%PDF-1.4\n%test document\n"
    response.close()


def test_draft_is_hidden_from_the_public(client, tto, app):
    create(client)
    listing = db.session.scalar(select(Listing))
    assert client.get(f"/listings/{listing.id}").status_code == 200
    assert app.test_client().get(f"/listings/{listing.id}").status_code == 404


def test_empty_search_result_is_helpful(client):
    response = client.get("/listings?q=不存在的词语")
    assert response.status_code == 200
    assert zh("Nothing found") in response.get_data(as_text=True)


def test_linked_inventor_sees_the_listing_on_their_page(client, tto, make_user, app):
    inventor = make_user(Role.INVENTOR, org=tto.organisation, is_org_admin=False)
    outsider = make_user(Role.INVENTOR)
    page = client.get("/manage/listings/new").get_data(as_text=True)
    assert inventor.email in page and outsider.email not in page
    create(client, inventor_user_ids=[str(inventor.id)])
    listing = db.session.scalar(select(Listing))
    assert [u.id for u in listing.inventor_users] == [inventor.id]
    theirs = app.test_client()
    post(theirs, "/auth/login", {"email": inventor.email, "password": "Sturdy-Pass-2026"})
    assert LISTING_FORM["title"] in theirs.get("/my/listings").get_data(as_text=True)
    # Someone else's inventor cannot be linked by id.
    post(client, f"/manage/listings/{listing.id}/edit",
         {**LISTING_FORM, "inventor_user_ids": [str(outsider.id)]})
    db.session.refresh(listing)
    assert [u.id for u in listing.inventor_users] == [inventor.id]


def test_odd_filter_values_are_ignored_not_errors(client):
    # (A bad page number is a 400 with a message: tests/security/test_bad_numbers.py.)
    for query in ("trl=²", "trl=99", "grade=Z", "university=x", "sort=evil"):
        assert client.get(f"/listings?{query}").status_code == 200, query
