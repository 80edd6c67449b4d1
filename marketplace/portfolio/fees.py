"""When a patent's annual fee falls due.

Chinese patent annual fees (年费) fall due on each anniversary of the filing date (申请日); a
patent filed on 29 February pays on 28 February in the years without one. The university may set
the next due date explicitly (``Listing.fee_due_override``), which then wins while it lies ahead.
"""

from datetime import date

from marketplace.listings.models import LegalStatus, Listing

#: How far ahead the fees-due list looks, in days.
HORIZON_DAYS = 90


def anniversary(filed: date, year: int) -> date:
    """The filing date's anniversary in ``year`` (28 February for a 29 February filing)."""
    try:
        return filed.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


def next_anniversary(filed: date, today: date) -> date:
    """The first anniversary of ``filed`` on or after ``today`` (never the filing day itself)."""
    day = anniversary(filed, today.year)
    if day < today or day <= filed:
        day = anniversary(filed, max(today.year, filed.year) + 1)
    return day


def next_due(listing: Listing, today: date) -> date | None:
    """The next annual fee due date of a granted patent, or None (pending, lapsed, no filing
    date, or not a patent). An override from today on wins over the computed anniversary."""
    if not listing.kind.is_patent or listing.legal_status is not LegalStatus.GRANTED:
        return None
    override = listing.fee_due_override
    if override is not None and override >= today:
        return override
    if listing.application_date is None:
        return override
    return next_anniversary(listing.application_date, today)
