"""The search page's result cards: the columns a card shows, read in one statement.

Loading the page's 20 listings as ORM objects (every column, then one query for their
organisations and one for their modes) cost more than all the database work of a rare word's
search. A card carries what ``listing_card`` (templates/listings/_macros.html) reads, under the
names ``Listing`` gives it, so the macro renders a card and a listing alike. The API, which
serialises every public field, still loads listings (``queries.load_listings``).
"""

from dataclasses import dataclass

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.listings.models import ConversionMode, Grade, Listing, ListingKind, listing_modes
from marketplace.orgs.models import Organisation


@dataclass(frozen=True, slots=True)
class CardOrganisation:
    name: str


@dataclass(frozen=True, slots=True)
class CardMode:
    mode: ConversionMode


@dataclass(frozen=True, slots=True)
class Card:
    """What a result card shows of a listing."""

    id: int
    title: str
    abstract: str
    grade: Grade
    kind: ListingKind
    field: str
    trl: int
    application_number: str | None
    organisation_id: int
    is_demo: bool
    organisation: CardOrganisation
    #: In the order of ``Listing.modes`` (by stored value).
    modes: tuple[CardMode, ...]


_MODES = {mode.value: CardMode(mode) for mode in ConversionMode}


def _modes_of_listing() -> sa.ScalarSelect:
    """The listing's modes as one string of stored values separated by spaces (any order)."""
    return (sa.select(sa.func.aggregate_strings(listing_modes.c.mode, " "))
            .where(listing_modes.c.listing_id == Listing.id).scalar_subquery())


def load(ids: list[int]) -> list[Card]:
    """The cards of the listings ``ids``, in that order (ids with no listing are left out)."""
    if not ids:
        return []
    rows = db.session.execute(
        sa.select(Listing.id, Listing.title, Listing.abstract, Listing.grade, Listing.kind,
                  Listing.field, Listing.trl, Listing.application_number,
                  Listing.organisation_id, Listing.is_demo, Organisation.name,
                  _modes_of_listing())
        .join(Organisation, Organisation.id == Listing.organisation_id)
        .where(Listing.id.in_(ids))).all()
    cards = {}
    for *columns, organisation_name, modes in rows:
        values = sorted(modes.split()) if modes else []
        cards[columns[0]] = Card(*columns, organisation=CardOrganisation(organisation_name),
                                 modes=tuple(_MODES[value] for value in values))
    return [cards[i] for i in ids if i in cards]
