"""Registration: errors beside the field, values kept, nothing written on bad input."""

import io

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import Role, User
from marketplace.audit.models import AuditEvent
from marketplace.extensions import db
from marketplace.orgs.models import Organisation, OrgStatus
from tests.conftest import PASSWORD, post, zh
from tests.factories import credit_code


def form(**overrides):
    data = {
        "name": "张伟", "email": "zhang.wei@example.edu.cn", "password": PASSWORD,
        "confirm": PASSWORD, "org_kind": "company", "org_name": "测试科技有限公司",
        "credit_code": "91350100M000100Y43", "province": "福建省", "city": "福州市", "accept": "y",
        "business_licence": (io.BytesIO(b"%PDF-1.4\n"), "营业执照.pdf"),
        "authorisation_letter": (io.BytesIO(b"%PDF-1.4\n"), "授权委托书.pdf"),
    }
    data.update(overrides)
    return data


def counts():
    return (db.session.scalar(select(func.count()).select_from(User)),
            db.session.scalar(select(func.count()).select_from(Organisation)),
            db.session.scalar(select(func.count()).select_from(AuditEvent)))


def error_beside(html: str, field: str) -> str:
    """The text of the error list rendered for one field."""
    start = html.index(f'id="{field}-errors"')
    return html[start:html.index("</ul>", start)]


def test_registration_creates_account_and_pending_organisation(client, outbox):
    response = post(client, "/auth/register", form(), follow_redirects=True)
    assert response.status_code == 200
    user = db.session.scalar(select(User).where(User.email == "zhang.wei@example.edu.cn"))
    assert user.role is Role.COMPANY and user.is_org_admin
    assert user.organisation.status is OrgStatus.PENDING
    assert user.organisation.credit_code == "91350100M000100Y43"
    assert [document.original_name for document in user.organisation.documents] == [
        "授权委托书.pdf", "营业执照.pdf"]
    html = response.get_data(as_text=True)
    assert zh("Confirm your e-mail address") in html  # before anything else (tests/security)
    assert zh("Your organisation is awaiting verification") in html
    events = db.session.scalars(select(AuditEvent.event).order_by(AuditEvent.id)).all()
    assert events == ["accounts.register", "org.created", "accounts.login"]


def test_invalid_credit_code_is_explained_beside_the_field_and_values_kept(client):
    before = counts()
    response = post(client, "/auth/register", form(credit_code="91350100M000100Y44"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert zh("The check character (the last one) does not match; please check the code.") in \
        error_beside(html, "credit_code")
    assert 'value="张伟"' in html and 'value="测试科技有限公司"' in html
    assert 'value="zhang.wei@example.edu.cn"' in html
    assert counts() == before


@pytest.mark.parametrize(("password", "expected"), [
    ("short1", ("Use at least %(n)d characters.", {"n": 10})),
    ("password123", ("This password is too common; choose another.", {})),
    ("abcdefghijk", ("Mix letters and digits.", {})),
    ("zhang.wei2026x", ("Do not use your e-mail address in the password.", {})),
])
def test_weak_password_is_refused_beside_the_field(client, password, expected):
    before = counts()
    response = post(client, "/auth/register", form(password=password, confirm=password))
    assert response.status_code == 422
    msgid, params = expected
    assert zh(msgid, **params) in error_beside(response.get_data(as_text=True), "password")
    assert counts() == before


def test_taken_email_is_refused_in_english_when_chosen(client, make_user):
    make_user(Role.TTO, email="taken@example.edu.cn")
    post(client, "/language", {"lang": "en"})
    before = counts()
    response = post(client, "/auth/register", form(email="Taken@Example.edu.cn"))
    assert response.status_code == 422
    assert "already exists" in error_beside(response.get_data(as_text=True), "email")
    assert counts() == before


def test_taken_credit_code_points_to_invitations(client, make_org):
    code = credit_code()
    make_org(credit_code=code)
    response = post(client, "/auth/register", form(credit_code=code))
    assert response.status_code == 422
    assert zh("An organisation with this credit code is already registered. Ask its administrator "
              "for an invitation.") in error_beside(response.get_data(as_text=True), "credit_code")


def test_mismatched_confirmation(client):
    response = post(client, "/auth/register", form(confirm=PASSWORD + "x"))
    assert response.status_code == 422
    assert zh("The two passwords differ.") in error_beside(response.get_data(as_text=True), "confirm")


def test_missing_csrf_token_is_refused_and_nothing_written(client):
    before = counts()
    response = client.post("/auth/register", data=form())
    assert response.status_code == 400
    assert zh("The form has expired or was not sent from this site. Please reload the page and "
              "submit it again.") in response.get_data(as_text=True)
    assert counts() == before
