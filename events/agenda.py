"""The agenda of a roadshow: the host's published listings in non-overlapping time slots.

The order of the agenda is the order of its slots in time; ``position`` is renumbered from 1
whenever the agenda changes, so it is always 1, 2, 3 ... in time order.
"""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from events.models import AgendaItem, Roadshow, RoadshowState
from events.services import EDITABLE_STATES, lock_roadshow
from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.errors import InvalidTransition, ServiceError
from marketplace.extensions import db
from marketplace.listings.models import Listing, ListingState
from marketplace.permissions import check


def eligible_listings(roadshow: Roadshow) -> list[Listing]:
    """The host university's published listings, for the agenda form."""
    return list(db.session.scalars(select(Listing).where(
        Listing.organisation_id == roadshow.organisation_id,
        Listing.state == ListingState.PUBLISHED).order_by(Listing.title)))


def _require_editable(actor: User, roadshow: Roadshow) -> None:
    check("events.manage", roadshow, actor=actor)
    if roadshow.state not in EDITABLE_STATES:
        raise InvalidTransition(_("The agenda of a roadshow that is live, ended or cancelled can "
                                  "no longer change."))


def check_slot(roadshow: Roadshow, listing: Listing, starts_at: datetime, ends_at: datetime,
               item: AgendaItem | None = None) -> None:
    """Raise ServiceError unless the slot fits: the host's published listing, inside the event's
    time, not overlapping another slot, not already on the agenda."""
    if listing.organisation_id != roadshow.organisation_id:
        raise ServiceError(_("Only your own university's listings can be presented."))
    if listing.state is not ListingState.PUBLISHED:
        raise ServiceError(_("Only published listings can be presented."))
    if ends_at <= starts_at:
        raise ServiceError(_("A slot must end after it starts."))
    if starts_at < roadshow.starts_at or ends_at > roadshow.ends_at:
        raise ServiceError(_("The slot must lie within the roadshow's time."))
    for other in roadshow.agenda:
        if other is item:
            continue
        if other.listing_id == listing.id:
            raise ServiceError(_("This listing is already on the agenda."))
        if starts_at < other.ends_at and other.starts_at < ends_at:
            raise ServiceError(_("The slot overlaps “%(title)s”.", title=other.listing.title))


def _renumber(roadshow: Roadshow) -> None:
    for number, item in enumerate(sorted(roadshow.agenda, key=lambda i: (i.starts_at, i.id or 0)),
                                  start=1):
        item.position = number


def add_item(actor: User, roadshow: Roadshow, listing: Listing, presenter: str,
             starts_at: datetime, ends_at: datetime) -> AgendaItem:
    """Add a listing to the agenda in a free slot."""
    _require_editable(actor, roadshow)
    lock_roadshow(roadshow.id)
    check_slot(roadshow, listing, starts_at, ends_at)
    item = AgendaItem(listing=listing, presenter=presenter.strip(), starts_at=starts_at,
                      ends_at=ends_at)
    roadshow.agenda.append(item)
    _renumber(roadshow)
    audit.record("roadshow.agenda_changed", actor=actor, target=roadshow, action="added",
                 listing_id=listing.id)
    db.session.commit()
    return item


def update_item(actor: User, item: AgendaItem, presenter: str, starts_at: datetime,
                ends_at: datetime) -> None:
    """Change a slot's presenter or times."""
    roadshow = item.roadshow
    _require_editable(actor, roadshow)
    lock_roadshow(roadshow.id)
    check_slot(roadshow, item.listing, starts_at, ends_at, item=item)
    item.presenter, item.starts_at, item.ends_at = presenter.strip(), starts_at, ends_at
    _renumber(roadshow)
    audit.record("roadshow.agenda_changed", actor=actor, target=roadshow, action="updated",
                 listing_id=item.listing_id)
    db.session.commit()


def remove_item(actor: User, item: AgendaItem) -> None:
    """Take a listing off the agenda."""
    roadshow = item.roadshow
    _require_editable(actor, roadshow)
    if roadshow.state is not RoadshowState.DRAFT and len(roadshow.agenda) == 1:
        raise ServiceError(_("A published roadshow needs at least one listing on its agenda."))
    lock_roadshow(roadshow.id)
    roadshow.agenda.remove(item)
    _renumber(roadshow)
    audit.record("roadshow.agenda_changed", actor=actor, target=roadshow, action="removed",
                 listing_id=item.listing_id)
    db.session.commit()
