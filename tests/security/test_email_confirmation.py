"""Issue 13 §5: a new account confirms its e-mail address before it can do more than edit its
profile; the link expires, can be sent again (rate-limited), and existing accounts are confirmed."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from itsdangerous import TimestampSigner
from sqlalchemy import select
from werkzeug.routing import AnyConverter, IntegerConverter

from marketplace import create_app
from marketplace.accounts.models import Role, User
from marketplace.config import TestConfig
from marketplace.db_types import utcnow
from marketplace.extensions import db
from tests.conftest import _TOKEN, PASSWORD, post, zh
from tests.mail_support import plain
from tests.security._support import mailed_path, registration

#: What an account with an unconfirmed address may still use.
OPEN_TO_UNCONFIRMED = {
    "static", "main.healthz", "main.readyz", "main.metrics_page", "main.set_language",
    "accounts.register", "accounts.login", "accounts.logout", "accounts.logout_everywhere",
    "accounts.reset_request",
    "accounts.reset_password", "accounts.profile", "accounts.change_password",
    "accounts.confirm_notice", "accounts.confirm_email", "accounts.resend_confirmation",
}


def register(client, **overrides) -> User:
    response = post(client, "/auth/register", registration(**overrides))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return db.session.scalar(select(User).order_by(User.id.desc()).limit(1))


def profile_token(client) -> str:
    """The session's CSRF token, read from the one form page an unconfirmed account may open."""
    match = _TOKEN.search(client.get("/account/profile").get_data(as_text=True))
    assert match, "the profile page has no form"
    return match.group(1)


def test_registration_mails_a_link_that_confirms_the_address(client, outbox, app):
    user = register(client)
    assert user.email_confirmed_at is None
    (mail,) = [message for message in outbox() if message["To"] == user.email]
    assert mail["Subject"] == zh("Confirm your e-mail address")
    path = mailed_path(mail, "/auth/confirm/")
    response = client.get(path)
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.email_confirmed_at is not None
    assert client.get("/dashboard").status_code == 200


def test_the_link_is_built_on_public_url_whatever_the_host_header(app, client, outbox):
    """A forged Host must not carry the token elsewhere: whoever registered someone else's address
    would confirm it with the token sent to their own host."""
    evil = "http://evil.example"
    token = _TOKEN.search(client.get("/auth/register", base_url=evil).get_data(as_text=True))
    response = client.post("/auth/register", base_url=evil,
                           data={"csrf_token": token.group(1), **registration()})
    assert response.status_code == 302
    body = plain(outbox()[-1])
    assert "evil.example" not in body
    assert app.config["PUBLIC_URL"].rstrip("/") + "/auth/confirm/" in body


def test_an_unconfirmed_account_may_only_edit_its_profile(client):
    user = register(client)
    page = client.get("/dashboard")
    assert page.status_code == 302 and page.headers["Location"].startswith("/auth/confirm")
    notice = client.get(page.headers["Location"])
    html = notice.get_data(as_text=True)
    assert notice.status_code == 200
    assert zh("Confirm your e-mail address") in html and user.email in html
    assert 'action="/auth/confirm/resend"' in html
    # Editing the profile works ...
    token = profile_token(client)
    saved = client.post("/account/profile", data={
        "csrf_token": token, "name": "改过的名字", "title": "经理", "phone": "13800000000",
        "locale": "", "timezone": ""})
    assert saved.status_code == 302
    db.session.refresh(user)
    assert user.name == "改过的名字"
    # ... anything else is refused with the reason and the way out.
    refused = client.post("/org/edit", data={"csrf_token": token, "name": "别的名字",
                                            "credit_code": user.organisation.credit_code})
    assert refused.status_code == 403
    body = refused.get_data(as_text=True)
    assert zh("Confirm your e-mail address") in body and 'action="/auth/confirm/resend"' in body
    db.session.refresh(user)
    assert user.organisation.name != "别的名字"


def test_every_other_route_refuses_an_unconfirmed_account(app, client, auth, make_user):
    user = make_user(Role.COMPANY, email_confirmed_at=None)
    assert auth.login(user.email).status_code == 302
    token = profile_token(client)
    adapter = app.url_map.bind("localhost")
    seen = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in OPEN_TO_UNCONFIRMED:
            continue
        values = {name: 1 if isinstance(converter, IntegerConverter)
                  else sorted(converter.items)[0] if isinstance(converter, AnyConverter) else "x"
                  for name, converter in rule._converters.items()}
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            url = adapter.build(rule.endpoint, values, method=method)
            if method == "GET":
                response = client.get(url)
            else:
                response = client.open(url, method=method, data={"csrf_token": token})
            status, location = response.status_code, response.headers.get("Location", "")
            response.close()
            if method == "GET" and not url.startswith("/api/"):
                if not (status == 302 and location.startswith("/auth/confirm")):
                    seen.append(f"{method} {url}: {status} {location}")
            elif status != 403:
                seen.append(f"{method} {url}: {status} {location}")
    assert seen == []


