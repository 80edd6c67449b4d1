"""Outgoing mail: SMTP when configured, otherwise the console and a readable outbox folder."""

import logging
import smtplib
from contextlib import nullcontext
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import make_msgid
from pathlib import Path

from flask import current_app, has_request_context, render_template
from flask_babel import force_locale

log = logging.getLogger(__name__)


def send_mail(to: str, subject: str, template: str, locale: str | None = None, *,
              attachments: list[tuple[str, str, bytes]] | None = None, **context) -> EmailMessage:
    """Render ``templates/email/<template>.txt`` in the recipient's language and send it.

    ``attachments`` are ``(filename, mimetype, content)`` triples; the bytes are sent unchanged
    (base64), so line endings such as the CRLF of an .ics file survive.
    """
    config = current_app.config
    # Templates build their links with public_url_for / public_url (always on PUBLIC_URL, never on
    # the request's Host); outside a request (CLI, jobs) rendering needs a request context of its own.
    request_context = (nullcontext() if has_request_context()
                       else current_app.test_request_context(base_url=config["PUBLIC_URL"]))
    with request_context, force_locale(locale or config["BABEL_DEFAULT_LOCALE"]):
        body = render_template(f"email/{template}.txt", **context)
        subject_text = str(subject)
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject_text
    message["Message-ID"] = make_msgid(domain="bxqx.local")
    message["Date"] = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
    message.set_content(body)
    for filename, mimetype, content in attachments or ():
        maintype, _, subtype = mimetype.partition("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    if config["MAIL_SERVER"]:
        _send_smtp(message, config)
    else:
        _write_outbox(message, Path(config["MAIL_OUTBOX_DIR"]))
    return message


def _send_smtp(message: EmailMessage, config) -> None:
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


def _write_outbox(message: EmailMessage, outbox: Path) -> None:
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    path = outbox / f"{stamp}.eml"
    path.write_bytes(bytes(message))
    body = message.get_body(preferencelist=("plain",)) if message.is_multipart() else message
    log.warning("Mail to %s (%s) written to %s\n%s", message["To"], message["Subject"], path,
                body.get_content())


def read_outbox(outbox: str | Path) -> list[EmailMessage]:
    """Return the messages in an outbox folder, oldest first (used by tests and the demo)."""
    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(path.read_bytes()) for path in sorted(Path(outbox).glob("*.eml"))]
