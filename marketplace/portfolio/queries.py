"""Read-only queries of the portfolio: the patents whose annual fee falls due soon (the list page,
its exports and the workbench section read the same function), and a patent's history."""

import enum
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.interests.models import Interest
from marketplace.licences.models import (
    DeclarationState,
    LicenceState,
    OpenLicence,
    OpenLicenceDeclaration,
    RecordedAgreement,
)
from marketplace.listings.models import Grade, LegalStatus, Listing, ListingKind
from marketplace.portfolio.fees import HORIZON_DAYS, next_due
from marketplace.portfolio.models import GradeChange, MaintenanceDecision


class LicenceSituation(enum.Enum):
    """Where a patent stands on licensing, as the fees-due list shows it."""

    LICENSED = "licensed"            # an open licence in force or a recorded agreement active
    OPEN_DECLARED = "open_declared"  # an open-licence declaration submitted or announced
    UNLICENSED = "unlicensed"


@dataclass
class FeeDue:
    """One patent on the fees-due list."""

    listing: Listing
    due_on: date
    #: True when the date is the university's explicit override, not the filing anniversary.
    overridden: bool
    interests: int
    situation: LicenceSituation
    licences: int
    #: The latest maintenance decision taken for this due date, if any.
    decision: MaintenanceDecision | None
    days_left: int


#: Sort keys of the list: (URL value) -> key function.
SORTS = {
    "due": lambda row: (row.due_on, row.listing.grade.value, row.listing.id),
    "grade": lambda row: (row.listing.grade.value, row.due_on, row.listing.id),
    "interests": lambda row: (-row.interests, row.due_on, row.listing.id),
    "licence": lambda row: (list(LicenceSituation).index(row.situation), row.due_on, row.listing.id),
    # Candidates to let go first: the lowest grade, unlicensed, fewest interests.
    "let_go": lambda row: (-ord(row.listing.grade.value), -list(LicenceSituation).index(row.situation),
                           row.interests, row.due_on, row.listing.id),
}


def _granted_patents(org_id: int) -> list[Listing]:
    return list(db.session.scalars(select(Listing).where(
        Listing.organisation_id == org_id, Listing.kind != ListingKind.ACHIEVEMENT,
        Listing.legal_status == LegalStatus.GRANTED).order_by(Listing.id)))


def _counts(ids: list[int], today: date) -> tuple[Counter, Counter, set[int]]:
    interests = Counter(dict(db.session.execute(
        select(Interest.listing_id, func.count()).where(Interest.listing_id.in_(ids))
        .group_by(Interest.listing_id)).all()))
    licences = Counter(dict(db.session.execute(
        select(OpenLicence.listing_id, func.count()).where(
            OpenLicence.listing_id.in_(ids),
            OpenLicence.state.in_([s for s in LicenceState if s.in_force]))
        .group_by(OpenLicence.listing_id)).all()))
    for agreement in db.session.scalars(select(RecordedAgreement).where(
            RecordedAgreement.listing_id.in_(ids))):
        if agreement.active_on(today):
            licences[agreement.listing_id] += 1
    declared = set(db.session.scalars(select(OpenLicenceDeclaration.listing_id).where(
        OpenLicenceDeclaration.listing_id.in_(ids),
        OpenLicenceDeclaration.state.in_([DeclarationState.SUBMITTED, DeclarationState.ANNOUNCED]))))
    return interests, licences, declared


def latest_decisions(ids: list[int]) -> dict[int, MaintenanceDecision]:
    latest: dict[int, MaintenanceDecision] = {}
    for decision in db.session.scalars(select(MaintenanceDecision).where(
            MaintenanceDecision.listing_id.in_(ids)).order_by(MaintenanceDecision.id)):
        latest[decision.listing_id] = decision
    return latest


def fees_due(org_id: int, today: date, days: int = HORIZON_DAYS, sort: str = "due") -> list[FeeDue]:
    """The university's granted patents whose next annual fee falls due within ``days`` of
    ``today`` (today included), with grade, interests and licence situation."""
    until = today + timedelta(days=days)
    due = [(listing, day) for listing in _granted_patents(org_id)
           if (day := next_due(listing, today)) is not None and today <= day <= until]
    ids = [listing.id for listing, _day in due]
    interests, licences, declared = _counts(ids, today)
    decisions = latest_decisions(ids)
    rows = []
    for listing, day in due:
        situation = (LicenceSituation.LICENSED if licences[listing.id]
                     else LicenceSituation.OPEN_DECLARED if listing.id in declared
                     else LicenceSituation.UNLICENSED)
        decision = decisions.get(listing.id)
        rows.append(FeeDue(listing, day, listing.fee_due_override == day, interests[listing.id],
                           situation, licences[listing.id],
                           decision if decision is not None and decision.fee_due_on == day else None,
                           (day - today).days))
    return sorted(rows, key=SORTS.get(sort, SORTS["due"]))


def low_grade_unlicensed(rows: list[FeeDue]) -> int:
    """Rows that are candidates to let go: grade C, unlicensed, no decision yet."""
    return sum(1 for row in rows if row.listing.grade is Grade.C and row.decision is None
               and row.situation is LicenceSituation.UNLICENSED)


def grade_history(listing_id: int) -> list[GradeChange]:
    return list(db.session.scalars(select(GradeChange).where(GradeChange.listing_id == listing_id)
                                   .order_by(GradeChange.created_at.desc(), GradeChange.id.desc())))


def decisions(listing_id: int) -> list[MaintenanceDecision]:
    return list(db.session.scalars(
        select(MaintenanceDecision).where(MaintenanceDecision.listing_id == listing_id)
        .order_by(MaintenanceDecision.created_at.desc(), MaintenanceDecision.id.desc())))
