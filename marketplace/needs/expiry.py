"""Need expiry: a company hears once that its open need passed its deadline (a periodic task).

An open need past its deadline shows as expired and takes no proposals (``Need.status``); this
tells the company's members, once per deadline: ``expiry_notified_at`` is set in the same
transaction as the notification, by a conditional UPDATE, so two schedulers never both send.
A new deadline (``services.update_need``) clears it.
"""

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from marketplace import timezones
from marketplace.extensions import db
from marketplace.jobs import scheduler
from marketplace.needs.models import Need, NeedState
from marketplace.needs.services import _link
from marketplace.notifications import Kind, members_of, notify, register_kind

register_kind(Kind("needs.expired", title=_l("Your need “%(need)s” has passed its deadline"),
                   text=_l("“%(need)s” no longer takes proposals: its deadline was %(deadline)s. "
                           "Set a later deadline to take proposals again, or close it.")))


@scheduler.periodic("needs.expiry", timedelta(hours=1))
def notify_expired(now: datetime) -> dict:
    """Tell companies whose open needs passed their deadline (once per deadline)."""
    expired = db.session.scalars(select(Need.id).where(
        Need.state == NeedState.OPEN, Need.deadline < timezones.today(),
        Need.expiry_notified_at.is_(None)).order_by(Need.id)).all()
    told = 0
    for need_id in expired:
        claimed = db.session.execute(
            update(Need).where(Need.id == need_id, Need.expiry_notified_at.is_(None))
            .values(expiry_notified_at=now).execution_options(synchronize_session=False)).rowcount
        if not claimed:
            db.session.rollback()
            continue
        need = db.session.get(Need, need_id)
        db.session.refresh(need)
        if not notify(members_of(need.organisation), "needs.expired", _link(need),
                      need=need.title, deadline=need.deadline.isoformat()):
            db.session.commit()  # no active member to tell: the claim still stands
        told += 1
    return {"needs_expired": told}
