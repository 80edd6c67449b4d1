"""Time zones: the one place that says in which zone a stored time is read.

Times are stored in UTC (``db_types.UTCDateTime``). The platform's calendar is Beijing time
(Asia/Shanghai): deadlines, statement periods, the action's years, licence dates, exports. People
see times in their own zone, Beijing unless they picked another (``accounts`` profile); a page
shows them in the zone Flask-Babel chose for the request (``i18n.select_timezone``).
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; raises ``ZoneInfoNotFoundError`` (a ``KeyError``) or ``ValueError``
    when there is no such zone."""
    return ZoneInfo(name)


#: China Standard Time, the platform's calendar.
BEIJING = zone("Asia/Shanghai")

#: The zones a person may pick in the profile, by IANA id, with the name people read.
ZONE_LABELS = {
    "Asia/Shanghai": _l("Beijing time (China Standard Time)"),
    "Asia/Hong_Kong": _l("Hong Kong time"),
    "Asia/Taipei": _l("Taipei time"),
    "Asia/Singapore": _l("Singapore time"),
    "Asia/Tokyo": _l("Tokyo time"),
    "Europe/London": _l("London time"),
    "Europe/Berlin": _l("Central European time (Berlin)"),
    "America/New_York": _l("US Eastern time (New York)"),
    "America/Los_Angeles": _l("US Pacific time (Los Angeles)"),
    "UTC": _l("Coordinated Universal Time (UTC)"),
}


def local_date(moment: datetime, in_zone: ZoneInfo = BEIJING) -> date:
    """The calendar day of ``moment`` (aware) in ``in_zone``, Beijing by default."""
    return moment.astimezone(in_zone).date()


def today(in_zone: ZoneInfo = BEIJING) -> date:
    """Today in ``in_zone``: in Beijing by default, ``today(user_zone(user))`` for a user."""
    return local_date(datetime.now(UTC), in_zone)


def user_zone(user) -> ZoneInfo:
    """The zone ``user`` picked, else the default (BABEL_DEFAULT_TIMEZONE); for mails, which are
    written outside the user's request."""
    default = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    try:
        return zone(user.timezone or default)
    except (ZoneInfoNotFoundError, ValueError):
        return zone(default)


def viewer_zone() -> ZoneInfo:
    """The zone this request's pages show times in (the one Flask-Babel's ``get_timezone`` chose)."""
    return zone(str(get_timezone()))
