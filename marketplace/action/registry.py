"""The two extension points through which other features feed reports and dashboards.

**Metrics** are the figures of a university's annual report (实施成效) and of the dashboards::

    from marketplace.action.registry import register_metric

    def interests_received(org_id: int, year: int) -> int:
        ...  # count of the university's interests created in ``year`` (Beijing time)

    register_metric("interests", _l("Interests received"), interests_received, unit=_l("items"))

``fn(org_id, year)`` returns an ``int`` or a ``Decimal`` (money in CNY, never a float) for one
university and one calendar year read in Asia/Shanghai (``year_bounds`` gives the UTC range).
Register at import time of your feature's module (the action package imports nothing of yours).
Keys used by the dashboards when present: ``roadshows`` and ``roadshow_attendees`` (roadshow
reach), ``amount_received`` (money). A report shows every metric registered, in ``order``.

**Deal sources** list the conversions (licences, transfers, equity deals...) recorded on the
platform, so that typical cases can be chosen from them and the dashboards can chart them::

    register_deal_source("licences", licence_deals)   # fn(org_id, year) -> list[DealRef]

A ``fallback`` source's deals are dropped for any listing another source has a deal for (the
action's own source, listings marked converted by hand, is one).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from marketplace import timezones


@dataclass(frozen=True)
class Metric:
    key: str
    label: object
    fn: Callable[[int, int], int | Decimal]
    unit: object = ""
    order: int = 100


@dataclass(frozen=True)
class DealRef:
    """A recorded conversion of a university's listing, as a deal source reports it."""

    #: Unique across sources, e.g. ``"licence:12"``; stored on the typical cases that cite it.
    key: str
    listing_id: int | None
    #: A ``ConversionMode`` value (``"transfer"``...), or None when the source does not know it.
    mode: str | None
    concluded_on: date
    title: str
    counterparty: str | None = None
    #: Amount received so far, CNY.
    amount: Decimal | None = None
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        """The JSON a typical case keeps of the deal."""
        return {"key": self.key, "listing_id": self.listing_id, "mode": self.mode,
                "concluded_on": self.concluded_on.isoformat(), "title": self.title,
                "counterparty": self.counterparty,
                "amount": str(self.amount) if self.amount is not None else None}


@dataclass(frozen=True)
class DealSource:
    name: str
    fn: Callable[[int, int], list[DealRef]]
    fallback: bool = False


_METRICS: dict[str, Metric] = {}
_DEAL_SOURCES: dict[str, DealSource] = {}


def register_metric(key: str, label, fn: Callable[[int, int], int | Decimal], unit="", *,
                    order: int = 100) -> Metric:
    """Add a figure to every annual report and dashboard; registering a key twice is an error."""
    existing = _METRICS.get(key)
    if existing is not None and existing.fn is not fn:
        raise ValueError(f"metric {key!r} is already registered")
    metric = Metric(key, label, fn, unit, order)
    _METRICS[key] = metric
    return metric


def unregister_metric(key: str) -> None:
    _METRICS.pop(key, None)


def metrics() -> list[Metric]:
    """Every registered metric, in display order."""
    return sorted(_METRICS.values(), key=lambda m: (m.order, m.key))


def metric(key: str) -> Metric | None:
    return _METRICS.get(key)


def register_deal_source(fn: Callable[[int, int], list[DealRef]], *, name: str | None = None,
                         fallback: bool = False) -> DealSource:
    """Add a source of recorded deals (``fn(org_id, year) -> list[DealRef]``)."""
    name = name or f"{fn.__module__}.{fn.__qualname__}"
    existing = _DEAL_SOURCES.get(name)
    if existing is not None and existing.fn is not fn:
        raise ValueError(f"deal source {name!r} is already registered")
    source = DealSource(name, fn, fallback)
    _DEAL_SOURCES[name] = source
    return source


def unregister_deal_source(name: str) -> None:
    _DEAL_SOURCES.pop(name, None)


def deal_sources() -> list[DealSource]:
    return list(_DEAL_SOURCES.values())


def deals(org_id: int, year: int) -> list[DealRef]:
    """Every source's deals of a university in a year, fallback deals deduplicated, by date."""
    found: list[DealRef] = []
    fallback: list[DealRef] = []
    for source in _DEAL_SOURCES.values():
        (fallback if source.fallback else found).extend(source.fn(org_id, year))
    covered = {deal.listing_id for deal in found if deal.listing_id is not None}
    found += [deal for deal in fallback if deal.listing_id not in covered]
    return sorted(found, key=lambda d: (d.concluded_on, d.key))


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """[start, end) of a calendar year in Beijing time, as aware UTC datetimes."""
    start = datetime(year, 1, 1, tzinfo=timezones.BEIJING).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=timezones.BEIJING).astimezone(UTC)
    return start, end


def value_text(value) -> str:
    """A metric value as stored in a frozen report (Decimals keep their digits)."""
    return str(value if value is not None else 0)
