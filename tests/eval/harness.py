"""Running the evaluation: load the pool as published listings, post each need, read its matches.

``evaluate(needs)`` returns precision@5 per need and the mean; ``post_needs`` and
``matched_keys`` are its steps (the search evaluation, ``search_quality.py``, uses them too). All
need an application context with a migrated database holding no other listings. The matching
runs exactly as in production (the need's match job, through the search index).
"""

from decimal import Decimal

from marketplace.accounts.models import Role, User
from marketplace.extensions import db
from marketplace.listings import services as listings
from marketplace.listings.models import ConversionMode, Grade, LegalStatus, ListingKind, ListingMode
from marketplace.needs import queries
from marketplace.needs import services as needs
from marketplace.orgs.models import Organisation, OrgKind, OrgStatus
from tests.eval.pool import POOL

MODES = {"o": ConversionMode.ORDINARY_LICENCE, "s": ConversionMode.SOLE_LICENCE,
         "e": ConversionMode.EXCLUSIVE_LICENCE, "t": ConversionMode.TRANSFER,
         "q": ConversionMode.EQUITY, "p": ConversionMode.OPEN_LICENCE, "f": ConversionMode.TRY_FIRST}
WAN = Decimal(10000)
K = 5


def _member(role: Role, kind: OrgKind, name: str, code: str) -> User:
    org = Organisation(kind=kind, status=OrgStatus.VERIFIED, name=name, credit_code=code)
    user = User(email=f"{role.value}-{code[-4:].lower()}@eval.example.cn", name=name, role=role,
                organisation=org, is_org_admin=True, password_hash="x")
    db.session.add_all([org, user])
    db.session.commit()
    return user


def load_pool(pool=POOL) -> dict[str, int]:
    """Publish every pool listing; return key -> listing id."""
    tto = _member(Role.TTO, OrgKind.UNIVERSITY, "评测大学", "12310000MA00000010")
    ids = {}
    for key, field, trl, modes, price, title, abstract in pool:
        data = {"kind": ListingKind.ACHIEVEMENT, "title": title, "abstract": abstract,
                "field": field, "inventors": "评测", "legal_status": LegalStatus.NOT_APPLICABLE,
                "grade": Grade.B, "trl": trl,
                "modes": [MODES[m] for m in modes.split(",") if m != "p"],
                "asking_price": None if price is None else Decimal(price) * WAN,
                "contact_name": "评测", "contact_email": "eval@example.cn"}
        listing = listings.create_listing(tto, data, commit=False)
        if "p" in modes.split(","):  # offered as an announced declaration offers it (licences.services)
            listing.modes.append(ListingMode(mode=ConversionMode.OPEN_LICENCE))
        listings.transition(tto, listing, "publish", commit=False)
        ids[key] = listing.id
    db.session.commit()
    return ids


def post_needs(need_rows) -> list:
    """Post each need as a verified company (published, so matched at once); the needs, in order."""
    company = _member(Role.COMPANY, OrgKind.COMPANY, "评测企业", "91310000MA00000020")
    posted = []
    for title, description, field, keywords, (low, high), mode, budget, _relevant in need_rows:
        data = {"title": title, "description": description, "field": field, "keywords": keywords,
                "trl_min": low, "trl_max": high, "is_public": True,
                "mode": ConversionMode(mode) if mode else None,
                "budget_min": None if budget is None else Decimal(budget[0]) * WAN,
                "budget_max": None if budget is None else Decimal(budget[1]) * WAN}
        posted.append(needs.create_need(company, data, publish=True))
    return posted


def matched_keys(need, ids: dict[str, int], limit: int) -> list[str]:
    """The pool keys of a need's best ``limit`` matches, best first."""
    keys = {listing_id: key for key, listing_id in ids.items()}
    return [keys[m.listing_id] for m in queries.need_matches(need, limit=limit)]


def evaluate(need_rows, ids: dict[str, int]) -> dict:
    """Post each need (published, so matched at once); precision@5 per need and the mean."""
    per_need = []
    for row, need in zip(need_rows, post_needs(need_rows), strict=True):
        top = matched_keys(need, ids, K)
        hits = sum(1 for key in top if key in row[-1])
        per_need.append({"title": need.title, "top": top, "precision": hits / K})
    mean = sum(row["precision"] for row in per_need) / len(per_need)
    return {"needs": per_need, "precision_at_5": mean}
