"""Realistic synthetic Chinese listings, for the demo data and the search benchmarks.

``ListingFactory(seed)`` is deterministic: the same seed gives the same listings in the same order.
``data()`` gives a dict for ``listings.services.create_listing`` (its ``FIELDS`` plus ``modes``);
``rows()`` gives plain rows for a bulk insert into ``listings`` and ``listing_modes``.
Application numbers are valid (type digit and check character) and unique per factory.
"""

import random
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate

from marketplace.listings.models import ConversionMode, Grade, LegalStatus, ListingKind, ListingState
from marketplace.listings.patentno import check_character
from marketplace.listings.synthetic_vocab import (
    CLOSINGS,
    DETAILS,
    DEVICE_CLOSINGS,
    DEVICE_STEPS,
    FIELD_WEIGHTS,
    GIVEN,
    OPENINGS,
    STEPS,
    SURNAMES,
    TERMS,
    VOCABULARY,
)


def _table(weighted) -> tuple[tuple, list[int]]:
    """(items, cumulative weights) for ``random.choices``, computed once."""
    items, weights = zip(*weighted, strict=True)
    return items, list(accumulate(weights))


def _pick(rng: random.Random, table) -> object:
    items, cumulative = table
    return rng.choices(items, cum_weights=cumulative)[0]


FIELD_TABLE = _table(FIELD_WEIGHTS)
KIND_TABLE = _table(((ListingKind.INVENTION, 70), (ListingKind.UTILITY_MODEL, 19),
                     (ListingKind.DESIGN, 3), (ListingKind.ACHIEVEMENT, 8)))
#: Type digit of the application number (5th of 12).
TYPE_DIGIT = {ListingKind.INVENTION: "1", ListingKind.UTILITY_MODEL: "2", ListingKind.DESIGN: "3"}
LEGAL_TABLES = {
    ListingKind.INVENTION: _table(((LegalStatus.GRANTED, 60), (LegalStatus.PENDING, 32),
                                   (LegalStatus.LAPSED, 8))),
    ListingKind.UTILITY_MODEL: _table(((LegalStatus.GRANTED, 90), (LegalStatus.LAPSED, 10))),
    ListingKind.DESIGN: _table(((LegalStatus.GRANTED, 92), (LegalStatus.LAPSED, 8))),
}
#: Months from application to grant, by kind.
GRANT_MONTHS = {ListingKind.INVENTION: (16, 40), ListingKind.UTILITY_MODEL: (5, 12),
                ListingKind.DESIGN: (4, 9)}
#: A is rarer than B, B rarer than C.
GRADE_TABLE = _table(((Grade.A, 12), (Grade.B, 33), (Grade.C, 55)))
TRL_TABLE = _table(zip(range(1, 10), (3, 6, 10, 14, 17, 17, 14, 11, 8), strict=True))
MODE_COUNT_TABLE = _table(((1, 45), (2, 40), (3, 15)))
INVENTOR_COUNT_TABLE = _table(zip(range(1, 7), (15, 25, 25, 18, 10, 7), strict=True))
#: Modes and how often a listing offers each. Never the open licence: a listing offers it only
#: while an announced declaration says so (``licences.services`` adds it; the demo declares a few).
MODE_WEIGHTS = ((ConversionMode.ORDINARY_LICENCE, 30),
                (ConversionMode.TRANSFER, 25), (ConversionMode.TRY_FIRST, 12),
                (ConversionMode.EQUITY, 10), (ConversionMode.EXCLUSIVE_LICENCE, 9),
                (ConversionMode.SOLE_LICENCE, 6))
PRICES_WAN = (5, 8, 10, 15, 20, 30, 50, 80, 100, 150, 200, 300, 500)
DEVICES = ("装置", "检测装置", "夹具", "固定结构", "散热结构", "连接组件", "防护装置")
DESIGN_VARIANTS = ("外壳", "控制面板", "（便携式）", "（Ⅰ型）", "底座")
#: Listings published from this date until REFERENCE_DATE (fixed, so output never depends on today).
PUBLISHED_FROM = datetime(2024, 1, 1, tzinfo=UTC)
REFERENCE_DATE = date(2026, 6, 30)
RARE_SHARE = 0.005
#: Kinds that protect a product (its structure or look) rather than a material or a method.
DEVICE_KINDS = (ListingKind.UTILITY_MODEL, ListingKind.DESIGN)
#: Sentences that speak of the field's materials, tasks or methods, or of an invention's claims.
_ABOUT_THE_FIELD = re.compile(r"\{(object|task|method)\}|本发明")
#: Tasks that make a thing, so "一种…及其…方法" reads naturally.
MADE_TASKS = frozenset(("制备", "回收", "纯化", "表面改性", "包覆", "低温合成", "制作"))


