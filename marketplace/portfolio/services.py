"""Every state change of the portfolio: regrading (the one place the grade history is written),
maintenance decisions, the fee due date, and counting searches that found too little."""

from datetime import date

from flask_babel import gettext as _

from marketplace import text, timezones
from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.errors import ServiceError
from marketplace.extensions import db
from marketplace.listings.models import FIELDS, Grade, Listing
from marketplace.permissions import check
from marketplace.portfolio.fees import next_due
from marketplace.portfolio.models import GradeChange, MaintenanceChoice, MaintenanceDecision, SearchGap
from marketplace.upsert import dialect_insert

#: A search with fewer listings than this having every word is logged as a gap.
GOOD_RESULTS = 3
#: Longest query kept (the rest is cut off).
QUERY_LENGTH = 100


def _reason(reason: str | None) -> str:
    reason = text.strip_controls(reason or "").strip()
    if not reason:
        raise ServiceError(_("Give a reason; it is kept in the patent's history."))
    return reason


def record_grade(actor: User | None, listing: Listing, grade: Grade, reason: str | None) -> bool:
    """Set the listing's grade and write the change to its history and the audit log, in the
    caller's transaction; False when the grade is already ``grade``. The listing's edit form and
    ``regrade`` both go through here, so no change of grade escapes the history."""
    if listing.grade is grade:
        return False
    db.session.add(GradeChange(listing=listing, from_grade=listing.grade, to_grade=grade,
                               reason=reason, actor_id=actor.id if actor else None))
    audit.record("listing.regraded", actor=actor, target=listing, grade_from=listing.grade.value,
                 grade_to=grade.value, reason=reason)
    listing.grade = grade
    return True


def regrade(actor: User, listing: Listing, grade: Grade, reason: str | None) -> None:
    """The tto regrades a patent (A/B/C) with a reason."""
    check("portfolio.manage", listing, actor=actor)
    reason = _reason(reason)
    if listing.grade is grade:
        raise ServiceError(_("The patent already has grade %(grade)s.", grade=grade.value))
    record_grade(actor, listing, grade, reason)
    db.session.commit()


def decide_maintenance(actor: User, listing: Listing, choice: MaintenanceChoice, reason: str | None,
                       fee_due_on: date | None = None) -> MaintenanceDecision:
    """Record whether the university keeps paying the annual fees, open-licenses or abandons a
    patent, for the fee due on ``fee_due_on`` (by default the next one)."""
    check("portfolio.manage", listing, actor=actor)
    reason = _reason(reason)
    due = fee_due_on or next_due(listing, timezones.today())
    if due is None:
        raise ServiceError(_("Give the annual fee due date this decision is for."))
    decision = MaintenanceDecision(listing=listing, choice=choice, reason=reason, fee_due_on=due,
                                   actor_id=actor.id)
    db.session.add(decision)
    audit.record("listing.maintenance_decided", actor=actor, target=listing, choice=choice.value,
                 fee_due_on=due.isoformat(), reason=reason)
    db.session.commit()
    return decision


def set_fee_due(actor: User, listing: Listing, day: date | None) -> None:
    """Set the next annual fee due date explicitly, or (None) go back to the filing anniversary."""
    check("portfolio.manage", listing, actor=actor)
    if day is not None and listing.application_date and day <= listing.application_date:
        raise ServiceError(_("The fee due date must come after the filing date."))
    if listing.fee_due_override == day:
        return
    listing.fee_due_override = day
    audit.record("listing.fee_due_set", actor=actor, target=listing,
                 fee_due_on=day.isoformat() if day else "anniversary")
    db.session.commit()


def note_search(words: str, field: str | None, found: int) -> None:
    """Count a search that found fewer than ``GOOD_RESULTS`` listings with every word: only its
    normalised words and field filter, never who searched."""
    query = text.normalise(words)[:QUERY_LENGTH].strip()
    if not query or found >= GOOD_RESULTS:
        return
    field = field if field in FIELDS else ""
    today = timezones.today()
    insert = dialect_insert(db.session.get_bind().dialect.name)
    statement = insert(SearchGap).values(query=query, field=field, searches=1, last_found=found,
                                         first_seen_on=today, last_seen_on=today)
    statement = statement.on_conflict_do_update(
        index_elements=["query", "field"],
        set_={"searches": SearchGap.searches + 1, "last_found": found, "last_seen_on": today})
    db.session.execute(statement)
    db.session.commit()
