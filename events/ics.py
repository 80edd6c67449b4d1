"""iCalendar (RFC 5545) files for a roadshow: one VEVENT, UTC times, escaped and folded lines."""

from datetime import UTC, datetime

from events.models import Roadshow, RoadshowState
from marketplace.db_types import utcnow

PRODID = "-//bxqx//Roadshows//ZH"
#: RFC 5545 3.1: lines longer than 75 octets are folded (CRLF followed by one space).
MAX_OCTETS = 75


def escape_text(value: str) -> str:
    """Escape a TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newlines."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character."""
    pieces, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        # Continuation lines start with a space, which counts towards their 75 octets.
        limit = MAX_OCTETS if not pieces else MAX_OCTETS - 1
        if size + width > limit:
            pieces.append(current)
            current, size = "", 0
        current += char
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces)


def utc_stamp(value: datetime) -> str:
    """A DATE-TIME in UTC form (``20261203T020000Z``)."""
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


#: iTIP methods (RFC 5546 3.2). The roadshow's calendar has no ATTENDEE (it is the same file for
#: every registrant, and the download route serves it to anyone who may see the roadshow), so it is
#: PUBLISH, not REQUEST: REQUEST needs at least one ATTENDEE and asks each one for a reply. A later
#: PUBLISH with the same UID and a higher SEQUENCE updates the entry; CANCEL removes it (RFC 5546
#: 3.2.1: a published event is updated with PUBLISH and cancelled with CANCEL).
PUBLISH, CANCEL = "PUBLISH", "CANCEL"


def roadshow_calendar(roadshow: Roadshow, *, page_url: str, host: str, now: datetime | None = None,
                      method: str = PUBLISH) -> bytes:
    """The .ics file for ``roadshow``: one VEVENT, METHOD:PUBLISH (a calendar entry, not a meeting
    invitation), or METHOD:CANCEL with STATUS:CANCELLED to remove it from calendars."""
    if method not in (PUBLISH, CANCEL):
        raise ValueError(f"unsupported iTIP method {method!r}")
    description = roadshow.description.strip()
    if roadshow.agenda:
        lines = [f"{item.position}. {item.listing.title} — {item.presenter}" for item in roadshow.agenda]
        description = "\n".join(filter(None, [description, "", *lines]))
    description = "\n\n".join(filter(None, [description, page_url]))
    cancelled = method == CANCEL or roadshow.state is RoadshowState.CANCELLED
    status = "CANCELLED" if cancelled else "CONFIRMED"
    properties = [
        ("BEGIN", "VCALENDAR"), ("VERSION", "2.0"), ("PRODID", PRODID), ("CALSCALE", "GREGORIAN"),
        ("METHOD", method),
        ("BEGIN", "VEVENT"),
        ("UID", f"roadshow-{roadshow.id}@{host}"),
        ("DTSTAMP", utc_stamp(now or utcnow())),
        ("DTSTART", utc_stamp(roadshow.starts_at)),
        ("DTEND", utc_stamp(roadshow.ends_at)),
        # Changes to the event (times, cancellation) supersede earlier copies with the same UID.
        ("SEQUENCE", str(roadshow.ics_sequence or 0)),
        ("SUMMARY", escape_text(roadshow.title)),
        ("DESCRIPTION", escape_text(description)),
        ("LOCATION", escape_text(roadshow.stream_url or page_url)),
        ("URL", page_url),
        ("ORGANIZER;CN=" + _param(roadshow.organisation.name), f"mailto:noreply@{host}"),
        ("STATUS", status),
        ("TRANSP", "OPAQUE"),
        ("END", "VEVENT"),
        ("END", "VCALENDAR"),
    ]
    text = "".join(fold(f"{name}:{value}") + "\r\n" for name, value in properties)
    return text.encode("utf-8")


def _param(value: str) -> str:
    """A parameter value (RFC 5545 3.2): quoted, with the characters it cannot hold removed."""
    return '"' + value.replace('"', "").replace("\r", " ").replace("\n", " ") + '"'
