"""The roadshows on the platform's home page (``marketplace.main.home.register_roadshows``)."""

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from events.models import Roadshow, RoadshowState
from marketplace.db_types import utcnow
from marketplace.extensions import db
from marketplace.main.home import register_roadshows


def upcoming(limit: int) -> list[Roadshow]:
    """Published or live roadshows that are not over yet, soonest first (as ``events.index``)."""
    return list(db.session.scalars(
        select(Roadshow).options(selectinload(Roadshow.organisation))
        .where(Roadshow.state.in_((RoadshowState.PUBLISHED, RoadshowState.LIVE)),
               Roadshow.ends_at > utcnow())
        .order_by(Roadshow.starts_at, Roadshow.id).limit(limit)))


def held() -> int:
    """Roadshows held on the platform (ended)."""
    return db.session.scalar(select(func.count()).select_from(Roadshow)
                             .where(Roadshow.state == RoadshowState.ENDED)) or 0


register_roadshows(upcoming, held)
