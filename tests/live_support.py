"""Shared set-up of the live-room tests: a published roadshow with two agenda listings, its host,
a named moderator, two confirmed attendees and an outsider, and Socket.IO test clients for them."""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from flask.globals import _cv_app

from events.models import (
    AgendaItem,
    Registration,
    RegistrationStatus,
    Roadshow,
    RoadshowModerator,
    RoadshowState,
)
from marketplace.accounts.models import Role, User
from marketplace.db_types import utcnow
from marketplace.extensions import db, socketio
from marketplace.listings.models import Listing
from tests import factories
from tests.conftest import Auth

ORIGIN = "http://127.0.0.1:5000"  # TestConfig's PUBLIC_URL


def new_listing(org, title: str) -> Listing:
    """An agenda listing of the live-room tests (tests/factories.py), committed with its roadshow."""
    return factories.listing(org, title=title, field="materials", contact_name="王老师", modes=(),
                             commit=False)


@dataclass
class Room:
    roadshow: Roadshow
    host: User
    moderator: User
    alice: User
    bob: User
    outsider: User
    listings: list[Listing]


def build_room(make_user, state: RoadshowState = RoadshowState.PUBLISHED) -> Room:
    host = make_user(Role.TTO, name="主持人")
    university = host.organisation
    listings = [new_listing(university, "石墨烯柔性压力传感器"), new_listing(university, "固态锂电池电解质")]
    start = utcnow() + timedelta(minutes=5)
    roadshow = Roadshow(organisation=university, title="2026 新材料专场路演", description="演示",
                        starts_at=start, ends_at=start + timedelta(hours=2), state=state,
                        published_at=utcnow(), created_by=host)
    roadshow.agenda = [AgendaItem(listing=listing, position=n, presenter="李教授",
                                  starts_at=start + timedelta(minutes=30 * (n - 1)),
                                  ends_at=start + timedelta(minutes=30 * n))
                       for n, listing in enumerate(listings, 1)]
    db.session.add(roadshow)
    db.session.commit()
    moderator = make_user(Role.INVESTOR, name="主持助理")
    alice = make_user(Role.INVESTOR, name="投资人甲")
    bob = make_user(Role.COMPANY, name="企业乙")
    outsider = make_user(Role.COMPANY, name="未报名者")
    db.session.add(RoadshowModerator(roadshow=roadshow, user=moderator, added_by_id=host.id))
    for user in (alice, bob):
        db.session.add(Registration(roadshow=roadshow, user=user, status=RegistrationStatus.CONFIRMED))
    db.session.commit()
    return Room(roadshow, host, moderator, alice, bob, outsider, listings)


def isolated(call, *args, **kwargs):
    """Run a Socket.IO test-client call in its own app context, as a server would.

    Without this, the handlers would share the test's app context, so Flask-Login's user in ``g``
    would leak from one client to the next (see ``IsolatedClient`` in tests/conftest.py).
    """
    token = _cv_app.set(None)
    try:
        return call(*args, **kwargs)
    finally:
        _cv_app.reset(token)
        if _cv_app.get(None) is not None:
            db.session.expire_all()


class LiveClient:
    """A Socket.IO test client of the /live namespace whose every call is isolated."""

    def __init__(self, app, http, headers: dict, auth: dict):
        self.raw = isolated(socketio.test_client, app, namespace="/live", flask_test_client=http,
                            headers=headers, auth=auth)

    def is_connected(self, namespace="/live") -> bool:
        return self.raw.is_connected(namespace)

    def emit(self, event, *args, **kwargs):
        return isolated(self.raw.emit, event, *args, **kwargs)

    def get_received(self, namespace="/live"):
        return self.raw.get_received(namespace)

    def disconnect(self, namespace="/live"):
        return isolated(self.raw.disconnect, namespace)


def connect(app, user: User | None, roadshow_id: int, origin: str | None = ORIGIN, **auth_extra):
    """A Socket.IO test client logged in as ``user`` (None: anonymous) on the /live namespace."""
    http = app.test_client()
    if user is not None:
        response = Auth(http).login(user.email)
        assert response.status_code == 302, "login failed"
    headers = {"Origin": origin} if origin else {}
    return LiveClient(app, http, headers, {"roadshow": roadshow_id, **auth_extra})


def ack(client, event: str, data: dict | None = None) -> dict:
    return client.emit(event, data or {}, namespace="/live", callback=True)


def events(client) -> list[dict]:
    """The ``event`` messages this client received since the last call, in order."""
    return [message["args"][0] for message in client.get_received("/live") if message["name"] == "event"]


def latest(client) -> dict:
    """The last event received, as the client applies it: of several with one number, the first."""
    received = events(client)
    assert received, "no event received"
    last = received[-1]["seq"]
    return next(event for event in received if event["seq"] == last)


def new_uuid() -> str:
    return str(uuid.uuid4())


def sync(client, after=None) -> dict:
    return ack(client, "sync", {"after": after})
