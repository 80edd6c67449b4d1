"""The portfolio map against demand (our part of 专利导航), from the platform's own data only.

Supply is the published patents (of one university, or of all) by field and by IPC subclass
(section, class and subclass, e.g. ``H01M``). Demand is what industry shows on the platform: open
technology needs by field, interests in the patents, and searches that found no good result (by
the field chosen in the search). The gaps go both ways: fields with demand and no supply, and
supply nobody asks for (no need, no interest, no unanswered search in its field; IPC subclasses
whose patents drew no interest).
"""

import re
from collections import Counter
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from marketplace.action.dashboards.figures import Table
from marketplace.extensions import db
from marketplace.interests.models import Interest
from marketplace.listings.models import FIELDS, Listing, ListingKind, ListingState
from marketplace.needs.models import Need
from marketplace.needs.queries import open_condition
from marketplace.portfolio.models import SearchGap

#: An IPC symbol's subclass: section letter, two-digit class, subclass letter (``H01M``).
IPC_SUBCLASS = re.compile(r"\s*([A-H])\s*(\d{2})\s*([A-Z])", re.IGNORECASE)
#: IPC subclasses shown in the chart (all are in the table).
CHART_TOP = 15
#: A failed search's words are shown only once it was searched this often (one person's typing
#: stays out of sight); the counts by field include every search.
SHOWN_FROM = 2
NO_FIELD = ""


def ipc_subclasses(codes: str | None) -> list[str]:
    """The distinct IPC subclasses of a comma-separated list of symbols, in order."""
    found = []
    for code in (codes or "").replace("，", ",").replace(";", ",").split(","):
        match = IPC_SUBCLASS.match(code)
        if match:
            subclass = "".join(match.groups()).upper()
            if subclass not in found:
                found.append(subclass)
    return found


@dataclass
class Gap:
    """A field or IPC subclass with demand and no supply, or supply and no demand."""

    kind: str        # "field" or "ipc"
    key: str
    label: str
    supply: int
    demand: int


def _supply(org_id: int | None) -> list[Listing]:
    query = select(Listing).where(Listing.kind != ListingKind.ACHIEVEMENT,
                                  Listing.state == ListingState.PUBLISHED)
    if org_id is not None:
        query = query.where(Listing.organisation_id == org_id)
    return list(db.session.scalars(query.order_by(Listing.id)))


def _interests(listing_ids: list[int]) -> Counter:
    if not listing_ids:
        return Counter()
    return Counter(dict(db.session.execute(
        select(Interest.listing_id, func.count()).where(Interest.listing_id.in_(listing_ids))
        .group_by(Interest.listing_id)).all()))


def _chart(labels, datasets, *, horizontal=True) -> dict:
    has_data = any(any(values) for _label, values in datasets)
    return {"type": "bar", "horizontal": horizontal, "labels": [str(x) for x in labels],
            "datasets": [{"label": str(label), "data": [float(v) for v in values]}
                         for label, values in datasets],
            "empty": None if has_data else _("Nothing on the platform yet.")}


