"""Every state change of a published list goes through a function here.

A list is an editable selection (``ListItem`` rows); publishing freezes the selection as it is
now into a numbered ``ListVersion`` whose snapshot and SHA-256 never change afterwards.
"""

import hashlib
import json
import re

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from marketplace import text as normal_text
from marketplace.accounts.models import Role, User
from marketplace.audit import services as audit
from marketplace.errors import InvalidTransition, NotAllowed, ServiceError
from marketplace.extensions import db
from marketplace.listings.models import Listing, ListingState
from marketplace.lists import export_files
from marketplace.lists.models import ListItem, ListKind, ListVersion, PublishedList
from marketplace.permissions import check

#: A list is a selection, not a catalogue: keep it small enough to read and print.
MAX_ITEMS = 300
#: Columns of a version that are frozen once it is written.
FROZEN_COLUMNS = ("list_id", "number", "title", "note", "published_at", "snapshot", "sha256")


class VersionIsFrozen(RuntimeError):
    """Raised when anything tries to change a published version."""


@event.listens_for(ListVersion, "before_update")
def _refuse_version_changes(mapper, connection, version: ListVersion) -> None:
    """A published version is never updated (only its publisher may be unset by the database)."""
    state = sa.inspect(version)
    changed = [name for name in FROZEN_COLUMNS if state.attrs[name].history.has_changes()]
    if changed:
        raise VersionIsFrozen(f"list version {version.id} is frozen; tried to change {changed}")


# --- What a list may hold -----------------------------------------------------------------------

def _check_item_allowed(plist: PublishedList, listing: Listing) -> None:
    if listing.state is not ListingState.PUBLISHED:
        raise InvalidTransition(_("Only published listings can be put on a list."))
    if plist.organisation_id is not None and listing.organisation_id != plist.organisation_id:
        raise NotAllowed(_("A university's list can only contain its own listings."))


# --- Reading -------------------------------------------------------------------------------------

def public_lists(organisation_id: int | None = None) -> list[PublishedList]:
    """Lists with at least one published version, the most recently published first."""
    latest = (select(ListVersion.list_id, func.max(ListVersion.published_at).label("at"))
              .group_by(ListVersion.list_id).subquery())
    query = (select(PublishedList).join(latest, latest.c.list_id == PublishedList.id)
             .order_by(latest.c.at.desc(), PublishedList.id.desc())
             .options(selectinload(PublishedList.versions), selectinload(PublishedList.organisation)))
    if organisation_id is not None:
        query = query.where(PublishedList.organisation_id == organisation_id)
    lists = db.session.scalars(query).all()
    return [plist for plist in lists
            if plist.organisation is None or plist.organisation.status.is_verified]


