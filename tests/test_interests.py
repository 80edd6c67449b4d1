"""Interests: expressing, the state machine, threads, double opt-in, NDA and confidential files."""

import io
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.audit.models import AuditEvent
from marketplace.errors import InvalidTransition, NotAllowed, ServiceError
from marketplace.extensions import db
from marketplace.interests import confidential, services, threads
from marketplace.interests.models import (
    DeclineReason,
    Interest,
    InterestStatus,
    NdaAcceptance,
    Timeline,
)
from marketplace.interests.nda import current_nda
from marketplace.listings.models import ConversionMode
from marketplace.notifications.models import Notification
from marketplace.permissions import can
from tests.conftest import post
from tests.interests_support import INTEREST_FORM, PDF, cast_fixture, client_for  # noqa: F401

DATA = {"intent": ConversionMode.TRANSFER, "timeline": Timeline.WITHIN_3_MONTHS, "message": "想谈谈转让"}


def _kinds(user) -> list[str]:
    return [n.kind for n in db.session.scalars(select(Notification).where(
        Notification.user_id == user.id).order_by(Notification.id))]


def test_company_reaches_a_deal_and_the_tto_sees_every_step(app, cast, outbox):
    """The acceptance path: find, express, talk, NDA, confidential file, deal."""
    company, tto = client_for(app, cast.company), client_for(app, cast.tto)
    listing = cast.listing
    # Find it in the search and open it.
    assert f"/listings/{listing.id}\"" in company.get("/listings?q=包覆").get_data(as_text=True)
    page = company.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert f"/listings/{listing.id}/interest" in page
    # Express interest.
    response = post(company, f"/listings/{listing.id}/interest", INTEREST_FORM)
    assert response.status_code == 302
    interest = db.session.scalar(select(Interest))
    assert response.headers["Location"] == f"/interests/{interest.id}"
    assert (interest.status, interest.budget_min, interest.budget_max) == (
        InterestStatus.NEW, Decimal("100000.00"), Decimal("300000.00"))
    assert _kinds(cast.tto) == ["interests.created"]
    assert [m["To"] for m in outbox()] == [cast.tto.email]
    # The tto sees it in the bell and the list, and contacts are still hidden.
    assert 'class="bell-count" aria-hidden="true">1<' in tto.get("/interests").get_data(as_text=True)
    thread = tto.get(f"/interests/{interest.id}").get_data(as_text=True)
    assert INTEREST_FORM["message"] in thread and "zhao@qinghe.example.com" not in thread
    # Accept, then talk.
    assert post(tto, f"/interests/{interest.id}/accept").status_code == 302
    assert post(tto, f"/interests/{interest.id}/messages",
                {"body": "欢迎，我们可以安排技术交流。"}).status_code == 302
    assert post(company, f"/interests/{interest.id}/messages",
                {"body": "好的，附上我们的产线介绍。",
                 "file": (io.BytesIO(PDF), "产线介绍.pdf")},
                content_type="multipart/form-data").status_code == 302
    assert _kinds(cast.company) == ["interests.status", "interests.message"]
    assert _kinds(cast.tto) == ["interests.created", "interests.message"]
    # Both consents given: contact details on both sides.
    thread = company.get(f"/interests/{interest.id}").get_data(as_text=True)
    assert "wang@uni.example.edu.cn" in thread and "021-55550001" in thread
    assert "zhao@qinghe.example.com" in thread
    # The tto puts a file under an NDA; the company accepts it and downloads the file.
    assert post(tto, f"/manage/listings/{listing.id}/confidential",
                {"text": "双方对技术资料保密五年。"}).status_code == 302
    assert post(tto, f"/manage/listings/{listing.id}/confidential/files",
                {"file": (io.BytesIO(PDF), "工艺参数.pdf")},
                content_type="multipart/form-data").status_code == 302
    (item,) = confidential.files_of(listing)
    assert company.get(f"/listings/{listing.id}/confidential/{item.id}").status_code == 404
    nda = current_nda(listing)
    response = post(company, f"/listings/{listing.id}/nda",
                    {"version_id": nda.id, "sha256": nda.sha256, "agree": "y"},
                    headers={"User-Agent": "TestBrowser/1.0"})
    assert response.status_code == 302
    accepted = db.session.scalar(select(NdaAcceptance))
    assert (accepted.user_email, accepted.text_sha256, accepted.user_agent, accepted.ip) == (
        cast.company.email, nda.sha256, "TestBrowser/1.0", "127.0.0.1")
    download = company.get(f"/listings/{listing.id}/confidential/{item.id}")
    assert download.status_code == 200 and download.data == PDF
    assert "attachment" in download.headers["Content-Disposition"]
    download.close()
    assert "工艺参数.pdf" in company.get(f"/listings/{listing.id}").get_data(as_text=True)
    # Deal.
    assert post(tto, f"/interests/{interest.id}/negotiate").status_code == 302
    assert post(tto, f"/interests/{interest.id}/deal").status_code == 302
    db.session.refresh(interest)
    assert interest.status is InterestStatus.DEAL and interest.deal_at is not None
    assert _kinds(cast.tto) == ["interests.created", "interests.message", "interests.nda"]
    assert _kinds(cast.company)[-2:] == ["interests.status", "interests.status"]
    subjects = [m["Subject"] for m in outbox() if m["To"] == cast.tto.email]
    assert len(subjects) == 3 and all(listing.title in s for s in subjects)
    events = set(db.session.scalars(select(AuditEvent.event)))
    assert {"interest.created", "interest.accepted", "interest.negotiating", "interest.deal",
            "nda.version_created", "nda.accepted", "confidential.file_added",
            "confidential.downloaded"} <= events


