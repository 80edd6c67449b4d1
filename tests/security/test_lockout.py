"""Issue 13 §8: the login lockout is kept in the database (a restart does not clear it), an
account's lockout grows with its failures, the per-address limit lets a campus behind one NAT
address log in, and a locked-out user can still reset the password."""

import re
from datetime import timedelta

import pytest

from marketplace.accounts.models import Role
from marketplace.db_types import utcnow
from tests.conftest import PASSWORD, csrf_token, post, zh
from tests.mail_support import plain

WRONG = "wrong-password-9"


def attempt(client, email: str, password: str = WRONG, address: str = "198.51.100.7"):
    return post(client, "/auth/login", {"email": email, "password": password},
                environ_base={"REMOTE_ADDR": address})


def paused_for(minutes: int) -> str:
    return zh("Too many failed logins. For your security, signing in to this account is paused for "
              "%(minutes)d minutes. You can reset your password by e-mail meanwhile.",
              minutes=minutes)


@pytest.fixture
def clock(monkeypatch):
    """Move the lockout's clock forward: ``clock.advance(minutes=16)``."""
    from marketplace.accounts import lockout

    class Clock:
        offset = timedelta()

        def advance(self, **delta):
            self.offset += timedelta(**delta)

    moved = Clock()
    monkeypatch.setattr(lockout, "now", lambda: utcnow() + moved.offset)
    return moved


def lock(client, email: str) -> None:
    for _ in range(5):
        assert attempt(client, email).status_code == 422


def test_the_lockout_survives_a_restart(client, another_app, make_user):
    user = make_user(Role.COMPANY)
    lock(client, user.email)
    assert attempt(client, user.email, PASSWORD).status_code == 429
    # Another process, or this one after a restart: memory is empty, the lockout holds.
    restarted = another_app().test_client()
    response = attempt(restarted, user.email, PASSWORD)
    assert response.status_code == 429
    assert paused_for(15) in response.get_data(as_text=True)


def test_the_lockout_grows_with_every_failure_after_it(client, make_user, clock):
    user = make_user(Role.INVESTOR)
    lock(client, user.email)
    assert paused_for(15) in attempt(client, user.email).get_data(as_text=True)
    clock.advance(minutes=16)
    assert attempt(client, user.email).status_code == 422  # one more try, wrong again
    response = attempt(client, user.email, PASSWORD)
    assert response.status_code == 429 and paused_for(30) in response.get_data(as_text=True)
    clock.advance(minutes=31)
    assert attempt(client, user.email).status_code == 422
    assert paused_for(60) in attempt(client, user.email, PASSWORD).get_data(as_text=True)
    clock.advance(minutes=61)
    # The right password after the pause logs in and forgets the failures.
    assert attempt(client, user.email, PASSWORD).status_code == 302
    post(client, "/auth/logout")
    for _ in range(4):
        assert attempt(client, user.email).status_code == 422
    assert attempt(client, user.email, PASSWORD).status_code == 302


def test_a_locked_account_refuses_the_right_password_without_trying_it(client, make_user):
    user = make_user(Role.TTO)
    lock(client, user.email)
    for _ in range(3):
        assert attempt(client, user.email, PASSWORD).status_code == 429
    assert client.get("/dashboard").status_code == 302


def test_unknown_addresses_lock_the_same_way(client):
    lock(client, "nobody@example.com")
    response = attempt(client, "nobody@example.com")
    assert response.status_code == 429 and paused_for(15) in response.get_data(as_text=True)


def test_a_campus_behind_one_address_can_log_in(client, make_user):
    """Forty people behind one NAT address mistype their passwords: nobody is locked out."""
    people = [make_user(Role.INVENTOR) for _ in range(40)]
    for person in people:
        assert attempt(client, person.email).status_code == 422
    latecomer = make_user(Role.TTO)
    assert attempt(client, latecomer.email, PASSWORD).status_code == 302


