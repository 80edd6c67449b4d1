"""Every state change of a disclosure before its assessment: drafting, inventors and their shares,
planned public disclosures, files, submission and the co-inventors' confirmations.

The assessment and the decision are in ``assessment.py``; the filing, grant and listing in
``filing.py``. Each function checks its rule, audits, and commits once; notifications follow the
commit.
"""

import calendar
from datetime import date
from decimal import Decimal

from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from marketplace import uploads
from marketplace.accounts.models import Role, User
from marketplace.audit import services as audit
from marketplace.db_types import utcnow
from marketplace.disclosures.models import (
    Disclosure,
    DisclosureFile,
    DisclosureInventor,
    DisclosureState,
    PlannedDisclosure,
)
from marketplace.errors import InvalidTransition, ServiceError
from marketplace.extensions import db
from marketplace.notifications import Kind, members_of, notify, register_kind
from marketplace.permissions import check

HUNDRED = Decimal("100")
#: Patent Law art. 24: a qualifying disclosure keeps novelty for this many months.
GRACE_MONTHS = 6
#: Fields of the disclosure form (besides inventors and public dates).
FIELDS = ("title", "problem", "solution", "novelty", "field", "funding", "publications")

register_kind(Kind("disclosures.submitted", title=_l("New invention disclosure: %(title)s"),
                   text=_l("%(inventor)s submitted the disclosure “%(title)s” for assessment.")))
register_kind(Kind("disclosures.confirm", title=_l("Confirm your share in “%(title)s”"),
                   text=_l("%(inventor)s named you as a co-inventor of “%(title)s” with a "
                           "contribution share of %(share)s%%. Open the disclosure to confirm it.")))


def path(endpoint: str, **values) -> str:
    """A page's path for a notification, also outside a request (CLI, jobs, demo data)."""
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context():
        return url_for(endpoint, **values)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def deadline_for(planned: PlannedDisclosure) -> date:
    """File before a public disclosure; after a qualifying one, within the six-month grace period."""
    return add_months(planned.planned_on, GRACE_MONTHS) if planned.qualifying else planned.planned_on


def deadline_of(dates) -> date | None:
    """The earliest filing deadline the planned public disclosures set (None without any)."""
    return min((deadline_for(planned) for planned in dates), default=None)


def _inventor_rows(actor: User, organisation_id: int, rows: list[dict]) -> list[dict]:
    """Check the inventors: named, shares 100%, e-mails of the university's inventors, the filer
    among them. Returns the rows with ``user_id`` resolved."""
    rows = [row for row in rows if (row.get("name") or "").strip()]
    if not rows:
        raise ServiceError(_("Name at least one inventor."))
    total = sum((row["share_pct"] for row in rows), Decimal("0")).quantize(Decimal("0.01"))
    if total != HUNDRED:
        raise ServiceError(_("The shares add up to %(total)s%%, not 100%%.", total=total))
    resolved = []
    for row in rows:
        email = (row.get("email") or "").strip().lower()
        user_id = None
        if email:
            user = db.session.scalar(select(User).where(func.lower(User.email) == email))
            if user is None or not user.active or user.organisation_id != organisation_id \
                    or user.role is not Role.INVENTOR:
                raise ServiceError(_("%(email)s is not an inventor account of your university. "
                                     "Leave the e-mail empty for an inventor from outside.",
                                     email=email))
            user_id = user.id
        resolved.append({**row, "name": row["name"].strip(), "user_id": user_id})
    ids = [row["user_id"] for row in resolved if row["user_id"]]
    if len(ids) != len(set(ids)):
        raise ServiceError(_("Each account can be named once."))
    if actor.id not in ids:
        raise ServiceError(_("Name yourself among the inventors, with your e-mail address."))
    return resolved


def _apply(actor: User, disclosure: Disclosure, data: dict) -> list[DisclosureInventor]:
    """Copy the form's values; return the co-inventors who now have a share to confirm."""
    for name in FIELDS:
        value = data.get(name)
        setattr(disclosure, name, value.strip() if isinstance(value, str) else value)
    rows = _inventor_rows(actor, disclosure.organisation_id, data["inventors"])
    before = {i.user_id: (i.share_pct, i.confirmed_at) for i in disclosure.inventors if i.user_id}
    disclosure.inventors.clear()
    db.session.flush()
    to_confirm = []
    for position, row in enumerate(rows):
        inventor = DisclosureInventor(position=position, name=row["name"], user_id=row["user_id"],
                                      share_pct=row["share_pct"])
        old = before.get(row["user_id"])
        if row["user_id"] == actor.id:
            inventor.confirmed_at = utcnow()  # the filer states their own share
        elif old is not None and old[0] == row["share_pct"]:
            inventor.confirmed_at = old[1]  # the same share stays confirmed
        elif row["user_id"]:
            to_confirm.append(inventor)
        disclosure.inventors.append(inventor)
    disclosure.public_dates = [PlannedDisclosure(**row) for row in data.get("public_dates", [])]
    disclosure.deadline_on = deadline_of(disclosure.public_dates)
    return to_confirm


