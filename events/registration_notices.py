"""In-app notifications of a host's decisions on a registration (the registrant's bell).

``events.notify`` already e-mails these decisions, so the notifications are stored with
``email=False``: the registrant gets one e-mail and one bell entry. Call ``decided`` after the
service has committed, from ``notify.approved``, ``notify.rejected`` and ``notify.promoted``.
"""

from flask import current_app, has_request_context, url_for
from flask_babel import lazy_gettext as _l

from events.models import Registration, RegistrationStatus
from marketplace.notifications import Kind, notify, register_kind

register_kind(Kind("events.registration_confirmed", title=_l("Registration confirmed: %(title)s"),
                   text=_l("The host approved your registration for %(title)s: your seat is "
                           "confirmed.")))
register_kind(Kind("events.registration_waitlisted", title=_l("On the waiting list: %(title)s"),
                   text=_l("The host approved your registration for %(title)s, but the roadshow "
                           "is full: you are on the waiting list.")))
register_kind(Kind("events.registration_rejected", title=_l("Registration declined: %(title)s"),
                   text=_l("The host declined your registration for %(title)s.")))
register_kind(Kind("events.registration_promoted", title=_l("A seat opened up: %(title)s"),
                   text=_l("A seat opened up at %(title)s: you moved from the waiting list to a "
                           "confirmed seat.")))


def _path(registration: Registration) -> str:
    if has_request_context():
        return url_for("events.detail", roadshow_id=registration.roadshow_id)
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        return url_for("events.detail", roadshow_id=registration.roadshow_id)


def decided(registration: Registration, decision: str) -> None:
    """Tell the registrant in the bell: ``approved`` (confirmed or waiting), ``rejected`` or
    ``promoted``."""
    if decision == "approved":
        kind = ("events.registration_confirmed"
                if registration.status is RegistrationStatus.CONFIRMED
                else "events.registration_waitlisted")
    else:
        kind = f"events.registration_{decision}"
    notify([registration.user], kind, _path(registration), email=False,
           title=registration.roadshow.title)