def test_the_per_address_limit_still_stops_a_password_spray(another_app, make_user):
    client = another_app(LOGIN_ADDRESS_FAILURE_LIMIT=10).test_client()
    victims = [make_user(Role.COMPANY) for _ in range(11)]
    for victim in victims[:10]:
        assert attempt(client, victim.email).status_code == 422
    response = attempt(client, victims[10].email, PASSWORD)
    assert response.status_code == 429
    assert zh("Too many failed logins from your network. Please try again in %(minutes)d minutes.",
              minutes=15) in response.get_data(as_text=True)
    # Another address is not affected.
    assert attempt(client, victims[10].email, PASSWORD, address="203.0.113.50").status_code == 302


def test_a_locked_out_user_can_reset_the_password_and_log_in(client, make_user, outbox):
    user = make_user(Role.COMPANY)
    lock(client, user.email)
    assert attempt(client, user.email, PASSWORD).status_code == 429
    assert post(client, "/auth/reset", {"email": user.email}).status_code == 302
    (message,) = outbox()
    path = re.search(r"https?://[^/\s]+(/auth/reset/\S+)", plain(message)).group(1)
    new = "Fresh-Start-2026"
    response = client.post(path, data={"csrf_token": csrf_token(client, path), "password": new,
                                       "confirm": new})
    assert response.status_code == 302
    assert attempt(client, user.email, new).status_code == 302


def test_the_lockout_is_recorded_in_the_database(client, make_user):
    from sqlalchemy import select

    from marketplace.accounts.models import LoginThrottle
    from marketplace.extensions import db

    user = make_user(Role.COMPANY)
    lock(client, user.email)
    row = db.session.scalar(select(LoginThrottle).where(LoginThrottle.key.like("account:%")))
    assert row.failures == 5 and row.locked_until > utcnow() + timedelta(minutes=14)


def test_concurrent_attempts_cannot_slip_past_the_limit(app, make_user):
    """Ten wrong passwords at the same moment: five are tried, the others are refused untried."""
    import threading

    user = make_user(Role.TTO)
    browsers = [app.test_client() for _ in range(10)]
    tokens = [csrf_token(browser, "/auth/login") for browser in browsers]
    start, statuses = threading.Barrier(len(browsers)), []

    email = user.email

    def run(browser, token):
        with app.app_context():  # as a server thread has (the test client expects one)
            start.wait()
            response = browser.post("/auth/login", data={"csrf_token": token, "email": email,
                                                         "password": WRONG})
            statuses.append(response.status_code)

    threads = [threading.Thread(target=run, args=pair) for pair in zip(browsers, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [422] * 5 + [429] * 5


def test_old_failures_are_forgotten_and_their_rows_removed(client, make_user, clock):
    from sqlalchemy import func, select

    from marketplace.accounts.models import LoginThrottle
    from marketplace.extensions import db

    user = make_user(Role.COMPANY)
    for _ in range(4):
        assert attempt(client, user.email).status_code == 422
    assert attempt(client, "someone-else@example.com", address="192.0.2.1").status_code == 422
    clock.advance(hours=25)
    # A quiet day later the failures are forgotten: four more wrong passwords are allowed.
    for _ in range(4):
        assert attempt(client, user.email, address="192.0.2.2").status_code == 422
    assert attempt(client, user.email, PASSWORD, address="192.0.2.2").status_code == 302
    # The rows of the other address and account were deleted by the later attempts.
    keys = set(db.session.scalars(select(LoginThrottle.key)))
    assert "account:someone-else@example.com" not in keys and "address:192.0.2.1" not in keys
    assert db.session.scalar(select(func.count()).select_from(LoginThrottle)) == 1  # 192.0.2.2


def test_long_pauses_are_told_in_hours(app):
    from marketplace.accounts import lockout

    with app.test_request_context("/"):
        for failures, expected in ((8, paused_for(120)), (9, None)):
            pause = lockout.pause_after(failures)
            message = lockout.Refusal("account", lockout.now() + pause).message
            assert message == (expected or zh(
                "Too many failed logins. For your security, signing in to this account is paused "
                "for %(hours)d hours. You can reset your password by e-mail meanwhile.", hours=4))
        assert lockout.pause_after(40) == timedelta(hours=24)  # the longest pause
