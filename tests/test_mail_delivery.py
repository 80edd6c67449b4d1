"""Mail leaves through one path: composed in the request, delivered by a job after the commit.

A request that sends mail never waits for the mail server; a mail for a change that is rolled
back is never sent; the job's payload is the message as text.
"""

import socket
import threading
import time
from email import message_from_bytes, message_from_string, policy
from email.message import EmailMessage

import pytest

from marketplace import mail
from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.jobs.models import Job, JobState
from tests.conftest import post
from tests.mail_support import plain


class SlowSMTPServer:
    """A loopback SMTP server that accepts a connection and says nothing until ``answer()``."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.commands: list[str] = []
        self.data = b""
        self._answer = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def answer(self) -> None:
        self._answer.set()

    def close(self) -> None:
        self._answer.set()
        self.listener.close()
        self._thread.join(5)

    def _serve(self) -> None:
        self.listener.settimeout(30)
        try:
            connection, _ = self.listener.accept()
            with connection, connection.makefile("rwb") as stream:
                self._answer.wait(30)
                self._converse(stream)
        except OSError:  # closed, or the client gave up waiting
            return

    def _converse(self, stream) -> None:
        def reply(line: str) -> None:
            stream.write(line.encode() + b"\r\n")
            stream.flush()

        reply("220 slow.test ESMTP")
        for raw in stream:
            command = raw.decode().strip()
            self.commands.append(command)
            verb = command.split(" ")[0].upper()
            if verb == "DATA":
                reply("354 go ahead")
                for line in stream:
                    if line == b".\r\n":
                        break
                    # The client doubles a line's leading dot (RFC 5321, 4.5.2): a server undoes
                    # it. Without this, a body line that happened to start with "." (a reset
                    # token folded by quoted-printable) arrived with two.
                    self.data += line[1:] if line.startswith(b".") else line
                reply("250 queued")
            elif verb == "QUIT":
                reply("221 bye")
                return
            else:
                reply("250 ok")


@pytest.fixture
def smtp(app, monkeypatch):
    server = SlowSMTPServer()
    for key, value in {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": server.port, "MAIL_USE_TLS": False,
                       "MAIL_USE_SSL": False, "MAIL_USERNAME": "", "JOBS_INLINE": False}.items():
        monkeypatch.setitem(app.config, key, value)
    yield server
    server.close()


def _finished(job_id: int, seconds: float = 15) -> Job:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.expire_all()
        job = db.session.get(Job, job_id)
        if job.done:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


def _mail_job() -> Job:
    return db.session.scalars(db.select(Job).where(Job.name == mail.DELIVER)).one()


def test_a_request_that_mails_does_not_wait_for_the_mail_server(app, client, make_user, smtp):
    user = make_user(Role.TTO, locale="en")
    started = time.monotonic()
    response = post(client, "/auth/reset", {"email": user.email})
    elapsed = time.monotonic() - started
    assert response.status_code == 302
    assert elapsed < 5, f"the request waited {elapsed:.1f} s for the mail server"
    job = _mail_job()
    assert not job.done and smtp.commands == []
    # The payload is the rendered message as text: JSON, no database object.
    assert set(job.payload) == {"message"}
    queued = message_from_string(job.payload["message"], policy=policy.default)
    assert queued["To"] == user.email and "/auth/reset/" in plain(queued)

    smtp.answer()
    job = _finished(job.id)
    assert job.state is JobState.SUCCEEDED
    assert f"rcpt TO:<{user.email}>" in smtp.commands
    delivered = message_from_bytes(smtp.data, policy=policy.default)
    assert delivered["Message-ID"] == queued["Message-ID"]
    assert plain(delivered).replace("\r\n", "\n") == plain(queued)


def test_lines_that_start_with_a_dot_arrive_as_written(app, smtp):
    """SMTP's end of data is a line holding one dot: the transport must double a leading dot and
    the server undo it, so a body line such as a folded token that starts with "." arrives intact
    (it once failed at random, when quoted-printable folded a reset token before a dot)."""
    smtp.answer()
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.cn", "b@example.cn", "dots"
    message.set_content("first line\n.second starts with a dot\n.\n..fourth starts with two\n")
    mail.send_mail(message)
    delivered = message_from_bytes(smtp.data, policy=policy.default)
    assert delivered.get_content().replace("\r\n", "\n") == message.get_content()


def test_a_mail_server_that_never_answers_leaves_a_failed_job(app, client, make_user, smtp,
                                                              monkeypatch):
    monkeypatch.setattr(mail, "SMTP_TIMEOUT_SECONDS", 0.5)
    monkeypatch.setitem(app.config, "JOBS_MAX_ATTEMPTS", 1)  # a timeout is retried until the last
    user = make_user(Role.TTO)
    started = time.monotonic()
    assert post(client, "/auth/reset", {"email": user.email}).status_code == 302
    assert time.monotonic() - started < 5
    job = _finished(_mail_job().id)
    assert job.state is JobState.FAILED and "timed out" in job.error and job.attempts == 1
    smtp.close()


def test_a_mail_for_a_rolled_back_change_is_never_sent(app, make_user, outbox):
    user = make_user(Role.TTO)
    user.name = "改名"
    mail.send(user.email, "Hello", "reset_password", user=user, token="t")
    db.session.rollback()
    db.session.commit()
    assert outbox() == [] and not db.session.scalars(db.select(Job)).all()


def test_a_mail_asked_for_after_the_commit_is_sent_at_once(app, make_user, outbox):
    user = make_user(Role.TTO, locale="en")
    mail.send(user.email, "Hello", "reset_password", "en", user=user, token="t")
    (message,) = outbox()
    assert message["To"] == user.email and message["Subject"] == "Hello"
    assert _mail_job().state is JobState.SUCCEEDED


def test_a_mail_inside_a_transaction_goes_when_it_commits(app, make_user, outbox):
    user = make_user(Role.TTO)
    user.name = "改名"
    mail.send(user.email, "Hello", "reset_password", user=user, token="t")
    assert outbox() == []
    db.session.commit()
    assert [m["To"] for m in outbox()] == [user.email]
