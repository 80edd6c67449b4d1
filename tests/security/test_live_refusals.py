"""A refused live-room connection says why and what to do next (issue 13, item 11).

Against the production server (gunicorn, gevent WebSocket worker) with a real Socket.IO client:
the refusal must be Socket.IO's CONNECT_ERROR with a machine-readable code, the reason in the
user's language and the next step (log in, register, wait for approval) as a link. Python's
built-in ConnectionRefusedError reached the client as "Connection refused by server" with no
code, and room.js showed "reconnecting…" for ever.
"""


import pytest
import socketio

from events.models import Registration, RegistrationStatus, RoadshowState
from marketplace.extensions import db
from tests.conftest import PASSWORD, zh
from tests.live_server import ServerProcess, login
from tests.live_support import build_room


@pytest.fixture(scope="module")
def server(migrated, tmp_path_factory):
    process = ServerProcess(migrated, tmp_path_factory.mktemp("refusals"))
    try:
        yield process
    finally:
        process.stop()


def refusal(server, roadshow_id: int, email: str | None = None) -> dict:
    """Connect as ``email`` (None: anonymous); return the refusal the client's connect_error got."""
    client = socketio.Client(reconnection=False, websocket_extra_options={"suppress_origin": True})
    received = []
    client.on("connect_error", lambda data=None: received.append(data), namespace="/live")
    headers = {"Origin": server.url}
    if email:
        headers["Cookie"] = login(server.url, email, PASSWORD)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(server.url, headers=headers, auth={"roadshow": roadshow_id},
                       namespaces=["/live"], transports=["websocket"], wait_timeout=10)
    client.disconnect()
    assert received, "no connect_error"
    return received[0]


def check(error: dict, code: str, message: str, next_path: str | None, next_label: str | None) -> None:
    assert error["message"] == message, error
    data = error.get("data") or {}
    assert data.get("code") == code, error
    assert data.get("next_url") == next_path and data.get("next_label") == next_label, error


def test_each_refusal_has_a_code_a_reason_and_the_next_step(app, make_user, server):
    room = build_room(make_user)
    rid = room.roadshow.id
    detail, live = f"/roadshows/{rid}", f"/roadshows/{rid}/live"
    emails = {"outsider": room.outsider.email, "alice": room.alice.email, "bob": room.bob.email}

    check(refusal(server, rid), "unauthorized", zh("Please log in to enter the live room."),
          f"/auth/login?next={live}", zh("Log in"))
    check(refusal(server, rid, emails["outsider"]), "not_registered",
          zh("Register for this roadshow to enter its live room."), detail, zh("Go to registration"))

    registration = db.session.scalars(db.select(Registration).filter_by(
        roadshow_id=rid, user_id=room.alice.id)).one()
    registration.status = RegistrationStatus.PENDING
    db.session.commit()
    check(refusal(server, rid, emails["alice"]), "awaiting_approval",
          zh("Your registration is waiting for the host's approval. You can enter the room once "
             "it is confirmed."), detail, zh("My registration"))
    registration.status = RegistrationStatus.REJECTED
    db.session.commit()
    check(refusal(server, rid, emails["alice"]), "registration_rejected",
          zh("The host did not accept your registration for this roadshow."), detail,
          zh("Back to the roadshow"))

    room.roadshow.state = RoadshowState.CANCELLED
    db.session.commit()
    check(refusal(server, rid, emails["bob"]), "room_closed",
          zh("This roadshow was cancelled; its live room is closed."), detail,
          zh("Back to the roadshow"))

    check(refusal(server, 999_999, emails["bob"]), "not_found", zh("This roadshow does not exist."),
          "/roadshows", zh("All roadshows"))