class ListingFactory:
    """Deterministic generator of listings; ``taken`` are application numbers not to reuse."""

    def __init__(self, seed: int = 2026, taken=()):
        self.random = random.Random(seed)
        self._numbers = set(taken)

    # -- public -----------------------------------------------------------------------------------

    def data(self, contact_name: str, contact_email: str, contact_phone: str | None = None,
             fields=None) -> dict:
        """One listing in the shape ``services.create_listing`` accepts.

        ``fields`` (``(field, weight)`` pairs) gives a university its own mix of fields.
        """
        values = self._draft(_table(fields) if fields else FIELD_TABLE)
        values.update(contact_name=contact_name, contact_email=contact_email,
                      contact_phone=contact_phone)
        return values

    def rows(self, count: int, organisations: list[tuple[int, str, str]], start_id: int = 1):
        """Yield ``(listing row, modes)`` for a bulk insert of published listings.

        ``organisations`` are ``(id, contact name, contact e-mail)``; rows carry explicit ids from
        ``start_id`` and the enum members SQLAlchemy's columns take.
        """
        rng = self.random
        span = (datetime.combine(REFERENCE_DATE, datetime.min.time(), UTC) - PUBLISHED_FROM)
        seconds = int(span.total_seconds())
        for offset in range(count):
            values = self._draft()
            modes = values.pop("modes")
            org_id, contact_name, contact_email = rng.choice(organisations)
            published = PUBLISHED_FROM + timedelta(seconds=rng.randrange(seconds))
            values.update(id=start_id + offset, organisation_id=org_id, state=ListingState.PUBLISHED,
                          contact_name=contact_name, contact_email=contact_email,
                          contact_phone=None, currency="CNY", is_demo=False, created_by_id=None,
                          created_at=published - timedelta(days=rng.randrange(1, 60)),
                          updated_at=published, published_at=published, state_reason=None)
            yield values, modes

    # -- parts ------------------------------------------------------------------------------------

    def _draft(self, fields=FIELD_TABLE) -> dict:
        rng = self.random
        field = _pick(rng, fields)
        vocab = VOCABULARY[field]
        kind = _pick(rng, KIND_TABLE)
        words = {"object": rng.choice(vocab["objects"]), "task": rng.choice(vocab["tasks"]),
                 "product": rng.choice(vocab["products"]),
                 "method": rng.choice(vocab["methods"]), "application": rng.choice(vocab["applications"]),
                 "domain": vocab["domain"]}
        words["effect"], words["effect2"] = rng.sample(vocab["effects"], 2)
        rare = rng.choice(vocab["rare"]) if rng.random() < RARE_SHARE else None
        title = self._title(kind, words)
        legal, app_date, grant_date = self._legal(kind)
        grade = Grade.C if legal is LegalStatus.LAPSED else _pick(rng, GRADE_TABLE)
        modes = self._modes()
        if kind in DEVICE_KINDS:  # a product: it is about the product, not the field's materials
            keywords = [words["product"], words["application"]]
        else:
            keywords = [words["object"], words["method"], words["application"]]
        if rare:
            keywords.append(rare)
        return {
            "kind": kind, "title": title, "abstract": self._abstract(kind, title, words, rare),
            "field": field, "ipc_codes": ", ".join(rng.sample(vocab["ipc"], rng.choice((1, 1, 2, 3)))),
            "keywords": ", ".join(keywords), "inventors": self._inventors(),
            "application_number": self._number(kind, app_date) if kind.is_patent else None,
            "application_date": app_date, "grant_date": grant_date, "legal_status": legal,
            "grade": grade, "trl": _pick(rng, TRL_TABLE), "modes": modes,
            "asking_price": self._price(grade), "terms": rng.choice(TERMS) if rng.random() < 0.6 else None,
        }

    def _title(self, kind: ListingKind, w: dict) -> str:
        rng = self.random
        if kind is ListingKind.INVENTION:
            templates = [f"一种基于{w['method']}的{w['object']}{w['task']}方法",
                         f"{w['object']}{w['task']}系统及方法",
                         f"一种用于{w['application']}的{w['object']}{w['task']}装置"]
            if w["task"] in MADE_TASKS:
                templates.append(f"一种{w['object']}及其{w['task']}方法")
            return rng.choice(templates)
        if kind is ListingKind.UTILITY_MODEL:
            device = rng.choice(DEVICES)
            return rng.choice((f"一种用于{w['application']}的{w['product']}{device}",
                               f"一种{w['product']}{device}"))
        if kind is ListingKind.DESIGN:
            return f"{w['product']}{rng.choice(DESIGN_VARIANTS)}"
        return rng.choice((f"{w['object']}{w['task']}关键技术及应用",
                           f"{w['method']}在{w['object']}{w['task']}中的应用研究",
                           f"{w['object']}{w['task']}技术研究与产业化"))

    def _abstract(self, kind: ListingKind, title: str, w: dict, rare: str | None) -> str:
        rng = self.random
        if kind is ListingKind.DESIGN:
            opening = f"本外观设计产品的名称为{title}，用于{w['application']}领域。"
            body = ["设计要点在于产品的整体形状以及各部件之间的比例关系。",
                    "最能表明设计要点的图片为立体图。", "本外观设计由使用者操作面与外部轮廓组成。"]
        elif kind is ListingKind.ACHIEVEMENT:
            opening = f"本成果属于{w['domain']}领域，围绕{w['object']}{w['task']}开展系统研究。"
            body = [rng.choice(STEPS).format(**w)]
        elif kind is ListingKind.UTILITY_MODEL:
            opening = OPENINGS[2].format(title=title, domain=w["domain"])
            body = [rng.choice(DEVICE_STEPS).format(**w)]
        else:
            opening = rng.choice(OPENINGS[:2]).format(title=title, domain=w["domain"])
            body = [rng.choice(STEPS).format(**w)]
        device = kind in DEVICE_KINDS
        protected = "实用新型" if kind is ListingKind.UTILITY_MODEL else "外观设计"
        closing = rng.choice(DEVICE_CLOSINGS if device else CLOSINGS).format(protected=protected, **w)
        details = [d.format(**w) for d in rng.sample(DETAILS, len(DETAILS))
                   if not device or not _ABOUT_THE_FIELD.search(d)]
        if rare:
            details.insert(0, f"试验材料包括{rare}等。")
        parts = [opening, *body, closing]
        target = rng.randint(150, 240)
        while sum(map(len, parts)) < target and details:
            parts.insert(-1, details.pop(0))
        while sum(map(len, parts)) > 250 and len(parts) > 2:
            parts.pop(-2)
        return "".join(parts)

    def _legal(self, kind: ListingKind) -> tuple[LegalStatus, date | None, date | None]:
        rng = self.random
        if not kind.is_patent:
            return LegalStatus.NOT_APPLICABLE, None, None
        legal = _pick(rng, LEGAL_TABLES[kind])
        if legal is LegalStatus.PENDING:
            applied = REFERENCE_DATE - timedelta(days=rng.randrange(60, 3 * 365))
            return legal, applied, None
        low, high = GRANT_MONTHS[kind]
        months = rng.randint(low, high)
        latest = REFERENCE_DATE - timedelta(days=31 * months + 30)
        applied = latest - timedelta(days=rng.randrange(0, 12 * 365))
        return legal, applied, applied + timedelta(days=30 * months + rng.randrange(0, 28))

    def _number(self, kind: ListingKind, applied: date) -> str:
        while True:
            digits = f"{applied.year}{TYPE_DIGIT[kind]}{self.random.randrange(10**7):07d}"
            number = f"{digits}.{check_character(digits)}"
            if number not in self._numbers:
                self._numbers.add(number)
                return number

    def _modes(self) -> list[ConversionMode]:
        rng = self.random
        pool = list(MODE_WEIGHTS)
        wanted = _pick(rng, MODE_COUNT_TABLE)
        chosen: list[ConversionMode] = []
        while len(chosen) < wanted and pool:
            mode = _pick(rng, _table(pool))
            chosen.append(mode)
            pool = [(m, w) for m, w in pool if m is not mode]
        return sorted(chosen, key=lambda m: m.value)

    def _price(self, grade: Grade) -> Decimal | None:
        if self.random.random() < 0.35:
            return None
        factor = {Grade.A: 3, Grade.B: 1, Grade.C: 0.5}[grade]
        wan = self.random.choice(PRICES_WAN) * factor
        return Decimal(int(wan * 10000)).quantize(Decimal("0.01"))

    def _inventors(self) -> str:
        rng = self.random
        names: list[str] = []
        for _ in range(_pick(rng, INVENTOR_COUNT_TABLE)):
            name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2, 2))))
            if name not in names:
                names.append(name)
        return ", ".join(names)


def listing_dicts(count: int, seed: int = 2026, contact=("技术转移中心", "tto@example.edu.cn")):
    """``count`` listings for ``create_listing``, all with the same contact."""
    factory = ListingFactory(seed)
    return [factory.data(*contact) for _ in range(count)]
