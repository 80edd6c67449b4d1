"""The annual report's figures of disclosures (``action/registry.py``): each counts a disclosure
once, at the step it reached in the year, so no disclosure is counted twice in one figure."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from marketplace.action import registry
from marketplace.disclosures.models import Disclosure
from marketplace.extensions import db


def _count(org_id: int, column, year: int) -> int:
    start, end = registry.year_bounds(year)
    return db.session.scalar(select(func.count()).select_from(Disclosure).where(
        Disclosure.organisation_id == org_id, column >= start, column < end)) or 0


def disclosures_received(org_id: int, year: int) -> int:
    """Disclosures submitted to the tto in the year."""
    return _count(org_id, Disclosure.submitted_at, year)


def disclosures_assessed(org_id: int, year: int) -> int:
    """Disclosures whose pre-filing assessment ended in a decision in the year."""
    return _count(org_id, Disclosure.decided_at, year)


def applications_filed(org_id: int, year: int) -> int:
    """Patent applications filed from disclosures in the year (filing dates)."""
    return db.session.scalar(select(func.count()).select_from(Disclosure).where(
        Disclosure.organisation_id == org_id, Disclosure.filed_on >= date(year, 1, 1),
        Disclosure.filed_on <= date(year, 12, 31))) or 0


def disclosures_listed(org_id: int, year: int) -> int:
    """Disclosures whose patent became a listing in the year."""
    return _count(org_id, Disclosure.listed_at, year)


def disclosures_converted(org_id: int, year: int) -> int:
    """Disclosures whose listing had at least one recorded deal in the year (several deals on one
    listing count once)."""
    listing_ids = {deal.listing_id for deal in registry.deals(org_id, year) if deal.listing_id}
    if not listing_ids:
        return 0
    return db.session.scalar(select(func.count()).select_from(Disclosure).where(
        Disclosure.organisation_id == org_id, Disclosure.listing_id.in_(listing_ids))) or 0


registry.register_metric("disclosures_received", _l("Invention disclosures received"),
                         disclosures_received, _l("items"), order=70)
registry.register_metric("disclosures_assessed", _l("Disclosures assessed before filing"),
                         disclosures_assessed, _l("items"), order=71)
registry.register_metric("disclosure_applications", _l("Patent applications filed from disclosures"),
                         applications_filed, _l("items"), order=72)
registry.register_metric("disclosures_listed", _l("Disclosures turned into listings"),
                         disclosures_listed, _l("items"), order=73)
registry.register_metric("disclosures_converted", _l("Disclosures converted (a deal on their listing)"),
                         disclosures_converted, _l("items"), order=74)
