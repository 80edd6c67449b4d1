"""Mail leaves through the job queue and reaches a real SMTP server (aiosmtpd on loopback).

A reset mail and a roadshow confirmation with its .ics arrive with the right headers, in the
recipient's language; with the mail server down, the request still answers at once and the
mail job waits for a retry, and arrives once the server is back and the job runs again.
"""

import socket
import time
from datetime import timedelta
from email import message_from_bytes, policy
from email.utils import parsedate_to_datetime

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from events.models import Registration
from marketplace import mail
from marketplace.accounts.models import Role
from marketplace.db_types import utcnow
from marketplace.extensions import db
from marketplace.jobs import services as jobs
from marketplace.jobs.models import Job, JobState
from tests import factories
from tests.conftest import login, post


class Inbox:
    """aiosmtpd's handler: keeps every message it accepts, with its envelope."""

    def __init__(self):
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def messages(self):
        return [message_from_bytes(content, policy=policy.default)
                for _, _, content in self.received]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_port(app, monkeypatch):
    """A loopback port the app mails to (nothing listens until a test starts a server)."""
    port = _free_port()
    for key, value in {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_USE_TLS": False,
                       "MAIL_USE_SSL": False, "MAIL_USERNAME": ""}.items():
        monkeypatch.setitem(app.config, key, value)
    return port


def _start(port: int) -> tuple[Controller, Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, inbox


@pytest.fixture
def smtp_server(smtp_port):
    controller, inbox = _start(smtp_port)
    yield inbox
    controller.stop()


def _mail_jobs() -> list[Job]:
    return db.session.scalars(select(Job).where(Job.name == mail.DELIVER).order_by(Job.id)).all()


def test_a_reset_mail_arrives_in_english_with_its_headers(app, client, make_user, smtp_server):
    user = make_user(Role.TTO, locale="en")
    assert post(client, "/auth/reset", {"email": user.email}).status_code == 302
    (sender, recipients, _), = smtp_server.received
    assert recipients == [user.email] and "noreply@localhost" in sender
    (message,) = smtp_server.messages()
    assert message["To"] == user.email
    assert message["Subject"] == "Reset your password"  # decoded by the parser
    assert message["Message-ID"].startswith("<") and message["Message-ID"].endswith("@bxqx.local>")
    assert abs(parsedate_to_datetime(message["Date"]) - utcnow()) < timedelta(minutes=2)
    body = message.get_body(("plain",)).get_content()
    assert "http://127.0.0.1:5000/auth/reset/" in body  # PUBLIC_URL, not the request's host
    (job,) = _mail_jobs()
    assert job.state is JobState.SUCCEEDED and job.attempts == 1


def test_a_chinese_user_gets_the_roadshow_confirmation_with_its_calendar_file(
        app, client, auth, make_user, smtp_server):
    host = make_user(Role.TTO)
    roadshow = factories.roadshow(host, title="新材料专场路演")
    investor = login(auth, make_user(Role.INVESTOR, locale="zh_CN"))
    smtp_server.received.clear()  # nothing mailed so far matters here
    response = post(client, f"/roadshows/{roadshow.id}/register", {"note": ""})
    assert response.status_code == 302
    assert db.session.scalars(select(Registration)).one().user_id == investor.id
    confirmations = [m for m in smtp_server.messages() if m["To"] == investor.email]
    (message,) = confirmations
    assert message["Subject"] == "报名成功：新材料专场路演"
    assert message["Message-ID"] and message["Date"]
    assert "新材料专场路演" in message.get_body(("plain",)).get_content()
    (calendar,) = [part for part in message.iter_attachments()]
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_filename() == f"roadshow-{roadshow.id}.ics"
    ics = calendar.get_payload(decode=True)
    assert ics.startswith(b"BEGIN:VCALENDAR\r\n") and b"\r\nEND:VCALENDAR" in ics
    assert b"SUMMARY:" in ics


def test_with_the_mail_server_down_the_request_answers_and_the_mail_comes_later(
        app, client, make_user, smtp_port):
    user = make_user(Role.COMPANY, locale="zh_CN")
    started = time.monotonic()
    response = post(client, "/auth/reset", {"email": user.email})
    elapsed = time.monotonic() - started
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login")
    assert elapsed < 2, f"the request took {elapsed:.2f} s with the mail server down"
    (job,) = _mail_jobs()
    assert job.state is JobState.QUEUED and job.attempts == 1
    assert job.next_attempt_at > utcnow() and "Connection" in job.error

    # Still down at the next attempt: the wait grows.
    first_wait = job.next_attempt_at
    app.config["JOBS_RETRY_BASE_SECONDS"] = 0
    db.session.execute(db.update(Job).where(Job.id == job.id).values(next_attempt_at=utcnow()))
    db.session.commit()
    jobs.run(job.id)
    db.session.refresh(job)
    assert job.state is JobState.QUEUED and job.attempts == 2 and job.next_attempt_at

    controller, inbox = _start(smtp_port)
    try:
        counts = jobs.recover(utcnow() + timedelta(hours=2), inline=True)
        assert counts["dispatched"] == 1
        db.session.refresh(job)
        assert job.state is JobState.SUCCEEDED and job.attempts == 3 and job.error is None
        (message,) = inbox.messages()
        assert message["To"] == user.email and message["Subject"] == "重置密码"
    finally:
        controller.stop()
    assert first_wait is not None


def test_a_mail_that_keeps_failing_fails_after_the_last_attempt(app, make_user, smtp_port):
    app.config.update(JOBS_MAX_ATTEMPTS=2, JOBS_RETRY_BASE_SECONDS=0)
    user = make_user(Role.TTO)
    mail.send(user.email, "Hello", "reset_password", user=user, token="t")
    (job,) = _mail_jobs()
    assert job.state is JobState.QUEUED and job.attempts == 1
    jobs.run(job.id)
    db.session.refresh(job)
    assert job.state is JobState.FAILED and job.attempts == 2
    assert job.error.startswith("ConnectionRefusedError")
