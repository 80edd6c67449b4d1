"""A page that changes who may be in a live room closes the affected users' connections to it."""

from events.live import access
from events.live.bus import NAMESPACE, room_all
from events.live.models import LivePresence
from events.models import Registration
from marketplace.extensions import db, socketio
from tests.conftest import Auth, post
from tests.live_support import ack, build_room, connect, sync


def signed_in(app, user):
    http = app.test_client()
    assert Auth(http).login(user.email).status_code == 302
    return http


def registration(room, user) -> Registration:
    return db.session.scalars(db.select(Registration).filter_by(roadshow_id=room.roadshow.id,
                                                                user_id=user.id)).one()


def test_the_host_cancelling_a_registration_closes_that_attendees_connections(app, make_user):
    room = build_room(make_user)
    host = connect(app, room.host, room.roadshow.id)
    alice = connect(app, room.alice, room.roadshow.id)
    bob_tabs = [connect(app, room.bob, room.roadshow.id) for _ in range(2)]
    assert ack(host, "go_live")["ok"] and ack(host, "moderation", {"on": False})["ok"]

    page = signed_in(app, room.host)
    rid = room.roadshow.id
    response = post(page, f"/manage/roadshows/{rid}/registrations/{registration(room, room.bob).id}/cancel")
    assert response.status_code == 302

    assert [tab.is_connected() for tab in bob_tabs] == [False, False]
    assert host.is_connected() and alice.is_connected()
    # The room's broadcasts now go to the others only, and bob cannot come back.
    participants = socketio.server.manager.get_participants(NAMESPACE, room_all(rid))
    in_room = {eio_sid for _sid, eio_sid in participants}
    assert in_room == {host.raw.eio_sid, alice.raw.eio_sid}
    assert LivePresence.query.filter_by(user_id=room.bob.id).count() == 0
    assert not connect(app, room.bob, room.roadshow.id).is_connected()


def test_cancelling_your_own_registration_closes_your_connection(app, make_user):
    room = build_room(make_user)
    bob = connect(app, room.bob, room.roadshow.id)
    alice = connect(app, room.alice, room.roadshow.id)
    page = signed_in(app, room.bob)
    assert post(page, f"/roadshows/{room.roadshow.id}/register/cancel").status_code == 302
    assert not bob.is_connected() and alice.is_connected()


def test_a_moderator_removed_or_added_reconnects_with_the_view_they_now_have(app, make_user):
    room = build_room(make_user)
    moderator = connect(app, room.moderator, room.roadshow.id)
    alice = connect(app, room.alice, room.roadshow.id)
    assert sync(alice)["snapshot"]["me"]["moderator"] is False
    page = signed_in(app, room.host)
    rid = room.roadshow.id

    removed = room.roadshow.moderators[0]
    assert post(page, f"/manage/roadshows/{rid}/moderators/{removed.id}/remove").status_code == 302
    assert not moderator.is_connected() and alice.is_connected()
    assert not connect(app, room.moderator, rid).is_connected()  # not registered either

    assert post(page, f"/manage/roadshows/{rid}/moderators", {"email": room.alice.email}).status_code == 302
    assert not alice.is_connected()
    again = connect(app, room.alice, rid)
    assert sync(again)["snapshot"]["me"]["moderator"] is True


def test_cancelling_the_roadshow_closes_the_registrants_but_not_the_moderators(app, make_user):
    room = build_room(make_user)
    alice = connect(app, room.alice, room.roadshow.id)
    moderator = connect(app, room.moderator, room.roadshow.id)
    page = signed_in(app, room.host)
    response = post(page, f"/manage/roadshows/{room.roadshow.id}/cancel", {"reason": "主讲专家临时出差。"})
    assert response.status_code == 302
    assert not alice.is_connected() and moderator.is_connected()


def test_nothing_is_closed_when_the_change_is_rolled_back(app, make_user):
    room = build_room(make_user)
    alice = connect(app, room.alice, room.roadshow.id)
    access.changed(room.roadshow.id, [room.alice.id])
    db.session.rollback()
    db.session.commit()
    assert alice.is_connected()
    access.changed(room.roadshow.id, [room.alice.id])
    db.session.commit()
    assert not alice.is_connected()