def _ask_to_confirm(actor: User, disclosure: Disclosure, inventors) -> None:
    link = path("disclosures.detail", disclosure_id=disclosure.id)
    for inventor in inventors:
        notify([inventor.user], "disclosures.confirm", link, title=disclosure.title,
               inventor=actor.name, share=str(inventor.share_pct))


def create(actor: User, data: dict, *, is_demo: bool = False) -> Disclosure:
    """An inventor drafts a disclosure for their university."""
    check("disclosures.file", actor=actor)
    disclosure = Disclosure(organisation_id=actor.organisation_id, created_by_id=actor.id,
                            state=DisclosureState.DRAFT, is_demo=is_demo)
    db.session.add(disclosure)
    to_confirm = _apply(actor, disclosure, data)
    db.session.flush()
    audit.record("disclosure.created", actor=actor, target=disclosure, title=disclosure.title)
    db.session.commit()
    _ask_to_confirm(actor, disclosure, to_confirm)
    return disclosure


def update(actor: User, disclosure: Disclosure, data: dict) -> None:
    """The filer changes a draft; co-inventors whose share changed confirm it again."""
    check("disclosures.edit", disclosure, actor=actor)
    if not disclosure.state.is_draft:
        raise InvalidTransition(_("A submitted disclosure can no longer be changed."))
    try:
        to_confirm = _apply(actor, disclosure, data)
    except ServiceError:
        db.session.rollback()
        raise
    audit.record("disclosure.updated", actor=actor, target=disclosure)
    db.session.commit()
    _ask_to_confirm(actor, disclosure, to_confirm)


def confirm_share(actor: User, disclosure: Disclosure) -> None:
    """A co-inventor confirms their contribution share online."""
    check("disclosures.confirm", disclosure, actor=actor)
    if disclosure.state.is_decided:
        raise InvalidTransition(_("The disclosure is decided; its shares are settled."))
    mine = [i for i in disclosure.inventors if i.user_id == actor.id]
    for inventor in mine:
        inventor.confirmed_at = inventor.confirmed_at or utcnow()
    audit.record("disclosure.share_confirmed", actor=actor, target=disclosure,
                 share=", ".join(f"{i.share_pct}%" for i in mine))
    db.session.commit()


def submit(actor: User, disclosure: Disclosure) -> None:
    """The filer submits the draft to the tto once every co-inventor with an account confirmed."""
    check("disclosures.edit", disclosure, actor=actor)
    if not disclosure.state.is_draft:
        raise InvalidTransition(_("This disclosure has already been submitted."))
    waiting = disclosure.unconfirmed
    if waiting:
        raise ServiceError(_("Waiting for these co-inventors to confirm their shares: %(names)s.",
                             names="、".join(i.name for i in waiting)))
    disclosure.state, disclosure.submitted_at = DisclosureState.SUBMITTED, utcnow()
    audit.record("disclosure.submitted", actor=actor, target=disclosure, title=disclosure.title)
    db.session.commit()
    officers = [user for user in members_of(disclosure.organisation) if user.role is Role.TTO]
    notify(officers, "disclosures.submitted",
           path("disclosures.detail", disclosure_id=disclosure.id),
           title=disclosure.title, inventor=actor.name)


def add_file(actor: User, disclosure: Disclosure, stream, filename: str) -> DisclosureFile:
    """An inventor or the tto attaches a checked PDF or image before the decision."""
    check("disclosures.attach", disclosure, actor=actor)
    if disclosure.state.is_decided:
        raise InvalidTransition(_("The disclosure is decided; no more files can be added."))
    columns = uploads.store(stream, filename)
    item = DisclosureFile(disclosure=disclosure, uploaded_by_id=actor.id, **columns)
    db.session.add(item)
    audit.record("disclosure.file_added", actor=actor, target=disclosure, file=item.original_name)
    db.session.commit()
    return item
