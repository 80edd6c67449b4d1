"""Login, lockout, logout, password reset, password change and the profile."""

import re

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.audit.models import AuditEvent
from marketplace.extensions import db
from tests.conftest import PASSWORD, csrf_token, post, zh
from tests.mail_support import plain


def audit_events(name):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.event == name)).all()


def test_login_and_logout(client, auth, make_user):
    user = make_user(Role.INVESTOR)
    response = auth.login(user.email.upper())
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    page = client.get("/dashboard").get_data(as_text=True)
    assert user.name in page
    assert audit_events("accounts.login")[0].actor_id == user.id
    assert auth.logout().status_code == 302
    assert client.get("/dashboard").status_code == 302  # back to the login page
    assert audit_events("accounts.logout")


def test_wrong_password_is_audited_and_explained(client, auth, make_user):
    user = make_user(Role.TTO)
    response = auth.login(user.email, "not-the-password-1")
    assert response.status_code == 422
    assert zh("The e-mail address or password is not correct.") in response.get_data(as_text=True)
    failed = audit_events("accounts.login_failed")
    assert len(failed) == 1 and failed[0].actor_email == user.email


def test_unknown_email_reads_the_same_as_a_wrong_password(client, auth):
    response = auth.login("nobody@example.com", "whatever-123")
    assert response.status_code == 422
    assert zh("The e-mail address or password is not correct.") in response.get_data(as_text=True)


def test_six_wrong_passwords_lock_the_account_with_a_clear_message(client, auth, make_user):
    user = make_user(Role.COMPANY)
    for _ in range(5):
        assert auth.login(user.email, "wrong-password-9").status_code == 422
    response = auth.login(user.email, "wrong-password-9")
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert zh("Too many failed logins. For your security, signing in to this account is paused for "
              "%(minutes)d minutes. You can reset your password by e-mail meanwhile.",
              minutes=15) in html
    # Even the right password is refused while locked, and the lockout is audited once.
    assert auth.login(user.email).status_code == 429
    locked = audit_events("accounts.login_locked")
    assert len(locked) == 1 and locked[0].actor_id == user.id
    assert client.get("/dashboard").status_code == 302


def test_lockout_is_per_account(client, auth, make_user):
    victim, other = make_user(Role.COMPANY), make_user(Role.TTO)
    for _ in range(6):
        auth.login(victim.email, "wrong-password-9")
    assert auth.login(other.email).status_code == 302


def test_successful_logins_do_not_count_towards_the_lockout(client, auth, make_user):
    user = make_user(Role.INVENTOR)
    for _ in range(6):
        assert auth.login(user.email).status_code == 302
        auth.logout()


def test_login_starts_a_fresh_session(client, auth, make_user):
    user = make_user(Role.TTO)
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    auth.login(user.email)
    with client.session_transaction() as session:
        assert "planted" not in session


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example"])
def test_next_must_stay_on_this_site(client, make_user, target):
    user = make_user(Role.TTO)
    response = post(client, f"/auth/login?next={target}", {"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/dashboard"


def test_next_on_this_site_is_followed(client, make_user):
    user = make_user(Role.TTO)
    response = post(client, "/auth/login?next=/org", {"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/org"


def test_deactivated_account_cannot_log_in(client, auth, make_user):
    user = make_user(Role.TTO, active=False)
    assert auth.login(user.email).status_code == 422


def _reset_link(outbox):
    (message,) = outbox()
    body = plain(message)
    return re.search(r"http://[^/\s]+(/auth/reset/\S+)", body).group(1)


def test_password_reset_by_mail(client, auth, make_user, outbox):
    user = make_user(Role.TTO)
    response = post(client, "/auth/reset", {"email": user.email})
    assert response.status_code == 302
    path = _reset_link(outbox)
    assert client.get(path).status_code == 200
    new = "Another-Strong-77"
    token = csrf_token(client, path)
    response = client.post(path, data={"csrf_token": token, "password": new, "confirm": new})
    assert response.status_code == 302
    assert auth.login(user.email, PASSWORD).status_code == 422
    assert auth.login(user.email, new).status_code == 302
    # The link works once only.
    assert client.get(path).status_code == 400
    assert audit_events("accounts.password_reset")


def test_reset_request_does_not_reveal_whether_an_account_exists(client, outbox):
    response = post(client, "/auth/reset", {"email": "nobody@example.com"}, follow_redirects=True)
    assert response.status_code == 200
    assert outbox() == []


def test_tampered_reset_token_is_refused(client):
    assert client.get("/auth/reset/not-a-token").status_code == 400


def test_password_change_signs_out_other_sessions(app, make_user):
    user = make_user(Role.TTO)
    first, second = app.test_client(), app.test_client()
    for c in (first, second):
        post(c, "/auth/login", {"email": user.email, "password": PASSWORD})
        assert c.get("/account/profile").status_code == 200
    new = "Brand-New-Secret-5"
    response = post(first, "/account/password",
                    {"current": PASSWORD, "password": new, "confirm": new})
    assert response.status_code == 302
    assert first.get("/account/profile").status_code == 200
    assert second.get("/account/profile").status_code == 302


def test_password_change_needs_the_current_password(client, auth, make_user):
    user = make_user(Role.TTO)
    auth.login(user.email)
    response = post(client, "/account/password",
                    {"current": "wrong-one-1", "password": "Brand-New-Secret-5",
                     "confirm": "Brand-New-Secret-5"})
    assert response.status_code == 422
    assert zh("The current password is not correct.") in response.get_data(as_text=True)


def test_profile_language_preference_is_used(client, auth, make_user):
    user = make_user(Role.INVESTOR)
    auth.login(user.email)
    response = post(client, "/account/profile",
                    {"name": "Chen Li", "locale": "en", "timezone": "Europe/Berlin"})
    assert response.status_code == 302
    assert 'lang="en"' in client.get("/account/profile").get_data(as_text=True)
    assert user.timezone == "Europe/Berlin"


def test_profile_refuses_unknown_time_zone(client, auth, make_user):
    user = make_user(Role.INVESTOR)
    auth.login(user.email)
    response = post(client, "/account/profile", {"name": "X", "locale": "", "timezone": "Mars/Base"})
    assert response.status_code == 422
    db.session.refresh(user)
    assert user.timezone is None


def test_remember_me_keeps_the_login_after_the_browser_session(app, make_user):
    user = make_user(Role.TTO)
    browser = app.test_client()
    response = post(browser, "/auth/login", {"email": user.email, "password": PASSWORD,
                                             "remember": "y"})
    assert "remember_token=" in " ".join(response.headers.getlist("Set-Cookie"))
    # A new browser session: the session cookie is gone, the remember cookie stays.
    browser.delete_cookie("session")
    assert browser.get("/account/profile").status_code == 200


def test_without_remember_me_closing_the_browser_logs_out(app, make_user):
    user = make_user(Role.TTO)
    browser = app.test_client()
    response = post(browser, "/auth/login", {"email": user.email, "password": PASSWORD})
    assert "remember_token=" not in " ".join(response.headers.getlist("Set-Cookie"))
    browser.delete_cookie("session")
    assert browser.get("/account/profile").status_code == 302
