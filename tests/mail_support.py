"""Reading the mails the platform sends (multipart/alternative: text and HTML)."""

from email.message import EmailMessage


def plain(message: EmailMessage) -> str:
    """The text part of a mail (what a text-only reader shows)."""
    return message.get_body(preferencelist=("plain",)).get_content()


def html(message: EmailMessage) -> str:
    """The HTML part of a mail."""
    return message.get_body(preferencelist=("html",)).get_content()
