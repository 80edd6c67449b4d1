"""Outgoing mail: the one way a message leaves the platform.

``send(to, subject, template, locale, *, attachments=None, unsubscribe_url=None, **context)``
renders ``templates/email/<template>.txt`` where it is called, in the recipient's language and with
links on PUBLIC_URL, and hands the message to the ``mail.deliver`` background job once the current
transaction commits (at once when the transaction has written nothing; never when it rolls
back: ``jobs.after_commit``). So no request waits for the mail server. The job's payload is the
message itself as text: it holds no database object, and any worker can deliver it.

The message (``compose``) is multipart/alternative: the text part is the mail's text template
inside ``email/base.txt``; the HTML part is made from that same text (paragraphs, line breaks, links
on PUBLIC_URL made clickable) inside ``email/base.html``, a plain table layout with inline styles,
no remote images and no script. So every mail is written once, as text. Both parts and the message
carry the recipient's language (``Content-Language``, ``<html lang>``). An attachment of type
``text/calendar`` gets ``charset=UTF-8`` and the ``method=`` of its METHOD line (RFC 6047).
``unsubscribe_url`` (digests, alerts and notifications; never transactional mail) adds ``List-Unsubscribe``
and ``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058) and a link in the footer.

``send_mail`` is the transport the job runs: SMTP when ``MAIL_SERVER`` is set, otherwise the
console and a readable outbox folder (``read_outbox``).
"""

import logging
import re
import secrets
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
from markupsafe import Markup, escape

from marketplace import metrics
from marketplace.i18n import html_lang
from marketplace.jobs import after_commit
from marketplace.jobs import services as jobs

log = logging.getLogger(__name__)

DELIVER = "mail.deliver"
#: How long the delivering job waits for the SMTP server (it never holds a request).
SMTP_TIMEOUT_SECONDS = 20


def send(to: str, subject, template: str, locale: str | None = None, *,
         attachments: list[tuple[str, str, bytes]] | None = None,
         unsubscribe_url: str | None = None, **context) -> None:
    """Compose a mail now and deliver it in the background once this transaction commits.

    ``attachments`` are ``(filename, mimetype, content)`` triples; the bytes are sent unchanged
    (base64), so line endings such as the CRLF of an .ics file survive. ``unsubscribe_url`` is the
    one-click unsubscribe link of a mailing the recipient may turn off (accounts/mailings.py).
    """
    message = compose(to, subject, template, locale, attachments=attachments,
                      unsubscribe_url=unsubscribe_url, **context)
    after_commit.call(_submit, bytes(message).decode(), what=f"queue the mail to {to}")


def compose(to: str, subject, template: str, locale: str | None = None, *,
            attachments: list[tuple[str, str, bytes]] | None = None,
            unsubscribe_url: str | None = None, **context) -> EmailMessage:
    """The message ``send`` sends, rendered in ``locale`` (the platform's default when None)."""
    config = current_app.config
    locale = locale or config["BABEL_DEFAULT_LOCALE"]
    language = html_lang(locale)
    # Templates build their links with public_url_for / public_url (always on PUBLIC_URL, never on
    # the request's Host); outside a request (CLI, jobs) rendering needs a request context of its own.
    request_context = (nullcontext() if has_request_context()
                       else current_app.test_request_context(base_url=config["PUBLIC_URL"]))
    with request_context, force_locale(locale):
        body = render_template(f"email/{template}.txt", **context).strip()
        subject_text = str(subject)
        layout = {"subject": subject_text, "lang": language, "unsubscribe_url": unsubscribe_url}
        text = render_template("email/base.txt", body=body, **layout)
        html = render_template("email/base.html", blocks=html_blocks(body, config["PUBLIC_URL"]),
                               **layout)
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject_text
    message["Message-ID"] = make_msgid(domain="bxqx.local")
    message["Date"] = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
    if unsubscribe_url:
        # RFC 2369 and RFC 8058: mail clients offer "unsubscribe", and POST to the link at once.
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text, headers=[f"Content-Language: {language}"])
    message.add_alternative(html, subtype="html", headers=[f"Content-Language: {language}"])
    for filename, mimetype, content in attachments or ():
        maintype, _, subtype = mimetype.partition("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
        if mimetype == "text/calendar":
            part = message.get_payload()[-1]
            del part["Content-Type"]  # set raw: the email package would quote the parameters
            part.set_raw("Content-Type", calendar_content_type(content))
    message["Content-Language"] = language  # after the body: set_content drops Content-* headers
    return message


#: An absolute http(s) URL in running text; trailing punctuation is not part of it.
_URL = re.compile(r"https?://[^\s<>\"'“”‘’（）()，。、；：！？]+")
_URL_TRAILING = ".,;:!?"
_METHOD_LINE = re.compile(rb"^METHOD:([A-Z-]+)\r?$", re.MULTILINE)


def html_blocks(text: str, public_url: str) -> list[Markup]:
    """The paragraphs of a mail's text as HTML: escaped, line breaks kept, and links on this site
    (PUBLIC_URL) made clickable; any other address stays plain text, as a reader typed it."""
    blocks = []
    for paragraph in re.split(r"\n[ \t]*\n", text.strip()):
        lines = [_linked(line, public_url) for line in paragraph.strip("\n").split("\n")]
        if any(lines):
            blocks.append(Markup("<br>\n").join(lines))
    return blocks


def _linked(line: str, public_url: str) -> Markup:
    out, position = Markup(), 0
    for match in _URL.finditer(line):
        url = match.group(0).rstrip(_URL_TRAILING)
        end = match.start() + len(url)
        if url != public_url and not url.startswith(public_url + "/"):
            continue
        out += escape(line[position:match.start()])
        out += Markup('<a href="{0}" style="color:#1f5fa8;word-break:break-all;">{0}</a>').format(url)
        position = end
    return out + escape(line[position:])


def calendar_content_type(content: bytes) -> str:
    """The Content-Type of an iCalendar part (RFC 6047 2.4): its charset and its METHOD, unquoted
    as calendar-aware clients expect, short enough never to be refolded (the file name is in
    Content-Disposition)."""
    match = _METHOD_LINE.search(content)
    method = f"; method={match.group(1).decode('ascii')}" if match else ""
    return f"text/calendar; charset=UTF-8{method}"


def _submit(message: str) -> None:
    jobs.submit(DELIVER, {"message": message})


@jobs.register(DELIVER)
def _deliver(job, message: str) -> None:
    send_mail(_parse(message.encode()))


@metrics.count_failures(metrics.MAIL_FAILURES)
def send_mail(message: EmailMessage) -> None:
    """Hand a composed message to the mail server, or to the outbox without one."""
    config = current_app.config
    if config["MAIL_SERVER"]:
        _send_smtp(message, config)
    else:
        _write_outbox(message, Path(config["MAIL_OUTBOX_DIR"]))


def _send_smtp(message: EmailMessage, config) -> None:
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


def _write_outbox(message: EmailMessage, outbox: Path) -> None:
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    path = outbox / f"{stamp}-{secrets.token_hex(3)}.eml"  # jobs may write at the same moment
    path.write_bytes(bytes(message))
    body = message.get_body(preferencelist=("plain",)) if message.is_multipart() else message
    log.warning("Mail to %s (%s) written to %s\n%s", message["To"], message["Subject"], path,
                body.get_content())


def _parse(raw: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(raw)


def read_outbox(outbox: str | Path) -> list[EmailMessage]:
    """Return the messages in an outbox folder, oldest first (used by tests and the demo)."""
    return [_parse(path.read_bytes()) for path in sorted(Path(outbox).glob("*.eml"))]
