"""Language and time-zone selection, and the template helpers that format for the user."""

from functools import lru_cache

from babel import Locale
from flask import current_app, has_request_context, request, session
from flask_babel import format_datetime, format_time
from flask_login import current_user


def select_locale() -> str:
    """An explicit choice in this browser, then the user's preference, then Chinese."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
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


def datetime_filter(value, format: str = "medium") -> str:
    if value is None:
        return "—"
    return format_datetime(value, format)


def fmt_time(value) -> str:
    """The time of day, short (``10:00``), in the viewer's zone and language."""
    return format_time(value, "short")


def current_path() -> str:
    """This page's path and query (for "back here" links); a malformed query never raises."""
    if not request:
        return "/"
    query = request.query_string.decode("utf-8", "replace")
    return f"{request.path}?{query}" if query else request.path
