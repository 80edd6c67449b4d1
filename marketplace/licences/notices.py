"""E-mails about open licences: the written notice to the patentee, and what each party must know.

Each function reads the database and mails the people concerned through ``marketplace.mail``:
called after the service has committed, the mails go at once; called inside a transaction (a
payment hook runs inside the payments service's, the reminders inside their own), they go when
it commits and never if it rolls back.
"""

import json

from flask import current_app, has_request_context, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace import amounts, mail, timezones
from marketplace.accounts.models import Role, User
from marketplace.extensions import db
from marketplace.licences.models import OpenLicence, RoyaltyReport
from marketplace.notifications import Kind, notify, register_kind
from marketplace.public_urls import public_url_for

# In-app notifications for the university's tto (the e-mails below already go out: email=False).
register_kind(Kind("licences.accepted", title=_l("Open licence signed: %(title)s"),
                   text=_l("%(company)s accepted the open licence of %(title)s."), mailing=None))
register_kind(Kind("licences.payment_overdue", title=_l("Payment overdue: %(title)s"),
                   text=_l("The trial fee of ¥%(fee)s for %(company)s was due on %(day)s and has "
                           "not been paid."), mailing=None))


def _members(org_id: int, role: Role) -> list[User]:
    return list(db.session.scalars(select(User).where(
        User.organisation_id == org_id, User.role == role, User.active.is_(True)).order_by(User.id)))


def _licence_path(licence: OpenLicence) -> str:
    if has_request_context():
        return url_for("licences.licence", licence_id=licence.id)
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        return url_for("licences.licence", licence_id=licence.id)


def _tell_licensor(licence: OpenLicence, kind: str, **params) -> None:
    """The in-app notification of the licensor's tto (call after the change is committed)."""
    notify(_members(licence.licensor_id, Role.TTO), kind, _licence_path(licence), email=False,
           title=licence.listing.title, company=licence.licensee.name, **params)


def payment_overdue(licence: OpenLicence) -> None:
    """In the bell of the licensor's tto: a trial licence turned overdue (its e-mail: ``overdue``)."""
    _tell_licensor(licence, "licences.payment_overdue", fee=amounts.grouped(licence.fee_amount),
                   day=licence.payment_due_on.isoformat())


def _licence_url(licence: OpenLicence) -> str:
    return public_url_for("licences.licence", licence_id=licence.id)


def _event(licence: OpenLicence, subject, message, *, to_licensor=True, to_licensee=True) -> None:
    """Mail ``message`` about ``licence`` to the licensor's tto and/or the licensee's company."""
    people = []
    if to_licensor:
        people += _members(licence.licensor_id, Role.TTO)
    if to_licensee:
        people += _members(licence.licensee_id, Role.COMPANY)
    context = {"message": message, "title": licence.listing.title, "url": _licence_url(licence),
               "patent": licence.listing.patent_number or licence.listing.application_number}
    for user in people:
        mail.send(user.email, subject, "licence_event", user.locale, name=user.name, **context)


def accepted(licence: OpenLicence) -> None:
    """The written notice (Patent Law art. 51) to the declared notice address, then both parties."""
    declaration = licence.declaration
    mail.send(declaration.notice_email,
              _l("Written notice of acceptance of an open licence: %(title)s",
                 title=licence.listing.title), "licence_notice", None,
              licensor=licence.licensor.name, licensee=licence.licensee.name,
              notice=_notice_text(licence), sha256=licence.sha256, url=_licence_url(licence),
              verify_url=public_url_for("licences.verify", sha256=licence.sha256))
    if licence.fee_amount and licence.state.value == "awaiting_payment":
        message = _l("%(company)s signed an open licence. It takes effect when the fee of "
                     "¥%(fee)s is paid.", company=licence.licensee.name,
                     fee=amounts.grouped(licence.fee_amount))
    elif licence.is_trial:
        message = _l("%(company)s signed an open licence as a trial; it is in force until "
                     "%(day)s, when payment falls due.", company=licence.licensee.name,
                     day=licence.trial_ends_on.isoformat())
    else:
        message = _l("%(company)s signed an open licence; it is in force.",
                     company=licence.licensee.name)
    _event(licence, _l("Open licence signed: %(title)s", title=licence.listing.title), message)
    _tell_licensor(licence, "licences.accepted")


def _notice_text(licence: OpenLicence) -> str:
    return json.loads(licence.document)["notice"]


def effective(licence: OpenLicence) -> None:
    _event(licence, _l("Open licence in force: %(title)s", title=licence.listing.title),
           _l("The fee was received; the licence is in force. Record it with CNIPA by %(day)s.",
              day=licence.record_due_on.isoformat()))


def first_revenue(licence: OpenLicence) -> None:
    _event(licence, _l("Trial licence: first revenue reported"),
           _l("%(company)s reported its first revenue on %(day)s; the fee is due by %(due)s.",
              company=licence.licensee.name, day=licence.first_revenue_on.isoformat(),
              due=licence.payment_due_on.isoformat()))


def ended(licence: OpenLicence) -> None:
    _event(licence, _l("Open licence ended: %(title)s", title=licence.listing.title),
           _l("The licence ended: %(reason)s", reason=licence.end_reason or ""))


def trial_reminder(licence: OpenLicence) -> None:
    _event(licence, _l("Trial licence: payment due on %(day)s",
                       day=licence.payment_due_on.isoformat()),
           _l("The trial payment of ¥%(fee)s falls due on %(day)s. Pay it to convert the "
              "trial to a paid licence, or exit the trial.", fee=amounts.grouped(licence.fee_amount),
              day=licence.payment_due_on.isoformat()), to_licensor=False)


def overdue(licence: OpenLicence) -> None:
    _event(licence, _l("Payment overdue: %(title)s", title=licence.listing.title),
           _l("The trial fee of ¥%(fee)s for %(company)s was due on %(day)s and has not "
              "been paid.", fee=amounts.grouped(licence.fee_amount), company=licence.licensee.name,
              day=licence.payment_due_on.isoformat()))


def record_reminder(licence: OpenLicence) -> None:
    _event(licence, _l("Record the open licence with CNIPA by %(day)s",
                       day=licence.record_due_on.isoformat()),
           _l("The licence took effect on %(start)s. Either party records it with CNIPA "
              "within three months, by %(day)s, and then enters the record number here.",
              start=timezones.local_date(licence.effective_at).isoformat(),
              day=licence.record_due_on.isoformat()))


def report_filed(report: RoyaltyReport) -> None:
    licence = report.licence
    _event(licence, _l("Royalty report filed: %(title)s", title=licence.listing.title),
           _l("%(company)s reported a base of ¥%(base)s for %(start)s to %(end)s; the royalty "
              "is ¥%(royalty)s.", company=licence.licensee.name, base=amounts.grouped(report.base_amount),
              start=report.period_start.isoformat(), end=report.period_end.isoformat(),
              royalty=amounts.grouped(report.royalty)), to_licensee=False)
