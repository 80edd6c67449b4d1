"""Issue 19 §3: the roadshow's calendar, read with the ``icalendar`` package, in every mail that
carries one (registration, promotion from the waiting list, new times, cancellation) and from the
download route: one UID, a SEQUENCE raised by every change, the right METHOD and the roadshow's
own times; the mail part says ``text/calendar; charset=UTF-8; method=...``."""

from datetime import timedelta

import icalendar
from sqlalchemy import select

from events import registrations as regs
from events import services
from events.models import Registration, RegistrationStatus, RoadshowState
from marketplace.accounts.models import Role
from marketplace.extensions import db
from tests import factories

PUBLIC = "http://127.0.0.1:5000"  # TestConfig's PUBLIC_URL


def _calendar_of(message) -> tuple[str, icalendar.Calendar]:
    """The raw Content-Type line of the mail's one calendar part, and the calendar it holds."""
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_filename().endswith(".ics")
    raw_type = next(value for name, value in part.raw_items() if name.lower() == "content-type")
    return raw_type, icalendar.Calendar.from_ical(part.get_payload(decode=True))


def _event(calendar: icalendar.Calendar) -> icalendar.Event:
    [event] = calendar.walk("VEVENT")
    return event


def _check_times(event, roadshow) -> None:
    assert event.decoded("DTSTART") == roadshow.starts_at
    assert event.decoded("DTEND") == roadshow.ends_at
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)  # UTC, no floating time
    assert event.decoded("DTSTAMP").utcoffset() == timedelta(0)


def _mail_to(outbox, before: int, user):
    mails = [m for m in outbox()[before:] if m["To"] == user.email]
    assert len(mails) == 1, [m["Subject"] for m in mails]
    return mails[0]


def test_every_calendar_mail_updates_one_entry_and_a_cancellation_removes_it(
        app, client, make_user, outbox):
    host = make_user(Role.TTO)
    roadshow = factories.roadshow(host, capacity=1, title="储能材料专场路演")
    uid = f"roadshow-{roadshow.id}@127.0.0.1"
    first, second = make_user(Role.INVESTOR), make_user(Role.COMPANY, locale="en")

    # Registration: confirmed, with the calendar as METHOD:PUBLISH (no ATTENDEE: not a meeting).
    regs.register(first, roadshow)
    raw_type, calendar = _calendar_of(_mail_to(outbox, 0, first))
    assert raw_type == "text/calendar; charset=UTF-8; method=PUBLISH"
    event = _event(calendar)
    assert calendar["METHOD"] == "PUBLISH" and "ATTENDEE" not in event
    assert str(event["UID"]) == uid and event["SEQUENCE"] == 0
    assert event["STATUS"] == "CONFIRMED" and str(event["SUMMARY"]) == "储能材料专场路演"
    assert str(event["URL"]) == f"{PUBLIC}/roadshows/{roadshow.id}"
    _check_times(event, roadshow)

    # The waiting list's first gets the same entry when a seat opens up.
    regs.register(second, roadshow)
    before = len(outbox())
    regs.cancel(first, regs.registration_of(first, roadshow))
    assert regs.registration_of(second, roadshow).status is RegistrationStatus.CONFIRMED
    raw_type, calendar = _calendar_of(_mail_to(outbox, before, second))
    assert raw_type == "text/calendar; charset=UTF-8; method=PUBLISH"
    assert str(_event(calendar)["UID"]) == uid and _event(calendar)["SEQUENCE"] == 0

    # The host moves it by a day and an hour: same UID, SEQUENCE + 1, the new times.
    data = {name: getattr(roadshow, name) for name in services.ROADSHOW_FIELDS}
    data.update(starts_at=roadshow.starts_at + timedelta(days=1, hours=1),
                ends_at=roadshow.ends_at + timedelta(days=1, hours=2))
    before = len(outbox())
    assert set(services.update_roadshow(host, roadshow, data)) == {"starts_at", "ends_at"}
    db.session.refresh(roadshow)
    update = _mail_to(outbox, before, second)
    assert update["Content-Language"] == "en" and "New times" in update["Subject"]
    raw_type, calendar = _calendar_of(update)
    assert raw_type == "text/calendar; charset=UTF-8; method=PUBLISH"
    event = _event(calendar)
    assert str(event["UID"]) == uid and event["SEQUENCE"] == 1 == roadshow.ics_sequence
    _check_times(event, roadshow)
    assert event.decoded("DTSTART") == data["starts_at"]

    # The download route serves the same entry, as it stands now.
    response = client.get(f"/roadshows/{roadshow.id}/calendar.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.data)
    event = _event(calendar)
    assert calendar["METHOD"] == "PUBLISH" and str(event["UID"]) == uid and event["SEQUENCE"] == 1
    _check_times(event, roadshow)

    # Cancelled: METHOD:CANCEL, STATUS:CANCELLED, SEQUENCE + 1 again, so calendars remove it.
    before = len(outbox())
    services.cancel_roadshow(roadshow, host, "主讲专家临时出差，改期另行通知。")
    db.session.refresh(roadshow)
    assert roadshow.state is RoadshowState.CANCELLED
    raw_type, calendar = _calendar_of(_mail_to(outbox, before, second))
    assert raw_type == "text/calendar; charset=UTF-8; method=CANCEL"
    event = _event(calendar)
    assert calendar["METHOD"] == "CANCEL" and event["STATUS"] == "CANCELLED"
    assert str(event["UID"]) == uid and event["SEQUENCE"] == 2 == roadshow.ics_sequence
    _check_times(event, roadshow)
    # The cancelled registration (first) is not told again; the file still says it is off.
    assert all(m["To"] != first.email for m in outbox()[before:])
    event = _event(icalendar.Calendar.from_ical(
        client.get(f"/roadshows/{roadshow.id}/calendar.ics").data))
    assert event["STATUS"] == "CANCELLED" and event["SEQUENCE"] == 2


def test_only_confirmed_registrants_get_the_new_times(app, make_user, outbox):
    host = make_user(Role.TTO)
    roadshow = factories.roadshow(host, capacity=1)
    confirmed, waiting = make_user(Role.INVESTOR), make_user(Role.INVESTOR)
    regs.register(confirmed, roadshow)
    regs.register(waiting, roadshow)
    data = {name: getattr(roadshow, name) for name in services.ROADSHOW_FIELDS}
    data["ends_at"] = roadshow.ends_at + timedelta(minutes=30)
    before = len(outbox())
    services.update_roadshow(host, roadshow, data)
    assert [m["To"] for m in outbox()[before:]] == [confirmed.email]
    # Changing the title alone sends nothing and keeps the sequence.
    data = {name: getattr(roadshow, name) for name in services.ROADSHOW_FIELDS}
    data["title"] = "改名后的路演"
    before = len(outbox())
    services.update_roadshow(host, roadshow, data)
    assert outbox()[before:] == [] and roadshow.ics_sequence == 1
    assert db.session.scalar(select(Registration.status).where(
        Registration.user_id == waiting.id)) is RegistrationStatus.WAITLISTED
