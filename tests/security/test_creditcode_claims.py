"""Issue 13 §5: a credit code belongs only to a verified organisation. Pending claims do not block
each other, a rejected one frees the code, two verified holders are impossible; the admin sees
competing claims side by side with the documents each uploaded, served privately."""

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import Role, User
from marketplace.extensions import db
from marketplace.orgs.models import Organisation, OrgKind, OrgStatus
from tests.conftest import post, zh
from tests.security._support import PDF, new_code, registration


def claim(client, code: str, **overrides) -> Organisation:
    """Register a new company claiming ``code``, from a fresh browser."""
    response = post(client, "/auth/register", registration(credit_code=code, **overrides))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return db.session.scalar(select(Organisation).order_by(Organisation.id.desc()).limit(1))


def claims_of(code: str) -> list[Organisation]:
    return db.session.scalars(select(Organisation).where(Organisation.credit_code == code)
                              .order_by(Organisation.id)).all()


def test_a_pending_claim_does_not_block_another(app):
    code = new_code()
    first = claim(app.test_client(), code)
    second = claim(app.test_client(), code, org_name="真正的深圳测试科技有限公司")
    assert first.id != second.id
    assert [org.status for org in claims_of(code)] == [OrgStatus.PENDING, OrgStatus.PENDING]


def test_a_verified_organisation_owns_its_code(app, make_org):
    code = new_code()
    make_org(OrgKind.COMPANY, credit_code=code)
    response = post(app.test_client(), "/auth/register", registration(credit_code=code))
    assert response.status_code == 422
    assert zh("An organisation with this credit code is already registered. Ask its administrator "
              "for an invitation.") in response.get_data(as_text=True)
    assert len(claims_of(code)) == 1


def test_verifying_a_second_holder_of_a_code_is_refused(app, client, auth, make_user):
    code = new_code()
    first = claim(app.test_client(), code)
    second = claim(app.test_client(), code)
    auth.login(make_user(Role.ADMIN).email)
    assert post(client, f"/admin/organisations/{first.id}/verify").status_code == 302
    response = post(client, f"/admin/organisations/{second.id}/verify", follow_redirects=True)
    assert zh("The credit code %(code)s already belongs to the verified organisation %(name)s. "
              "Reject this claim with a reason its applicant can act on.",
              code=code, name=first.name) in response.get_data(as_text=True)
    db.session.refresh(second)
    assert second.status is OrgStatus.PENDING
    assert [org.status for org in claims_of(code)] == [OrgStatus.VERIFIED, OrgStatus.PENDING]


def test_a_competing_verification_that_wins_the_race_is_caught_by_the_index(app, make_user,
                                                                           monkeypatch):
    """Two admins verify competing claims at once: both see no verified holder, the database's
    partial unique index refuses the second commit, and the admin gets the reason."""
    from marketplace.errors import InvalidTransition
    from marketplace.orgs import services

    code = new_code()
    first = claim(app.test_client(), code)
    second = claim(app.test_client(), code)
    admin = make_user(Role.ADMIN)
    services.verify(admin, first)
    real = services.verified_holder
    calls = []

    def blind_first_time(*args, **kwargs):
        calls.append(args)
        return None if len(calls) == 1 else real(*args, **kwargs)

    monkeypatch.setattr(services, "verified_holder", blind_first_time)
    with pytest.raises(InvalidTransition) as refused:
        services.verify(admin, second)
    assert first.name in refused.value.message
    db.session.refresh(second)
    assert second.status is OrgStatus.PENDING


def test_a_rejected_claim_frees_the_code(app, client, auth, make_user):
    code = new_code()
    squatter = claim(app.test_client(), code)
    auth.login(make_user(Role.ADMIN).email)
    assert post(client, f"/admin/organisations/{squatter.id}/reject",
                {"reason": "营业执照与名称不符。"}).status_code == 302
    owner = claim(app.test_client(), code, org_name="深圳真实科技有限公司")
    assert post(client, f"/admin/organisations/{owner.id}/verify").status_code == 302
    db.session.refresh(owner)
    assert owner.status is OrgStatus.VERIFIED


def test_the_database_refuses_two_verified_holders(app, make_org):
    code = new_code()
    make_org(OrgKind.COMPANY, credit_code=code, status=OrgStatus.PENDING)
    make_org(OrgKind.COMPANY, credit_code=code, status=OrgStatus.REJECTED)
    make_org(OrgKind.COMPANY, credit_code=code, status=OrgStatus.VERIFIED)
    with pytest.raises(IntegrityError):
        make_org(OrgKind.COMPANY, credit_code=code, status=OrgStatus.VERIFIED)
    db.session.rollback()
    assert len(claims_of(code)) == 3


