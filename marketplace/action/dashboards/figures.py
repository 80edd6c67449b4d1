"""Figures behind the national and university dashboards, as chart data and exportable tables.

Conversions are the deals of the registered deal sources; supply (listings published, modes
offered) comes from the listings; roadshow reach from the ``roadshows`` / ``roadshow_attendees``
metrics when a feature registers them.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace import timezones
from marketplace.action import registry
from marketplace.action.forms import CATEGORY_LABELS, PLAN_STATE_LABELS, REPORT_STATE_LABELS
from marketplace.action.models import Enrolment, UniversityProfile
from marketplace.action.registry import DealRef, year_bounds
from marketplace.action.reports.models import Report
from marketplace.action.units import unit_by_listing
from marketplace.extensions import db
from marketplace.listings.forms import MODE_LABELS
from marketplace.listings.models import FIELDS, LISTING_MODES, ConversionMode, Grade, Listing, ListingMode
from marketplace.orgs.models import Organisation, OrgKind, OrgStatus

REACH_KEYS = ("roadshows", "roadshow_attendees")
TOP = 10


@dataclass
class Table:
    """A table as the page shows it and as CSV / XLSX export it."""

    key: str
    title: str
    #: (row key, header)
    columns: list[tuple[str, str]]
    rows: list[dict]


def _chart(kind: str, labels: list, datasets: list[tuple[str, list]], *, horizontal=False,
           empty: str | None = None) -> dict:
    has_data = any(any(value for value in data) for _label, data in datasets)
    return {"type": kind, "horizontal": horizontal, "labels": [str(x) for x in labels],
            "datasets": [{"label": str(label), "data": [float(v) for v in data]}
                         for label, data in datasets],
            "empty": None if has_data else (empty or _("No data for this year yet."))}


def universities(org_id: int | None = None) -> list[Organisation]:
    query = select(Organisation).where(Organisation.kind == OrgKind.UNIVERSITY,
                                       Organisation.status == OrgStatus.VERIFIED)
    if org_id is not None:
        query = query.where(Organisation.id == org_id)
    return list(db.session.scalars(query.order_by(Organisation.id)))


def _published(org_ids: list[int], year: int) -> list[Listing]:
    start, end = year_bounds(year)
    return list(db.session.scalars(select(Listing).where(
        Listing.organisation_id.in_(org_ids), Listing.published_at >= start,
        Listing.published_at < end)))


def _mode_label(mode: str | None) -> str:
    try:
        return str(MODE_LABELS[ConversionMode(mode)])
    except (ValueError, KeyError):
        return _("Mode not recorded")


def _amount(deals: list[DealRef]) -> Decimal:
    return sum((deal.amount or Decimal(0) for deal in deals), Decimal(0))


def build(year: int, org_id: int | None = None) -> dict:
    """Charts and tables for the whole action (``org_id`` None) or one university."""
    orgs = universities(org_id)
    ids = [org.id for org in orgs]
    metrics = registry.metrics()
    values = {org.id: {m.key: m.fn(org.id, year) for m in metrics} for org in orgs}
    deals = {org.id: registry.deals(org.id, year) for org in orgs}
    all_deals = [deal for org in orgs for deal in deals[org.id]]
    listings = _published(ids, year)
    listing_field = dict(db.session.execute(select(Listing.id, Listing.field).where(
        Listing.id.in_({d.listing_id for d in all_deals if d.listing_id}))).all())

    months = [f"{year}-{m:02d}" for m in range(1, 13)]
    by_month_deals = Counter(deal.concluded_on.month for deal in all_deals)
    by_month_listings = Counter(li.published_at.astimezone(timezones.BEIJING).month for li in listings)
    over_time = _chart("line", months, [
        (_("Conversions"), [by_month_deals[m] for m in range(1, 13)]),
        (_("Listings published"), [by_month_listings[m] for m in range(1, 13)])])

    offered = Counter(mode.value for mode in db.session.scalars(
        select(ListingMode.mode).where(ListingMode.listing_id.in_([li.id for li in listings]))))
    concluded = Counter(deal.mode for deal in all_deals)
    mode_keys = [mode.value for mode in LISTING_MODES] + ([None] if concluded[None] else [])
    by_mode = _chart("bar", [_mode_label(key) for key in mode_keys], [
        (_("Conversions"), [concluded[key] for key in mode_keys]),
        (_("Listings offering the mode"), [offered[key] for key in mode_keys])])

    field_listings = Counter(li.field for li in listings)
    field_deals = Counter(listing_field.get(deal.listing_id) for deal in all_deals)
    by_field = _chart("bar", [FIELDS[key] for key in FIELDS], [
        (_("Conversions"), [field_deals[key] for key in FIELDS]),
        (_("Listings published"), [field_listings[key] for key in FIELDS])], horizontal=True)

    charts = {"over_time": over_time, "by_mode": by_mode, "by_field": by_field,
              "reach": _reach(orgs, values)}
    tables = [_metrics_table(orgs, values, deals, metrics) if org_id is None
              else _own_metrics_table(values[org_id], deals[org_id], metrics),
              _units_table(orgs, listings, deals, org_id)]
    if org_id is None:
        ranked = sorted(orgs, key=lambda o: (-len(deals[o.id]),
                                             -int(values[o.id].get("listings_published", 0)), o.id))[:TOP]
        charts["top"] = _chart("bar", [o.name for o in ranked], [
            (_("Conversions"), [len(deals[o.id]) for o in ranked]),
            (_("High-value patents published"),
             [values[o.id].get("high_value_patents_published", 0) for o in ranked])], horizontal=True)
    else:
        tables.append(_deals_table(deals[org_id]))
    totals = {"conversions": len(all_deals), "amount": _amount(all_deals),
              "listings": len(listings),
              "high_value": sum(1 for li in listings if li.grade is Grade.A and li.kind.is_patent)}
    return {"charts": charts, "tables": tables, "totals": totals,
            "has_deal_source": bool(registry.deal_sources())}


def _reach(orgs, values) -> dict:
    present = [key for key in REACH_KEYS if registry.metric(key) is not None]
    if not present:
        return _chart("bar", [], [], empty=_("No roadshow data source is registered yet: roadshow "
                                             "reach appears here once roadshows are recorded."))
    ranked = sorted(orgs, key=lambda o: -float(values[o.id].get(present[-1], 0)))[:TOP]
    return _chart("bar", [o.name for o in ranked],
                  [(str(registry.metric(key).label), [values[o.id].get(key, 0) for o in ranked])
                   for key in present], horizontal=True)


def _metric_columns(metrics) -> list[tuple[str, str]]:
    return [(m.key, str(m.label)) for m in metrics]


def _metrics_table(orgs, values, deals, metrics) -> Table:
    enrolments = {e.organisation_id: e for e in db.session.scalars(select(Enrolment))}
    categories = dict(db.session.execute(select(UniversityProfile.organisation_id,
                                                UniversityProfile.category)).all())
    reports = {r.organisation_id: r for r in db.session.scalars(select(Report))}
    rows = []
    for org in orgs:
        enrolment = enrolments.get(org.id)
        report = reports.get(org.id)
        rows.append({
            "university": org.name,
            "category": str(CATEGORY_LABELS[categories[org.id]]) if org.id in categories else "",
            "batch": enrolment.batch.name if enrolment else "",
            "plan": str(PLAN_STATE_LABELS[enrolment.plan.state]) if enrolment and enrolment.plan else "",
            "report": str(REPORT_STATE_LABELS[report.state]) if report else "",
            **values[org.id], "conversions": len(deals[org.id]), "amount": _amount(deals[org.id])})
    rows.sort(key=lambda r: (-r["conversions"], -int(r.get("listings_published", 0)), r["university"]))
    columns = [("university", _("University")), ("category", _("Category")), ("batch", _("Batch")),
               ("plan", _("Implementation plan")), ("report", _("Latest annual report")),
               *_metric_columns(metrics), ("conversions", _("Conversions")),
               ("amount", _("Amount of the deals (CNY)"))]
    return Table("universities", _("Universities"), columns, rows)


def _own_metrics_table(values, deals, metrics) -> Table:
    rows = [{"metric": str(m.label), "value": values[m.key], "unit": str(m.unit)} for m in metrics]
    rows += [{"metric": _("Conversions"), "value": len(deals), "unit": _("deals")},
             {"metric": _("Amount of the deals (CNY)"), "value": _amount(deals), "unit": "CNY"}]
    return Table("metrics", _("Figures of the year"),
                 [("metric", _("Figure")), ("value", _("Value")), ("unit", _("Unit"))], rows)


def _units_table(orgs, listings, deals, org_id) -> Table:
    units = unit_by_listing(org_id)
    names = {org.id: org.name for org in orgs}
    rows: dict[tuple, dict] = defaultdict(lambda: {"listings": 0, "high_value": 0, "conversions": 0,
                                                   "amount": Decimal(0)})

    def row(org, listing_id):
        unit = units.get(listing_id)
        key = (org, unit.name if unit else "")
        entry = rows[key]
        entry.update(university=names[org], unit=unit.name if unit else _("No unit given"))
        return entry

    for listing in listings:
        entry = row(listing.organisation_id, listing.id)
        entry["listings"] += 1
        entry["high_value"] += int(listing.grade is Grade.A and listing.kind.is_patent)
    for org in orgs:
        for deal in deals[org.id]:
            entry = row(org.id, deal.listing_id)
            entry["conversions"] += 1
            entry["amount"] += deal.amount or Decimal(0)
    ordered = sorted(rows.values(), key=lambda r: (-r["conversions"], -r["listings"], r["university"],
                                                   r["unit"]))
    columns = [("unit", _("Secondary unit")), ("listings", _("Listings published")),
               ("high_value", _("High-value patents published")), ("conversions", _("Conversions")),
               ("amount", _("Amount of the deals (CNY)"))]
    if org_id is None:
        columns.insert(0, ("university", _("University")))
    return Table("units", _("Secondary units"), columns, ordered)


def _deals_table(deals: list[DealRef]) -> Table:
    rows = [{"date": d.concluded_on, "title": d.title, "mode": _mode_label(d.mode),
             "counterparty": d.counterparty or "", "amount": d.amount if d.amount is not None else ""}
            for d in deals]
    return Table("conversions", _("Conversions"), [
        ("date", _("Date")), ("title", _("Listing")), ("mode", _("Mode")),
        ("counterparty", _("Counterparty")), ("amount", _("Amount (CNY)"))], rows)