def build(org_id: int | None) -> dict:
    """Charts, tables and the gaps both ways, for one university (``org_id``) or the action."""
    patents = _supply(org_id)
    interests = _interests([p.id for p in patents])
    needs = Counter(dict(db.session.execute(
        select(Need.field, func.count()).where(open_condition()).group_by(Need.field)).all()))
    searches = Counter(dict(db.session.execute(
        select(SearchGap.field, func.sum(SearchGap.searches)).group_by(SearchGap.field)).all()))
    supply = Counter(p.field for p in patents)
    field_interests = Counter()
    for patent in patents:
        field_interests[patent.field] += interests[patent.id]

    ipc_supply, ipc_interests, ipc_unasked = Counter(), Counter(), Counter()
    for patent in patents:
        for subclass in ipc_subclasses(patent.ipc_codes):
            ipc_supply[subclass] += 1
            ipc_interests[subclass] += interests[patent.id]
            ipc_unasked[subclass] += int(interests[patent.id] == 0)

    field_rows, gaps_demand, gaps_supply = [], [], []
    for key, label in FIELDS.items():
        demand = needs[key] + field_interests[key] + int(searches[key] or 0)
        asked = needs[key] + int(searches[key] or 0)
        if asked and not supply[key]:
            state = _("Demand, no supply")
            gaps_demand.append(Gap("field", key, str(label), 0, asked))
        elif supply[key] and not demand:
            state = _("Supply nobody asks for")
            gaps_supply.append(Gap("field", key, str(label), supply[key], 0))
        else:
            state = ""
        field_rows.append({"field": str(label), "patents": supply[key], "needs": needs[key],
                           "interests": field_interests[key], "searches": int(searches[key] or 0),
                           "gap": state})
    ipc_order = sorted(ipc_supply, key=lambda s: (-ipc_supply[s], s))
    for subclass in ipc_order:
        if not ipc_interests[subclass]:
            gaps_supply.append(Gap("ipc", subclass, subclass, ipc_supply[subclass], 0))
    ipc_rows = [{"ipc": s, "section": s[0], "patents": ipc_supply[s], "interests": ipc_interests[s],
                 "unasked": ipc_unasked[s]} for s in ipc_order]

    failed = db.session.scalars(select(SearchGap).where(SearchGap.searches >= SHOWN_FROM)
                                .order_by(SearchGap.searches.desc(), SearchGap.query).limit(50))
    search_rows = [{"query": g.query, "field": str(FIELDS[g.field]) if g.field else _("Any field"),
                    "searches": g.searches, "found": g.last_found,
                    "last_seen": g.last_seen_on.isoformat()} for g in failed]

    gap_rows = ([{"direction": _("Demand, no supply"), **_gap_row(g)} for g in gaps_demand]
                + [{"direction": _("Supply nobody asks for"), **_gap_row(g)} for g in gaps_supply])
    tables = [
        Table("fields", _("By field"), [
            ("field", _("Field")), ("patents", _("Published patents")),
            ("needs", _("Open technology needs")), ("interests", _("Interests")),
            ("searches", _("Searches with no good result")), ("gap", _("Gap"))], field_rows),
        Table("ipc", _("By IPC subclass"), [
            ("ipc", _("IPC subclass")), ("section", _("IPC section")),
            ("patents", _("Published patents")), ("interests", _("Interests")),
            ("unasked", _("Patents without interest"))], ipc_rows),
        Table("gaps", _("Gaps both ways"), [
            ("direction", _("Gap")), ("kind", _("By")), ("name", _("Field or IPC subclass")),
            ("supply", _("Published patents")), ("demand", _("Demand"))], gap_rows),
        Table("searches", _("Searches with no good result"), [
            ("query", _("Words searched")), ("field", _("Field")), ("searches", _("Searches")),
            ("found", _("Listings with every word")), ("last_seen", _("Last searched"))],
            search_rows),
    ]
    top = ipc_order[:CHART_TOP]
    charts = {
        "fields": _chart([FIELDS[k] for k in FIELDS], [
            (_("Published patents"), [supply[k] for k in FIELDS]),
            (_("Open technology needs"), [needs[k] for k in FIELDS]),
            (_("Interests"), [field_interests[k] for k in FIELDS]),
            (_("Searches with no good result"), [int(searches[k] or 0) for k in FIELDS])]),
        "ipc": _chart(top, [(_("Published patents"), [ipc_supply[s] for s in top]),
                            (_("Interests"), [ipc_interests[s] for s in top])]),
    }
    totals = {"patents": len(patents), "needs": sum(needs.values()),
              "interests": sum(interests.values()),
              "searches": int(sum(v or 0 for v in searches.values())),
              "searches_any_field": int(searches[NO_FIELD] or 0)}
    return {"charts": charts, "tables": tables, "totals": totals,
            "gaps_demand": gaps_demand, "gaps_supply": gaps_supply}


def _gap_row(gap: Gap) -> dict:
    return {"kind": _("Field") if gap.kind == "field" else _("IPC subclass"), "name": gap.label,
            "supply": gap.supply, "demand": gap.demand}