def test_the_claim_form_keeps_the_documents(app, client):
    org = claim(client, new_code())
    kinds = sorted(document.kind.value for document in org.documents)
    assert kinds == ["authorisation_letter", "business_licence"]
    licence = next(d for d in org.documents if d.kind.value == "business_licence")
    assert licence.content_type == "application/pdf"
    assert (Path(app.config["UPLOAD_DIR"]) / licence.stored_name).read_bytes() == PDF


def test_the_claim_form_refuses_a_document_that_is_not_a_pdf_or_image(app, client):
    before = db.session.scalar(select(func.count()).select_from(User))
    response = post(client, "/auth/register", registration(
        business_licence=(io.BytesIO(b"<html><script>alert(1)</script>"), "licence.pdf")))
    assert response.status_code == 422
    assert zh("Only PDF, PNG and JPEG files can be attached.") in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == before
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 0
    uploads = Path(app.config["UPLOAD_DIR"])
    assert not uploads.exists() or list(uploads.iterdir()) == []


def test_the_claim_form_requires_both_documents(app, client):
    response = post(client, "/auth/register", registration(authorisation_letter=None))
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 0


def test_the_admin_sees_competing_claims_side_by_side_with_their_documents(app, client, auth,
                                                                             make_user):
    code = new_code()
    first = claim(app.test_client(), code, org_name="甲公司")
    second = claim(app.test_client(), code, org_name="乙公司")
    unrelated = claim(app.test_client(), new_code(), org_name="丙公司")
    auth.login(make_user(Role.ADMIN).email)
    queue = client.get("/admin/organisations").get_data(as_text=True)
    assert queue.count(zh("Competing claims")) >= 2  # the section, and a mark on each row
    compared = queue[queue.index('id="claims"'):queue.index("<table")]
    for org in (first, second):
        assert org.name in compared
        for document in org.documents:
            assert f'href="/org/documents/{document.id}"' in compared
    assert unrelated.name not in compared
    page = client.get(f"/admin/organisations/{first.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    section = html[html.index('id="claims"'):]
    for org in (first, second):
        assert org.name in section
        for document in org.documents:
            assert f'href="/org/documents/{document.id}"' in section
    assert unrelated.name not in section


def test_documents_are_served_only_to_admins_and_the_orgs_members(app, client, auth, make_user):
    org = claim(app.test_client(), new_code())
    document = org.documents[0]
    url = f"/org/documents/{document.id}"
    assert client.get(url).status_code == 302  # to the login page

    founder = org.members[0]
    colleague = make_user(Role.COMPANY, org=org, is_org_admin=False)
    for user in (make_user(Role.ADMIN), colleague):
        auth.login(user.email)
        response = client.get(url)
        assert response.status_code == 200, user.email
        assert response.headers["Cache-Control"] == "private, no-store"
        assert response.headers["Content-Disposition"].startswith("attachment")
        response.close()
        auth.logout()
    founder.email_confirmed_at = colleague.email_confirmed_at
    db.session.commit()
    auth.login(founder.email)
    response = client.get(url)
    assert response.status_code == 200
    response.close()
    auth.logout()
    for stranger in (make_user(Role.COMPANY), make_user(Role.TTO)):
        auth.login(stranger.email)
        assert client.get(url).status_code == 404
        auth.logout()


def test_a_pending_organisation_adds_a_document_and_a_rejected_one_is_resubmitted(
        app, client, auth, make_user):
    founder = make_user(Role.COMPANY, org_status=OrgStatus.REJECTED)
    org = founder.organisation
    auth.login(founder.email)
    response = post(client, "/org/documents", {
        "kind": "business_licence", "file": (io.BytesIO(PDF), "新营业执照.pdf")})
    assert response.status_code == 302
    db.session.refresh(org)
    assert [d.original_name for d in org.documents] == ["新营业执照.pdf"]
    assert org.status is OrgStatus.PENDING
    assert 'href="/org/documents/' in client.get("/org").get_data(as_text=True)
    refused = post(client, "/org/documents", {
        "kind": "business_licence", "file": (io.BytesIO(b"MZ\x90\x00"), "x.pdf")})
    assert refused.status_code == 422
    db.session.refresh(org)
    assert len(org.documents) == 1
