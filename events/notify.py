"""E-mails to registrants, in their language and time zone. Confirmations, promotions from the
waiting list and new times carry the roadshow's .ics (METHOD:PUBLISH, same UID, the roadshow's
SEQUENCE, raised on every change); the roadshow's cancellation carries METHOD:CANCEL."""


from babel.dates import format_time
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from events import registration_notices
from events.ics import CANCEL, PUBLISH, roadshow_calendar
from events.models import Registration, RegistrationStatus, Roadshow
from marketplace import mail, timezones
from marketplace.i18n import moment_text
from marketplace.public_urls import public_host, public_url_for


def when_text(roadshow: Roadshow, user) -> str:
    """'Dec 3, 2026, 10:00 AM – 12:00 PM, Beijing time (China Standard Time)' in the user's zone
    and language ('北京时间（中国标准时间） 2026年12月3日 10:00 – 12:00')."""
    zone = timezones.user_zone(user)
    locale = user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    start = moment_text(roadshow.starts_at, tzinfo=zone, locale=locale)
    same_day = (roadshow.starts_at.astimezone(zone).date() == roadshow.ends_at.astimezone(zone).date())
    end = (format_time(roadshow.ends_at, "short", tzinfo=zone, locale=locale) if same_day
           else moment_text(roadshow.ends_at, tzinfo=zone, locale=locale))
    with force_locale(locale):
        return _("%(time)s, %(zone)s", time=f"{start} – {end}",
                 zone=str(timezones.ZONE_LABELS.get(zone.key, zone.key)))


def page_url(roadshow: Roadshow) -> str:
    return public_url_for("events.detail", roadshow_id=roadshow.id)


def calendar_file(roadshow: Roadshow, method: str = PUBLISH) -> bytes:
    return roadshow_calendar(roadshow, page_url=page_url(roadshow), host=public_host(),
                             method=method)


def _send(registration: Registration, subject_msgid_fn, template: str, *, ics: str | None = None,
          **context) -> None:
    """Mail one registrant; ``ics`` is the iTIP method of the attached calendar, if any."""
    user, roadshow = registration.user, registration.roadshow
    if not user.active:
        return
    locale = user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        subject = subject_msgid_fn(roadshow)
    attachments = [(f"roadshow-{roadshow.id}.ics", "text/calendar",
                    calendar_file(roadshow, ics))] if ics else None
    from events.registrations import waitlist_position  # cycle: registrations imports notify

    mail.send(user.email, subject, template, locale=locale, attachments=attachments,
              roadshow=roadshow, registration=registration, user=user,
              when=when_text(roadshow, user), url=page_url(roadshow),
              position=waitlist_position(registration), **context)


def registered(registration: Registration) -> None:
    """After registering: confirmed (with .ics), pending approval, or waiting."""
    status = registration.status
    if status is RegistrationStatus.CONFIRMED:
        _send(registration, lambda r: _("Registration confirmed: %(title)s", title=r.title),
              "roadshow_confirmed", ics=PUBLISH)
    elif status is RegistrationStatus.PENDING:
        _send(registration, lambda r: _("Registration received: %(title)s", title=r.title),
              "roadshow_pending")
    elif status is RegistrationStatus.WAITLISTED:
        _send(registration, lambda r: _("On the waiting list: %(title)s", title=r.title),
              "roadshow_waitlisted")


def approved(registration: Registration) -> None:
    """The host approved: confirmed, or placed on the waiting list."""
    registered(registration)
    registration_notices.decided(registration, "approved")


def promoted(registration: Registration) -> None:
    """A seat opened up for someone on the waiting list."""
    _send(registration, lambda r: _("A seat opened up: %(title)s", title=r.title),
          "roadshow_promoted", ics=PUBLISH)
    registration_notices.decided(registration, "promoted")


def rejected(registration: Registration) -> None:
    _send(registration, lambda r: _("Registration declined: %(title)s", title=r.title),
          "roadshow_rejected")
    registration_notices.decided(registration, "rejected")


def cancelled(registration: Registration, *, by_host: bool) -> None:
    _send(registration, lambda r: _("Registration cancelled: %(title)s", title=r.title),
          "roadshow_registration_cancelled", by_host=by_host)


def roadshow_cancelled(registration: Registration) -> None:
    """The host cancelled the whole roadshow (the .ics: METHOD:CANCEL, STATUS:CANCELLED)."""
    _send(registration, lambda r: _("Roadshow cancelled: %(title)s", title=r.title),
          "roadshow_cancelled", ics=CANCEL)


def times_changed(registration: Registration) -> None:
    _send(registration, lambda r: _("New times: %(title)s", title=r.title),
          "roadshow_times_changed", ics=PUBLISH)
