"""The workbench's building blocks: items, sections and their counts.

Each role's module returns a list of :class:`Section`. A section reads the same query as the list
page behind it (``more``), so the count on the workbench is the number of rows on that page; it
shows the first few items, each linking to where the user acts.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Select, func, select

from marketplace.extensions import db

#: Items shown per section; the count and the "all" link cover the rest.
SHOWN = 5


@dataclass
class Item:
    """One thing to do or to know: a title linking to where the user acts, and what it is about."""

    title: str
    link: str
    #: A second line: who, how much, which listing.
    meta: str = ""
    #: When it happened (a moment) or falls due (a day), with what that time means.
    when: datetime | date | None = None
    when_label: str = ""
    #: A short status word and its tone (``ok``, ``wait``, ``bad``, ``info``).
    badge: str = ""
    tone: str = ""
    #: A button next to the item: (label, url); ``post`` when the url takes a form submission.
    button: tuple[str, str] | None = None
    post: bool = False


@dataclass
class Section:
    """A group of to-dos with its count and the list page that shows them all."""

    key: str
    title: str
    items: list[Item]
    count: int
    empty: str
    more: str | None = None
    more_label: str = ""
    #: A note under the title (what the section covers).
    note: str = ""
    extra: dict = field(default_factory=dict)


def count_of(query: Select) -> int:
    """How many rows ``query`` returns (the number its list page shows)."""
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def section(key: str, title, query: Select, to_item, empty, more: str | None = None,
            more_label="", note="", shown: int = SHOWN) -> Section:
    """A section from a query: its count and its first ``shown`` rows as items."""
    rows = db.session.scalars(query.limit(shown)).unique().all()
    return Section(key, str(title), [to_item(row) for row in rows], count_of(query), str(empty),
                   more, str(more_label), str(note))


#: Section builders by audience (``tto``, ``inventor``, ``member``, ``admin``): (order, builder).
#: Extension packages (the roadshows) contribute theirs too, as ``marketplace`` never imports them.
_BUILDERS: dict[str, list[tuple[int, Callable]]] = {}


def contributes(audience: str, order: int):
    """Register ``fn(user) -> Section | None`` as the section at ``order`` of an audience's
    workbench (idempotent for the same function)."""
    def decorator(fn):
        builders = _BUILDERS.setdefault(audience, [])
        if all(existing.__qualname__ != fn.__qualname__ or existing.__module__ != fn.__module__
               for _order, existing in builders):
            builders.append((order, fn))
            builders.sort(key=lambda pair: pair[0])
        return fn
    return decorator


def build(audience: str, user) -> list[Section]:
    """Every section of an audience's workbench for ``user``, in order: those with something to
    do first, the empty ones after them."""
    built = (fn(user) for _order, fn in _BUILDERS.get(audience, []))
    return sorted((item for item in built if item is not None), key=lambda item: item.count == 0)
