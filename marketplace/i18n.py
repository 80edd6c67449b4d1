"""Language and time-zone selection, and the template helpers that format for the user."""

from flask import current_app, has_request_context, request, session
from flask_babel import format_datetime
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


def current_path() -> str:
    return request.full_path.rstrip("?") if request else "/"