def test_one_live_interest_per_organisation_and_listing(app, cast, make_user):
    first = services.express_interest(cast.company, cast.listing, DATA)
    with pytest.raises(InvalidTransition):
        services.express_interest(cast.company, cast.listing, DATA)
    colleague = make_user(cast.company.role, org=cast.company.organisation)
    with pytest.raises(InvalidTransition):
        services.express_interest(colleague, cast.listing, DATA)
    # The form sends a second attempt to the open interest.
    client = client_for(app, colleague)
    response = client.get(f"/listings/{cast.listing.id}/interest")
    assert response.headers["Location"] == f"/interests/{first.id}"
    services.transition(cast.company, first, "withdraw")
    second = services.express_interest(colleague, cast.listing, DATA)
    assert second.id != first.id


def test_transitions_are_checked(app, cast):
    interest = services.express_interest(cast.company, cast.listing, DATA)
    with pytest.raises(NotAllowed):
        services.transition(cast.company, interest, "accept")  # the other side accepts
    with pytest.raises(NotAllowed):
        services.transition(cast.tto, interest, "withdraw")
    with pytest.raises(InvalidTransition):
        services.transition(cast.tto, interest, "deal")  # not before it is accepted
    with pytest.raises(ServiceError):
        services.transition(cast.tto, interest, "decline")  # a reason is required
    with pytest.raises(ServiceError):
        services.transition(cast.tto, interest, "decline", reason=DeclineReason.OTHER)
    services.transition(cast.tto, interest, "decline", reason=DeclineReason.PRICE)
    assert interest.status is InterestStatus.DECLINED and interest.closed_at is not None
    with pytest.raises(InvalidTransition):
        services.transition(cast.company, interest, "withdraw")
    with pytest.raises(InvalidTransition):
        threads.post_message(cast.company, interest, "还在吗？")


def test_only_verified_companies_and_investors_express_interest(app, cast, make_user):
    from marketplace.accounts.models import Role
    from marketplace.orgs.models import OrgStatus

    for user in (cast.tto, make_user(Role.INVENTOR, org=cast.tto.organisation),
                 make_user(Role.COMPANY, org_status=OrgStatus.PENDING)):
        with pytest.raises(NotAllowed):
            services.express_interest(user, cast.listing, DATA)
    assert services.express_interest(cast.investor, cast.listing, DATA).status is InterestStatus.NEW


