"""Issue 13 §2: logging out logs out. Logout deletes the remember cookie, and a per-user session
token, rotated at logout, password change, password reset and "log out on every device", makes
every older session or remember cookie land on the login page."""

import re

import pytest

from marketplace.accounts.models import Role
from tests.conftest import PASSWORD, csrf_token, post, zh
from tests.mail_support import plain

PROFILE = "/account/profile"
EVERYWHERE = "/account/logout-everywhere"


def log_in(client, user, remember: bool = False):
    data = {"email": user.email, "password": PASSWORD, **({"remember": "y"} if remember else {})}
    response = post(client, "/auth/login", data)
    assert response.status_code == 302
    return response


def cookie(client, name: str) -> str | None:
    found = client.get_cookie(name)
    return found.value if found is not None else None


def lands_on_login(client, path: str = PROFILE) -> bool:
    response = client.get(path)
    return response.status_code == 302 and response.headers["Location"].startswith("/auth/login")


def replay(app, **cookies):
    """A browser that has only these cookies (what an attacker who copied them has)."""
    browser = app.test_client()
    for name, value in cookies.items():
        browser.set_cookie(name, value)
    return browser


def test_logout_deletes_the_remember_cookie(app, make_user):
    user = make_user(Role.INVESTOR)
    browser = app.test_client()
    log_in(browser, user, remember=True)
    assert cookie(browser, "remember_token")
    response = post(browser, "/auth/logout")
    assert response.status_code == 302
    deleted = [header for header in response.headers.getlist("Set-Cookie")
               if header.startswith("remember_token=")]
    assert deleted and re.search(r"Expires=Thu, 01 Jan 1970|Max-Age=0", deleted[0])
    assert cookie(browser, "remember_token") is None
    # The browser closes (session cookie gone) and opens again: still logged out.
    browser.delete_cookie("session")
    assert lands_on_login(browser)


def test_an_old_session_cookie_is_refused_after_logout(app, make_user):
    user = make_user(Role.TTO)
    browser = app.test_client()
    log_in(browser, user)
    stolen = cookie(browser, "session")
    assert replay(app, session=stolen).get(PROFILE).status_code == 200
    post(browser, "/auth/logout")
    assert lands_on_login(replay(app, session=stolen))


def test_an_old_remember_cookie_is_refused_after_logout(app, make_user):
    user = make_user(Role.COMPANY)
    browser = app.test_client()
    log_in(browser, user, remember=True)
    stolen = cookie(browser, "remember_token")
    assert replay(app, remember_token=stolen).get(PROFILE).status_code == 200
    post(browser, "/auth/logout")
    assert lands_on_login(replay(app, remember_token=stolen))


def test_password_change_refuses_the_other_devices_cookies_and_keeps_this_one(app, make_user):
    user = make_user(Role.TTO)
    here, there = app.test_client(), app.test_client()
    log_in(here, user, remember=True)
    log_in(there, user, remember=True)
    old_session, old_remember = cookie(there, "session"), cookie(there, "remember_token")
    new = "Brand-New-Secret-5"
    assert post(here, "/account/password", {"current": PASSWORD, "password": new,
                                            "confirm": new}).status_code == 302
    assert lands_on_login(replay(app, session=old_session))
    assert lands_on_login(replay(app, remember_token=old_remember))
    # This browser stays logged in, also after it is closed and opened again.
    assert here.get(PROFILE).status_code == 200
    here.delete_cookie("session")
    assert here.get(PROFILE).status_code == 200


def test_password_reset_refuses_every_older_cookie(app, make_user, outbox):
    user = make_user(Role.INVESTOR)
    browser = app.test_client()
    log_in(browser, user, remember=True)
    old_session, old_remember = cookie(browser, "session"), cookie(browser, "remember_token")
    stranger = app.test_client()
    post(stranger, "/auth/reset", {"email": user.email})
    (message,) = outbox()
    path = re.search(r"https?://[^/\s]+(/auth/reset/\S+)", plain(message)).group(1)
    new = "Another-Strong-77"
    response = stranger.post(path, data={"csrf_token": csrf_token(stranger, path),
                                         "password": new, "confirm": new})
    assert response.status_code == 302
    assert lands_on_login(replay(app, session=old_session))
    assert lands_on_login(replay(app, remember_token=old_remember))


def test_profile_offers_log_out_on_every_device(app, client, auth, make_user):
    user = make_user(Role.INVENTOR)
    auth.login(user.email)
    html = client.get(PROFILE).get_data(as_text=True)
    form = re.search(rf'<form method="post" action="{EVERYWHERE}"[^>]*>(.*?)</form>', html, re.S)
    assert form, "no log-out-everywhere form on the profile"
    assert 'name="csrf_token"' in form.group(1)
    assert zh("Log out on every device") in form.group(1)


def test_log_out_on_every_device(app, make_user):
    user = make_user(Role.TTO)
    laptop, phone = app.test_client(), app.test_client()
    log_in(laptop, user)
    log_in(phone, user, remember=True)
    phone_remember = cookie(phone, "remember_token")
    response = post(laptop, EVERYWHERE, follow_redirects=True)
    assert response.status_code == 200
    assert zh("You have logged out on every device.") in response.get_data(as_text=True)
    assert lands_on_login(laptop)
    assert lands_on_login(phone)
    assert lands_on_login(replay(app, remember_token=phone_remember))
    # The account itself works: logging in again is fine.
    log_in(laptop, user)
    assert laptop.get(PROFILE).status_code == 200


@pytest.mark.parametrize("data", [{}, {"csrf_token": "forged"}])
def test_log_out_on_every_device_needs_the_csrf_token(client, auth, make_user, data):
    user = make_user(Role.TTO)
    auth.login(user.email)
    assert client.post(EVERYWHERE, data=data).status_code == 400
    assert client.get(PROFILE).status_code == 200


def test_log_out_on_every_device_needs_a_login(client):
    assert lands_on_login(client, EVERYWHERE) or client.get(EVERYWHERE).status_code == 405
    response = post(client, EVERYWHERE)
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login")