def test_an_expired_link_is_refused_and_a_new_one_can_be_sent(client, outbox, monkeypatch, app):
    from marketplace.accounts import confirmation

    user = register(client)
    real = TimestampSigner.get_timestamp
    four_days = int(timedelta(days=4).total_seconds())
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) - four_days)
        old = f"/auth/confirm/{confirmation.token_for(user)}"
    response = client.get(old)
    assert response.status_code == 400
    assert zh("This confirmation link has expired or is not valid.") in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.email_confirmed_at is None

    resend = client.post("/auth/confirm/resend", data={"csrf_token": profile_token(client)})
    assert resend.status_code == 302
    fresh = mailed_path(outbox()[-1], "/auth/confirm/")
    assert fresh != old
    assert client.get(fresh).status_code == 302
    db.session.refresh(user)
    assert user.email_confirmed_at is not None


def test_a_link_for_another_address_or_a_forged_one_does_nothing(client, outbox, app):
    first = register(client)
    link = mailed_path(outbox()[-1], "/auth/confirm/")
    assert client.get(link[:-3] + "abc").status_code == 400  # signature broken
    db.session.refresh(first)
    assert first.email_confirmed_at is None
    # The token names the address it was sent to: once the address differs, it is void.
    first.email = "someone-else@example.com"
    db.session.commit()
    assert client.get(link).status_code == 400
    db.session.refresh(first)
    assert first.email_confirmed_at is None


def test_resending_is_rate_limited(client, outbox):
    user = register(client)
    token = profile_token(client)
    statuses = [client.post("/auth/confirm/resend", data={"csrf_token": token}).status_code
                for _ in range(6)]
    assert statuses[0] == 302 and 429 in statuses
    sent = [message for message in outbox() if message["To"] == user.email]
    assert 2 <= len(sent) <= 4  # the registration's mail and at most three resends an hour
    refused = client.post("/auth/confirm/resend", data={"csrf_token": token})
    assert refused.status_code == 429
    assert zh("Too many attempts") in refused.get_data(as_text=True)


def test_the_gate_also_holds_an_unconfirmed_account_on_the_json_api(client, auth, make_user):
    user = make_user(Role.INVESTOR, email_confirmed_at=None)
    auth.login(user.email)
    response = client.get("/api/v1/listings", headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert response.json["message"] == zh(
        "Confirm your e-mail address first: open the link we sent you, or ask for a new one.")


def test_accepting_an_invitation_confirms_the_address(client, auth, make_user, outbox, app):
    founder = make_user(Role.TTO)
    auth.login(founder.email)
    post(client, "/org/invitations", {"email": "newcomer@example.edu.cn", "role": "inventor"})
    auth.logout()
    path = mailed_path(outbox()[-1], "/invite/")
    newcomer = app.test_client()
    response = post(newcomer, path, {"name": "新成员", "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302
    joined = db.session.scalar(select(User).where(User.email == "newcomer@example.edu.cn"))
    assert joined.email_confirmed_at is not None
    assert newcomer.get("/dashboard").status_code == 200


def test_factory_and_demo_accounts_are_confirmed(app, make_user):
    from marketplace.demo import ACCOUNTS, load_demo

    assert make_user(Role.TTO).email_confirmed_at is not None
    load_demo()
    demo = db.session.scalars(select(User).where(User.email.in_([a[0] for a in ACCOUNTS]))).all()
    assert len(demo) == len(ACCOUNTS)
    assert all(user.email_confirmed_at is not None for user in demo)


def test_the_migration_confirms_the_accounts_that_exist(tmp_path):
    """Accounts made before confirmation existed keep working: the migration confirms them."""
    url = f"sqlite:///{tmp_path / 'before.db'}"
    app = create_app({"CONFIG_CLASS": TestConfig, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(revision="7115a1d178e7")
        created = utcnow().strftime("%Y-%m-%d %H:%M:%S")
        db.session.execute(sa.text(
            "INSERT INTO users (email, password_hash, name, role, is_org_admin, active, "
            "session_nonce, created_at) VALUES ('old@example.com', 'x', '老用户', 'investor', 0, 1, "
            "'abc', :created)"), {"created": created})
        db.session.commit()
        upgrade()
        confirmed = db.session.execute(sa.text(
            "SELECT email_confirmed_at FROM users WHERE email = 'old@example.com'")).scalar_one()
        assert confirmed is not None
        assert re.match(r"\d{4}-\d\d-\d\d", str(confirmed))
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("endpoint", sorted(OPEN_TO_UNCONFIRMED - {"static"}))
def test_the_open_routes_exist(app, endpoint):
    assert endpoint in app.view_functions
