"""The notifications interests send, and who receives them."""

from flask import current_app, has_request_context, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.accounts.models import Role, User
from marketplace.extensions import db
from marketplace.interests.labels import INTENT_LABELS, REASON_LABELS, STATUS_LABELS
from marketplace.interests.models import Interest
from marketplace.notifications import Kind, members_of, notify, register_kind

register_kind(Kind("interests.created", title=_l("New interest in %(listing)s"),
                   text=_l("%(org)s expressed interest in %(listing)s (%(intent)s)."),
                   labels={"intent": INTENT_LABELS}))
register_kind(Kind("interests.status", title=_l("Interest in %(listing)s: %(status)s"),
                   text=_l("%(org)s moved the interest in %(listing)s to “%(status)s”."),
                   labels={"status": STATUS_LABELS}))
register_kind(Kind("interests.declined", title=_l("Interest in %(listing)s declined"),
                   text=_l("%(org)s declined the interest in %(listing)s. Reason: %(reason)s."),
                   labels={"reason": REASON_LABELS}))
register_kind(Kind("interests.message", title=_l("New message about %(listing)s"),
                   text=_l("%(org)s wrote: %(excerpt)s")))
register_kind(Kind("interests.contacts", title=_l("Contact details shared for %(listing)s"),
                   text=_l("%(org)s agreed to share contact details about %(listing)s.")))
register_kind(Kind("interests.nda", title=_l("NDA accepted for %(listing)s"),
                   text=_l("%(org)s accepted version %(version)s of the NDA of %(listing)s."),
                   mailing=None))
register_kind(Kind("interests.nda_changed", title=_l("New NDA version for %(listing)s"),
                   text=_l("%(org)s changed the NDA of %(listing)s (version %(version)s). Accept "
                           "the new version to keep access to the confidential files."), mailing=None))


def university_recipients(interest: Interest) -> list[User]:
    """The technology-transfer officers of the listing's university."""
    return list(db.session.scalars(select(User).where(
        User.organisation_id == interest.listing.organisation_id, User.role == Role.TTO,
        User.active.is_(True)).order_by(User.id)))


def other_side(actor: User, interest: Interest) -> list[User]:
    """Everyone on the other side of the thread from ``actor``."""
    if actor.organisation_id == interest.organisation_id:
        people = university_recipients(interest)
    else:
        people = members_of(interest.organisation)
    return [person for person in people if person.id != actor.id]


def send(actor: User, interest: Interest, kind: str, **params) -> None:
    """Notify the other side of ``actor`` about ``interest`` (call after committing)."""
    notify(other_side(actor, interest), kind, thread_path(interest),
           listing=interest.listing.title, org=actor.organisation.name, **params)


def thread_path(interest: Interest) -> str:
    """The thread's path, also outside a request (CLI, jobs, demo data)."""
    if has_request_context():
        return url_for("interests.thread", interest_id=interest.id)
    with current_app.test_request_context():
        return url_for("interests.thread", interest_id=interest.id)