def test_invalid_form_is_explained_with_422(app, cast):
    client = client_for(app, cast.company)
    response = post(client, f"/listings/{cast.listing.id}/interest",
                    {**INTEREST_FORM, "budget_min": "500000", "budget_max": "100", "message": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "500000" in html and 'aria-invalid="true"' in html
    assert db.session.scalar(select(Interest)) is None


def test_decline_with_reason_through_the_form(app, cast, outbox):
    interest = services.express_interest(cast.company, cast.listing, DATA)
    tto = client_for(app, cast.tto)
    response = post(tto, f"/interests/{interest.id}/decline", {"reason": "other", "text": ""})
    assert response.status_code == 302
    db.session.refresh(interest)
    assert interest.status is InterestStatus.NEW
    post(tto, f"/interests/{interest.id}/decline", {"reason": "already_committed"})
    db.session.refresh(interest)
    assert (interest.status, interest.decline_reason) == (InterestStatus.DECLINED,
                                                          DeclineReason.ALREADY_COMMITTED)
    assert _kinds(cast.company) == ["interests.declined"]
    assert outbox()[-1]["To"] == cast.company.email


@pytest.mark.parametrize(("shared", "accepted", "status", "revealed"), [
    (False, False, "new", False),
    (True, False, "new", False),          # the company agreed, the university has not accepted
    (False, True, "in_discussion", False),  # the university accepted, the company did not agree
    (True, True, "in_discussion", True),
    (True, True, "deal", True),
    (True, True, "withdrawn", False),       # closed: hidden again
])
def test_double_opt_in_rule(app, cast, shared, accepted, status, revealed):
    interest = services.express_interest(cast.company, cast.listing, {**DATA, "share_contacts": shared})
    if accepted:
        services.transition(cast.tto, interest, "accept")
    if status == "deal":
        services.transition(cast.tto, interest, "deal")
    if status == "withdrawn":
        services.transition(cast.company, interest, "withdraw")
    assert interest.contacts_revealed is revealed
    for user, other in ((cast.company, cast.tto), (cast.tto, cast.company)):
        html = client_for(app, user).get(f"/interests/{interest.id}").get_data(as_text=True)
        assert (other.email in html) is revealed
        assert (other.name in html) is revealed


def test_company_can_agree_to_share_later(app, cast):
    interest = services.express_interest(cast.company, cast.listing, DATA)
    services.transition(cast.tto, interest, "accept")
    company = client_for(app, cast.company)
    assert cast.tto.email not in company.get(f"/interests/{interest.id}").get_data(as_text=True)
    assert post(company, f"/interests/{interest.id}/share-contacts").status_code == 302
    assert cast.tto.email in company.get(f"/interests/{interest.id}").get_data(as_text=True)
    assert "interests.contacts" in _kinds(cast.tto)


def test_a_changed_nda_needs_a_new_acceptance(app, cast):
    interest = services.express_interest(cast.company, cast.listing, DATA)
    confidential.set_nda(cast.tto, cast.listing, "第一版保密协议")
    with pytest.raises(NotAllowed):  # not before the university accepted the interest
        nda = current_nda(cast.listing)
        confidential.accept_nda(cast.company, cast.listing, nda.id, nda.sha256)
    services.transition(cast.tto, interest, "accept")
    confidential.accept_nda(cast.company, cast.listing, nda.id, nda.sha256)
    assert can("interests.open_confidential", cast.listing, user=cast.company)
    assert confidential.set_nda(cast.tto, cast.listing, "第一版保密协议") is None  # unchanged
    second = confidential.set_nda(cast.tto, cast.listing, "第二版保密协议：保密期七年")
    assert second.number == 2 and not can("interests.open_confidential", cast.listing, user=cast.company)
    assert _kinds(cast.company)[-1] == "interests.nda_changed"
    with pytest.raises(InvalidTransition):  # accepting the old text is refused
        confidential.accept_nda(cast.company, cast.listing, nda.id, nda.sha256)
    confidential.accept_nda(cast.company, cast.listing, second.id, second.sha256)
    assert can("interests.open_confidential", cast.listing, user=cast.company)
    # Withdrawing the interest closes the files again.
    services.transition(cast.company, interest, "withdraw")
    assert not can("interests.open_confidential", cast.listing, user=cast.company)


def test_thread_files_are_checked_by_content(app, cast):
    interest = services.express_interest(cast.company, cast.listing, DATA)
    client = client_for(app, cast.company)
    post(client, f"/interests/{interest.id}/messages",
         {"body": "", "file": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "报价.pdf")},
         content_type="multipart/form-data")
    assert interest.last_message_id is None
    html = client.get(f"/interests/{interest.id}").get_data(as_text=True)
    assert "报价.pdf" not in html


def test_unread_counts_and_read_marks(app, cast, make_user):
    interest = services.express_interest(cast.company, cast.listing, DATA)
    colleague = make_user(cast.tto.role, org=cast.tto.organisation)
    threads.post_message(cast.company, interest, "第一条")
    threads.post_message(cast.company, interest, "第二条")
    assert threads.unread_counts(cast.tto, [interest.id]) == {interest.id: 2}
    assert threads.unread_counts(cast.company, [interest.id]) == {}
    html = client_for(app, cast.tto).get("/interests").get_data(as_text=True)
    assert 'unread-count' in html
    client_for(app, cast.tto).get(f"/interests/{interest.id}")
    assert threads.unread_counts(cast.tto, [interest.id]) == {}
    assert threads.unread_counts(colleague, [interest.id]) == {interest.id: 2}  # per user


def test_roadshow_interest_returns_the_live_one(app, cast):
    first = services.express_interest_from_roadshow(cast.investor, cast.listing, "新材料专场路演")
    assert (first.source, first.source_detail, first.intent) == (
        "roadshow", "新材料专场路演", ConversionMode.INVESTMENT)
    again = services.express_interest_from_roadshow(cast.investor, cast.listing, "另一场")
    assert again.id == first.id
    assert db.session.scalar(select(db.func.count()).select_from(Interest)) == 1
    html = client_for(app, cast.tto).get(f"/interests/{first.id}").get_data(as_text=True)
    assert "新材料专场路演" in html
