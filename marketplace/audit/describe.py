"""Audit events as people read them: what kind of object an event touched, a link to it, and the
names of its details, in the viewer's language (the admin's audit log and dashboard)."""

from dataclasses import dataclass

from flask import url_for
from flask_babel import lazy_pgettext as _lp
from flask_babel import pgettext
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.payments.models import Payment

#: Table of the target → (its name, the page that shows it, that page's id argument).
TARGETS = {
    "organisations": (_lp("audit object", "Organisation"), "admin.organisation", "org_id"),
    "users": (_lp("audit object", "User"), None, None),
    "invitations": (_lp("audit object", "Invitation"), None, None),
    "listings": (_lp("audit object", "Listing"), "listings.detail", "listing_id"),
    "published_lists": (_lp("audit object", "List"), "lists.detail", "list_id"),
    "import_batches": (_lp("audit object", "Import"), "imports.report", "batch_id"),
    "needs": (_lp("audit object", "Technology need"), "needs.detail", "need_id"),
    "interests": (_lp("audit object", "Interest"), None, None),
    "roadshows": (_lp("audit object", "Roadshow"), "events.detail", "roadshow_id"),
    "open_licence_declarations": (_lp("audit object", "Open-licence declaration"),
                                  "licences.declaration", "declaration_id"),
    "open_licences": (_lp("audit object", "Licence"), "licences.licence", "licence_id"),
    "recorded_agreements": (_lp("audit object", "Recorded agreement"), None, None),
    "payments": (_lp("audit object", "Payment"), "payments.status", "public_id"),
    "university_finance": (_lp("audit object", "Revenue split"), None, None),
    "preference_profiles": (_lp("audit object", "Recommendation preferences"), None, None),
    "action_batches": (_lp("audit object", "Action batch"), "action.batch", "batch_id"),
    "action_enrolments": (_lp("audit object", "Enrolment"), None, None),
    "action_plans": (_lp("audit object", "Implementation plan"), "action.plan", "plan_id"),
    "action_reports": (_lp("audit object", "Annual report"), "action.report", "report_id"),
    "action_secondary_units": (_lp("audit object", "Secondary unit"), None, None),
    # Confidential to its university: no link from the administrators' audit log.
    "disclosures": (_lp("audit object", "Invention disclosure"), None, None),
}

#: Names of the details events record (``audit.record(..., reason=...)``); others show their key.
DETAILS = {
    "reason": _lp("audit detail", "Reason"), "comment": _lp("audit detail", "Comment"),
    "name": _lp("audit detail", "Name"), "title": _lp("audit detail", "Title"),
    "file": _lp("audit detail", "File"), "fields": _lp("audit detail", "Fields changed"),
    "listing": _lp("audit detail", "Listing"), "listing_id": _lp("audit detail", "Listing"),
    "listings": _lp("audit detail", "Listings"), "version": _lp("audit detail", "Version"),
    "payment": _lp("audit detail", "Payment"), "email": _lp("audit detail", "E-mail"),
    "action": _lp("audit detail", "Action"), "year": _lp("audit detail", "Year"),
    "project": _lp("audit detail", "Project"), "old": _lp("audit detail", "Before"),
    "new": _lp("audit detail", "After"), "kind": _lp("audit detail", "Kind"),
    "case": _lp("audit detail", "Case"), "amount": _lp("audit detail", "Amount"),
    "user_id": _lp("audit detail", "User"), "university": _lp("audit detail", "University"),
    "unit": _lp("audit detail", "Secondary unit"), "role": _lp("audit detail", "Role"),
    "registration_id": _lp("audit detail", "Registration"),
    "problem": _lp("audit detail", "Problem"), "number": _lp("audit detail", "Number"),
    "licence": _lp("audit detail", "Licence"), "intent": _lp("audit detail", "Intent"),
    "imported": _lp("audit detail", "Imported"), "declaration": _lp("audit detail", "Declaration"),
    "day": _lp("audit detail", "Date"), "category": _lp("audit detail", "Category"),
    "batch": _lp("audit detail", "Batch"), "admin": _lp("audit detail", "Administrator"),
    "share": _lp("audit detail", "Share"), "recommendation": _lp("audit detail", "Recommendation"),
    "grade": _lp("audit detail", "Grade"), "decision": _lp("audit detail", "Decision"),
    "scores": _lp("audit detail", "Scores"),
}


@dataclass(frozen=True)
class Target:
    """What an audit event touched: its kind in words, its number, and its page if there is one."""

    kind: str
    number: int
    url: str | None


def targets(entries) -> dict[int, Target]:
    """The target of each of ``entries`` (by event id) that has one."""
    payment_ids = {e.target_id for e in entries if e.target_type == "payments" and e.target_id}
    public_ids = dict(db.session.execute(select(Payment.id, Payment.public_id)
                                         .where(Payment.id.in_(payment_ids))).all()) if payment_ids else {}
    found = {}
    for entry in entries:
        if not entry.target_type or entry.target_id is None:
            continue
        label, endpoint, argument = TARGETS.get(entry.target_type, (entry.target_type, None, None))
        value = public_ids.get(entry.target_id) if entry.target_type == "payments" else entry.target_id
        url = url_for(endpoint, **{argument: value}) if endpoint and value is not None else None
        found[entry.id] = Target(str(label), entry.target_id, url)
    return found


def details(entry) -> list[tuple[str, str]]:
    """The event's details as (name, value) pairs in the viewer's language."""
    pairs = []
    for key, value in (entry.details or {}).items():
        if isinstance(value, list | tuple):
            value = pgettext("list separator", ", ").join(map(str, value))
        pairs.append((str(DETAILS.get(key, key)), str(value)))
    return pairs
