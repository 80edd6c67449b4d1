"""The roadshows' sections of the workbench (``marketplace`` never imports ``events``, so they are
contributed here): the host's registrations to approve and next roadshows, the roadshows that
present an inventor's listings, and a member's own roadshows with a countdown and "join"."""

from flask import url_for
from flask_babel import format_timedelta, lazy_pgettext, pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from events.models import AgendaItem, Registration, RegistrationStatus, Roadshow, RoadshowState
from events.routes import room_url
from marketplace.db_types import utcnow
from marketplace.listings.models import listing_inventor_users
from marketplace.main.workbench import Item, Section, contributes
from marketplace.main.workbench.core import section

#: Roadshows that are coming or under way.
COMING = (RoadshowState.PUBLISHED, RoadshowState.LIVE)
REGISTRATION_BADGES = {
    RegistrationStatus.CONFIRMED: (lazy_pgettext("roadshow", "Registered"), "ok"),
    RegistrationStatus.PENDING: (_l("Awaiting approval"), "wait"),
    RegistrationStatus.WAITLISTED: (_l("On the waiting list"), "info"),
}


def countdown(roadshow: Roadshow) -> str:
    """"Live now", or how long until it starts ("in 3 days")."""
    if roadshow.state is RoadshowState.LIVE:
        return _("Live now")
    return format_timedelta(roadshow.starts_at - utcnow(), granularity="minute",
                            add_direction=True)


def _coming(query):
    return query.where(Roadshow.state.in_(COMING), Roadshow.ends_at >= utcnow())


def _roadshow_item(roadshow: Roadshow, link: str, meta: str = "", badge: tuple = ("", "")) -> Item:
    live = roadshow.state is RoadshowState.LIVE
    room = room_url(roadshow) if live else None
    return Item(roadshow.title, link, meta=meta, when=roadshow.starts_at,
                when_label=countdown(roadshow), badge=str(badge[0]), tone=badge[1],
                button=(_("Join the live room"), room) if room else None)


def pending_registrations(org_id: int):
    """Registrations for a university's coming roadshows waiting for its approval, newest first."""
    return _coming(select(Registration).join(Roadshow).where(
        Roadshow.organisation_id == org_id, Registration.status == RegistrationStatus.PENDING)
        .options(selectinload(Registration.user), selectinload(Registration.roadshow))
        .order_by(Registration.created_at.desc(), Registration.id.desc()))


@contributes("tto", 70)
def registrations(user) -> Section:
    return section(
        "registrations", _l("Registrations waiting for approval"),
        pending_registrations(user.organisation_id),
        lambda r: Item(r.user.name, url_for("events.registrations", roadshow_id=r.roadshow_id),
                       meta=r.roadshow.title, when=r.created_at,
                       when_label=pgettext("roadshow registration time", "Registered")),
        _l("No registration waits for your approval."),
        url_for("events.manage"), _l("Our roadshows"))


def hosted(org_id: int):
    """A university's coming roadshows, the soonest first."""
    return _coming(select(Roadshow).where(Roadshow.organisation_id == org_id)
                   .order_by(Roadshow.starts_at, Roadshow.id))


@contributes("tto", 80)
def next_roadshows(user) -> Section:
    return section(
        "roadshows", _l("Your next roadshows"), hosted(user.organisation_id),
        lambda r: _roadshow_item(r, url_for("events.detail", roadshow_id=r.id),
                                 meta=_("%(count)d on the agenda", count=len(r.agenda))),
        _l("No roadshow is coming. Plan one to present your listings."),
        url_for("events.manage"), _l("Our roadshows"))


def presenting(user_id: int):
    """Coming roadshows with one of the inventor's listings on the agenda, the soonest first."""
    mine = select(listing_inventor_users.c.listing_id).where(
        listing_inventor_users.c.user_id == user_id)
    return _coming(select(Roadshow).where(Roadshow.id.in_(
        select(AgendaItem.roadshow_id).where(AgendaItem.listing_id.in_(mine))))
        .order_by(Roadshow.starts_at, Roadshow.id))


@contributes("inventor", 30)
def inventor_roadshows(user) -> Section:
    return section(
        "roadshows", _l("Roadshows presenting your listings"), presenting(user.id),
        lambda r: _roadshow_item(r, url_for("events.detail", roadshow_id=r.id),
                                 meta=r.organisation.name),
        _l("None of your listings is on a coming roadshow."),
        url_for("events.index"), _l("All roadshows"))


def registered(user_id: int):
    """The user's registrations for coming roadshows (not cancelled or declined), soonest first."""
    return _coming(select(Registration).join(Roadshow).where(
        Registration.user_id == user_id, Registration.status.in_(tuple(REGISTRATION_BADGES)))
        .options(selectinload(Registration.roadshow).selectinload(Roadshow.organisation))
        .order_by(Roadshow.starts_at, Roadshow.id))


@contributes("member", 40)
def my_roadshows(user) -> Section:
    def item(registration) -> Item:
        roadshow = registration.roadshow
        result = _roadshow_item(roadshow, url_for("events.detail", roadshow_id=roadshow.id),
                                meta=roadshow.organisation.name,
                                badge=REGISTRATION_BADGES[registration.status])
        if registration.status is not RegistrationStatus.CONFIRMED:
            result.button = None
        return result
    return section(
        "roadshows", _l("Your roadshows"), registered(user.id), item,
        _l("You have not registered for a coming roadshow."),
        url_for("events.mine"), _l("All your roadshows"))
