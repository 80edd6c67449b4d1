"""Secondary units (二级单位 / 学院): named once per university, then given to its listings.

A separate table of units (rather than free text on each listing) keeps one spelling per school,
so the performance table adds up; the link lives in ``action_listing_units`` beside the listings.
"""

from flask_babel import gettext as _
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.action.reports.models import ListingUnit, SecondaryUnit
from marketplace.audit import services as audit
from marketplace.errors import NotAllowed, ServiceError
from marketplace.extensions import db
from marketplace.listings.models import Listing
from marketplace.permissions import check

MAX_UNITS = 200


def units_of(org_id: int) -> list[SecondaryUnit]:
    return list(db.session.scalars(select(SecondaryUnit).where(SecondaryUnit.organisation_id == org_id)
                                   .order_by(SecondaryUnit.name)))


def create_unit(actor: User, name: str) -> SecondaryUnit:
    check("action.manage_units", actor=actor)
    name = " ".join((name or "").split())
    if not name:
        raise ServiceError(_("Give the unit a name."))
    existing = units_of(actor.organisation_id)
    if any(unit.name == name for unit in existing):
        raise ServiceError(_("Your university already has a unit of that name."))
    if len(existing) >= MAX_UNITS:
        raise ServiceError(_("A university can have at most %(n)d units.", n=MAX_UNITS))
    unit = SecondaryUnit(organisation_id=actor.organisation_id, name=name)
    db.session.add(unit)
    db.session.flush()
    audit.record("action.unit_created", actor=actor, target=unit, name=name)
    db.session.commit()
    return unit


def delete_unit(actor: User, unit: SecondaryUnit) -> None:
    """Remove a unit; its listings have no unit afterwards."""
    check("action.manage_units", actor=actor)
    if unit.organisation_id != actor.organisation_id:
        raise NotAllowed(_("This unit belongs to another university."))
    audit.record("action.unit_removed", actor=actor, target=unit, name=unit.name)
    db.session.execute(ListingUnit.__table__.delete().where(ListingUnit.unit_id == unit.id))
    db.session.delete(unit)
    db.session.commit()


def assign(actor: User, unit_id: int | None, listing_ids: list[int]) -> int:
    """Give listings of the actor's university to a unit (``None``: no unit); return how many."""
    check("action.manage_units", actor=actor)
    org_id = actor.organisation_id
    if unit_id is not None:
        unit = db.session.get(SecondaryUnit, unit_id)
        if unit is None or unit.organisation_id != org_id:
            raise NotAllowed(_("This unit belongs to another university."))
    ids = set(db.session.scalars(select(Listing.id).where(Listing.id.in_(listing_ids or []),
                                                          Listing.organisation_id == org_id)))
    if len(ids) != len(set(listing_ids or [])):
        raise NotAllowed(_("Only your university's listings can be given a unit."))
    if not ids:
        raise ServiceError(_("Choose at least one listing."))
    db.session.execute(ListingUnit.__table__.delete().where(ListingUnit.listing_id.in_(ids)))
    if unit_id is not None:
        db.session.add_all([ListingUnit(listing_id=lid, unit_id=unit_id) for lid in sorted(ids)])
    audit.record("action.units_assigned", actor=actor, target=None, unit=unit_id, listings=len(ids))
    db.session.commit()
    return len(ids)


def unit_by_listing(org_id: int | None = None) -> dict[int, SecondaryUnit]:
    """listing id -> its unit (of one university, or of all)."""
    query = select(ListingUnit.listing_id, SecondaryUnit).join(
        SecondaryUnit, SecondaryUnit.id == ListingUnit.unit_id)
    if org_id is not None:
        query = query.where(SecondaryUnit.organisation_id == org_id)
    return dict(db.session.execute(query).all())


def unit_counts(org_id: int) -> dict[int, int]:
    """unit id -> how many listings it has."""
    return dict(db.session.execute(
        select(ListingUnit.unit_id, func.count()).join(SecondaryUnit)
        .where(SecondaryUnit.organisation_id == org_id).group_by(ListingUnit.unit_id)).all())
