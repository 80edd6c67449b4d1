"""Listings, search results and facets as plain JSON values for the public API.

Only what the public listing page shows to a visitor is serialised: never the contact person,
e-mail or phone (the page shows those to logged-in users only, and API responses are cached
publicly), nor the creator or internal timestamps.
"""

import re
from datetime import UTC, datetime
from decimal import Decimal

from marketplace.listings.models import ConversionMode, Listing, ListingState
from marketplace.listings.queries import PER_PAGE, SearchQuery, SearchResult
from marketplace.public_urls import public_url_for

#: Facets of a search result, in the order the search page shows them.
FACET_NAMES = ("grade", "mode", "field", "kind", "trl", "legal_status", "university")
#: Separators universities use in comma-separated lists (ASCII and full-width).
_SEPARATORS = re.compile(r"[,，、;；]")
_MODE_ORDER = {mode: position for position, mode in enumerate(ConversionMode)}


def split_list(text: str | None) -> list[str]:
    """``"电池, 正极材料"`` -> ``["电池", "正极材料"]``."""
    return [part.strip() for part in _SEPARATORS.split(text or "") if part.strip()]


def timestamp(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``, to the second."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def money(amount: Decimal | None, currency: str) -> dict | None:
    """A price as a decimal string (never a float) with its currency; None when negotiable."""
    if amount is None:
        return None
    return {"amount": f"{amount:.2f}", "currency": currency}


def _value(value):
    """An enum member's value; other values as they are."""
    return value.value if hasattr(value, "value") else value


def listing_summary(listing: Listing) -> dict:
    """A listing in search results: every public field except the attachments."""
    organisation = listing.organisation
    return {
        "id": listing.id,
        "url": public_url_for("listings.detail", listing_id=listing.id),
        "state": listing.state.value,
        "state_reason": listing.state_reason if listing.state is ListingState.CONVERTED else None,
        "kind": listing.kind.value,
        "title": listing.title,
        "abstract": listing.abstract,
        "field": listing.field,
        "ipc_codes": split_list(listing.ipc_codes),
        "keywords": split_list(listing.keywords),
        "inventors": split_list(listing.inventors),
        "application_number": listing.application_number,
        "patent_number": listing.patent_number,
        "application_date": listing.application_date.isoformat() if listing.application_date else None,
        "grant_date": listing.grant_date.isoformat() if listing.grant_date else None,
        "legal_status": listing.legal_status.value,
        "grade": listing.grade.value,
        "trl": listing.trl,
        "conversion_modes": [mode.value for mode in sorted(listing.mode_set, key=_MODE_ORDER.get)],
        "asking_price": money(listing.asking_price, listing.currency),
        "terms": listing.terms,
        "university": {
            "id": organisation.id,
            "name": organisation.name,
            "url": public_url_for("orgs.public", org_id=organisation.id),
        },
        "published_at": timestamp(listing.published_at),
        "is_demo": listing.is_demo,
    }


def listing_detail(listing: Listing) -> dict:
    """A listing with its attachments (download links to the public page's files)."""
    return {
        **listing_summary(listing),
        "attachments": [
            {
                "name": item.original_name,
                "content_type": item.content_type,
                "size": item.size,
                "url": public_url_for("listings.attachment", listing_id=listing.id,
                                      attachment_id=item.id),
            }
            for item in listing.attachments
        ],
    }


def facets(result: SearchResult) -> dict:
    """Counts per facet value; every facet is present (empty when nothing matched)."""
    out = {name: [] for name in FACET_NAMES}
    for name, rows in result.facets.items():
        if name == "university":
            out[name] = [{"value": university_id, "name": university_name, "count": count}
                         for (university_id, university_name), count in rows]
        else:
            out[name] = [{"value": _value(value), "count": count} for value, count in rows]
    return out


def query(search: SearchQuery, tokens: list[str]) -> dict:
    """The query as the search understood it (absent filters are null)."""
    return {
        "q": search.q,
        "tokens": tokens,
        "field": search.field,
        "grade": _value(search.grade),
        "trl": search.trl,
        "kind": _value(search.kind),
        "mode": _value(search.mode),
        "university": search.university,
        "legal_status": _value(search.legal_status),
        "sort": search.sort,
        "page": search.page,
    }


def search_result(result: SearchResult) -> dict:
    """A page of results with the totals, the facets and the query."""
    return {
        "items": [listing_summary(listing) for listing in result.items],
        "total": result.total,
        "page": result.query.page,
        "pages": result.pages,
        "per_page": PER_PAGE,
        "facets": facets(result),
        "query": query(result.query, result.tokens),
        "missing_terms": {str(listing_id): words for listing_id, words in result.missing.items()},
    }
