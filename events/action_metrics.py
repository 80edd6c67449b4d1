"""Roadshow reach for the action's annual reports and dashboards (``marketplace.action.registry``).

``roadshows``: roadshows the university held (ended) in the year, Beijing time.
``roadshow_attendees``: distinct people with a confirmed registration who entered the live room
of one of those roadshows; for a roadshow whose room recorded no attendance (held elsewhere),
its confirmed registrants count instead.
Registered when ``events`` is imported (its ``__init__`` imports this module).
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, union

from events.live.models import LiveAttendance
from events.models import Registration, RegistrationStatus, Roadshow, RoadshowState
from marketplace.action.registry import register_metric, year_bounds
from marketplace.extensions import db


def _held(org_id: int, year: int):
    """Ids of the university's roadshows that ended in the year."""
    start, end = year_bounds(year)
    held_at = func.coalesce(Roadshow.ended_at, Roadshow.ends_at)
    return select(Roadshow.id).where(Roadshow.organisation_id == org_id,
                                     Roadshow.state == RoadshowState.ENDED,
                                     held_at >= start, held_at < end)


def roadshows_held(org_id: int, year: int) -> int:
    """Roadshows the university held (ended) in the year."""
    return db.session.scalar(select(func.count()).select_from(_held(org_id, year).subquery()))


def roadshow_attendees(org_id: int, year: int) -> int:
    """Distinct confirmed registrants who attended the year's roadshows (see the module doc)."""
    held = _held(org_id, year).scalar_subquery()
    confirmed = (Registration.roadshow_id.in_(held),
                 Registration.status == RegistrationStatus.CONFIRMED)
    recorded = select(LiveAttendance.roadshow_id).where(LiveAttendance.roadshow_id.in_(held))
    attended = (select(Registration.user_id)
                .join(LiveAttendance, (LiveAttendance.roadshow_id == Registration.roadshow_id)
                      & (LiveAttendance.user_id == Registration.user_id))
                .where(*confirmed))
    unrecorded = select(Registration.user_id).where(*confirmed,
                                                    Registration.roadshow_id.not_in(recorded))
    people = union(attended, unrecorded).subquery()
    return db.session.scalar(select(func.count(func.distinct(people.c.user_id))))


register_metric("roadshows", _l("Roadshows held"), roadshows_held, _l("roadshows"), order=70)
register_metric("roadshow_attendees", _l("Roadshow attendees"), roadshow_attendees, _l("people"),
                order=75)
