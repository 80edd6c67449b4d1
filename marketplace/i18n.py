"""Language and time-zone selection, and the template helpers that format for the user."""

from functools import lru_cache

from babel import Locale
from babel.dates import format_date, get_datetime_format
from babel.dates import format_time as babel_format_time
from flask import current_app, g, has_request_context, request, session
from flask_babel import format_time, get_locale, get_timezone
from flask_login import current_user


def select_locale() -> str:
    """An explicit choice in this browser, then the user's preference (or the addressee's of a
    page reached from a mail), then Chinese."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    # A page for someone who is not logged in but known (the unsubscribe link names its user).
    addressee = g.get("addressee_locale")
    if addressee in languages:
        return addressee
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


@lru_cache(maxsize=32)
def _parsed(code: str) -> Locale:
    return Locale.parse(code)


def babel_locale() -> Locale:
    """Flask-Babel's locale selector: ``select_locale``'s choice, parsed once per process.

    Flask-Babel parses whatever the selector returns, and ``Locale.parse`` of a string costs about
    0.5 ms (Babel scans its locale-data folder); a ``Locale`` is taken as it is.
    """
    return _parsed(select_locale())


def select_timezone() -> str:
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_TIMEZONE"]
    if current_user and current_user.is_authenticated and current_user.timezone:
        return current_user.timezone
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def html_lang(locale: str) -> str:
    """The BCP 47 tag for the html lang attribute."""
    return {"zh_CN": "zh-CN"}.get(locale, locale)


def moment_text(value, format: str = "medium", *, tzinfo, locale) -> str:
    """A date and time of day in ``tzinfo`` and ``locale``, to the minute: the locale's date in
    ``format`` (short, medium, long) and the short time (``2026年12月6日 22:05``); no seconds."""
    local = value.astimezone(tzinfo)
    date_part = format_date(local.date(), format, locale=locale)
    time_part = babel_format_time(local, "short", tzinfo=tzinfo, locale=locale)
    return get_datetime_format(format, locale=locale).replace("{1}", date_part).replace("{0}", time_part)


def datetime_filter(value, format: str = "medium") -> str:
    """The ``datetime`` template filter: ``moment_text`` in the viewer's zone and language."""
    if value is None:
        return "—"
    return moment_text(value, format, tzinfo=get_timezone(), locale=get_locale())


def fmt_time(value) -> str:
    """The time of day, short (``10:00``), in the viewer's zone and language."""
    return format_time(value, "short")


def current_path() -> str:
    """This page's path and query (for "back here" links); a malformed query never raises."""
    if not request:
        return "/"
    query = request.query_string.decode("utf-8", "replace")
    return f"{request.path}?{query}" if query else request.path