def _pattern(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def candidates(plist: PublishedList, text: str = "", limit: int = 50) -> list[Listing]:
    """Published listings that may be added to the list and are not on it yet."""
    query = (select(Listing).where(Listing.state == ListingState.PUBLISHED,
                                   Listing.id.not_in(select(ListItem.listing_id)
                                                     .where(ListItem.list_id == plist.id)))
             .order_by(Listing.published_at.desc(), Listing.id.desc()).limit(limit)
             .options(selectinload(Listing.organisation)))
    if plist.organisation_id is not None:
        query = query.where(Listing.organisation_id == plist.organisation_id)
    text = " ".join(text.split())[:100]
    if text:
        # Titles as typed or in the normal form's characters; a number or part of one (full
        # width, lower case, with its prefix) as numbers are stored.
        number = re.sub(r"^(CN|ZL)", "", normal_text.identifier(text.replace("\u3002", ".")))
        query = query.where(sa.or_(*(Listing.title.ilike(_pattern(spelling), escape="\\")
                                     for spelling in normal_text.variants(text)),
                                   Listing.application_number.ilike(_pattern(number), escape="\\")))
    return list(db.session.scalars(query))


# --- The working selection -----------------------------------------------------------------------

def create_list(actor: User, kind: ListKind, title: str, description: str | None = None) -> PublishedList:
    """A university's tto creates a list of their university; an admin, a list of the action."""
    check("lists.create", actor=actor)
    organisation_id = None if actor.role is Role.ADMIN else actor.organisation_id
    title = (title or "").strip()
    if not title:
        raise ServiceError(_("Give the list a title."))
    plist = PublishedList(organisation_id=organisation_id, kind=kind, title=title,
                          description=(description or "").strip() or None, created_by_id=actor.id)
    db.session.add(plist)
    db.session.flush()
    audit.record("list.created", actor=actor, target=plist, title=title)
    db.session.commit()
    return plist


def update_list(actor: User, plist: PublishedList, *, title: str, description: str | None,
                kind: ListKind | None = None) -> bool:
    """Change the working title, description or kind; published versions keep theirs."""
    check("lists.manage", plist, actor=actor)
    title = (title or "").strip()
    if not title:
        raise ServiceError(_("Give the list a title."))
    values = {"title": title, "description": (description or "").strip() or None,
              "kind": kind or plist.kind}
    changed = {name: value for name, value in values.items() if getattr(plist, name) != value}
    for name, value in changed.items():
        setattr(plist, name, value)
    if changed:
        audit.record("list.updated", actor=actor, target=plist, fields=",".join(sorted(changed)))
    db.session.commit()
    return bool(changed)


def add_listing(actor: User, plist: PublishedList, listing: Listing) -> ListItem:
    """Put a published listing at the end of the working selection."""
    check("lists.manage", plist, actor=actor)
    _check_item_allowed(plist, listing)
    if any(item.listing_id == listing.id for item in plist.items):
        raise ServiceError(_("This listing is already on the list."))
    if len(plist.items) >= MAX_ITEMS:
        raise ServiceError(_("A list can hold at most %(n)d listings.", n=MAX_ITEMS))
    item = ListItem(listing=listing, position=max((i.position for i in plist.items), default=0) + 1)
    plist.items.append(item)
    audit.record("list.item_added", actor=actor, target=plist, listing=listing.id)
    try:
        db.session.commit()
    except IntegrityError:  # added at the same moment in another request
        db.session.rollback()
        raise ServiceError(_("This listing is already on the list.")) from None
    return item


def remove_listing(actor: User, plist: PublishedList, listing_id: int) -> None:
    """Take a listing off the working selection (published versions keep it)."""
    check("lists.manage", plist, actor=actor)
    item = next((item for item in plist.items if item.listing_id == listing_id), None)
    if item is None:
        raise ServiceError(_("This listing is not on the list."))
    plist.items.remove(item)
    _renumber(plist.items)
    audit.record("list.item_removed", actor=actor, target=plist, listing=listing_id)
    db.session.commit()


def reorder(actor: User, plist: PublishedList, listing_ids: list[int]) -> None:
    """Put the selection in the given order (every listing on the list, each once)."""
    check("lists.manage", plist, actor=actor)
    by_id = {item.listing_id: item for item in plist.items}
    if sorted(listing_ids) != sorted(by_id):
        raise ServiceError(_("The list was changed in the meantime; reload the page and try again."))
    _renumber([by_id[listing_id] for listing_id in listing_ids])
    db.session.commit()


def move(actor: User, plist: PublishedList, listing_id: int, step: int) -> None:
    """Move one listing up (step -1) or down (step 1); at either end nothing changes."""
    check("lists.manage", plist, actor=actor)
    order = [item.listing_id for item in plist.items]
    if listing_id not in order:
        raise ServiceError(_("This listing is not on the list."))
    index = order.index(listing_id)
    target = min(max(index + step, 0), len(order) - 1)
    order.insert(target, order.pop(index))
    reorder(actor, plist, order)


def _renumber(items: list[ListItem]) -> None:
    for position, item in enumerate(items, start=1):
        item.position = position


# --- Publishing ----------------------------------------------------------------------------------

def snapshot_item(listing: Listing) -> dict:
    """One listing as a version records it: plain values only, enum values rather than labels."""
    return {
        "id": listing.id,
        "title": listing.title,
        "kind": listing.kind.value,
        "application_number": listing.application_number,
        "patent_number": listing.patent_number,
        "legal_status": listing.legal_status.value,
        "grade": listing.grade.value,
        "trl": listing.trl,
        "field": listing.field,
        "modes": sorted(mode.mode.value for mode in listing.modes),
        "university": listing.organisation.name,
        "inventors": listing.inventors,
        "url": f"/listings/{listing.id}",
    }


def snapshot(plist: PublishedList) -> list[dict]:
    """The working selection, in order, as it is now."""
    return [snapshot_item(item.listing) for item in sorted(plist.items, key=lambda i: i.position)]


def digest(items: list[dict]) -> str:
    """SHA-256 of the canonical JSON of a snapshot; anyone can recompute it from a copy."""
    canonical = json.dumps(items, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def publish_version(actor: User, plist: PublishedList, note: str | None = None) -> ListVersion:
    """Freeze the selection as the next numbered version; the previous one is superseded."""
    check("lists.manage", plist, actor=actor)
    # Serialise publishers of the same list (PostgreSQL locks the row; SQLite locks the file).
    db.session.execute(select(PublishedList.id).where(PublishedList.id == plist.id).with_for_update())
    db.session.refresh(plist, ["items"])
    db.session.scalars(select(Listing).where(Listing.id.in_([i.listing_id for i in plist.items]))
                       .options(selectinload(Listing.modes), selectinload(Listing.organisation))).all()
    if not plist.items:
        raise InvalidTransition(_("Add at least one listing before publishing the list."))
    gone = [item.listing.title for item in plist.items
            if item.listing.state is not ListingState.PUBLISHED]
    if gone:
        raise InvalidTransition(_("These listings are no longer published; remove them first: "
                                  "%(titles)s", titles="、".join(gone)))
    items = snapshot(plist)
    previous = db.session.scalar(select(func.max(ListVersion.number))
                                 .where(ListVersion.list_id == plist.id)) or 0
    version = ListVersion(list_id=plist.id, number=previous + 1, title=plist.title,
                          note=(note or "").strip() or None, published_by_id=actor.id,
                          snapshot=items, sha256=digest(items))
    db.session.add(version)
    try:
        db.session.flush()
    except IntegrityError:  # another publisher took the same number
        db.session.rollback()
        raise InvalidTransition(_("Someone else published this list just now; reload the page.")) \
            from None
    audit.record("list.published", actor=actor, target=plist, version=version.number,
                 sha256=version.sha256, items=len(items))
    db.session.commit()
    db.session.expire(plist, ["versions"])
    export_files.published(version)  # the worker builds its PDF and XLSX now
    return version
