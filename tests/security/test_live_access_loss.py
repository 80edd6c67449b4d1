"""Any loss of access closes a user's live-room connections at once (issue 13, item 3).

Cancelling a registration and removing a moderator already did (tests/test_live_access.py). Here:
a deactivated account, a password changed or reset, a changed role, a member removed from their
organisation, and a host university losing its verification, which all left the connections open
and receiving chat, polls and (for host staff and moderators) pending questions with their authors'
names. Then the issue's case across two real server processes sharing Redis: a moderator removed
on one process no longer receives a pending anonymous question asked on the other.
"""

import uuid

import pytest
from flask import current_app

from events.models import Registration, RegistrationStatus
from marketplace.accounts import services as accounts
from marketplace.accounts.models import Role, User
from marketplace.extensions import db
from marketplace.orgs import services as orgs
from marketplace.orgs.models import OrgStatus
from tests.conftest import PASSWORD
from tests.live_server import Attendee, ServerProcess, login_session, post_form
from tests.live_support import ack, build_room, connect, new_uuid
from tests.services import REDIS_URL, require


def _deactivate(room, admin):
    accounts.set_active(admin, room.alice, False)
    return room.alice


def _change_password(room, admin):
    with current_app.test_request_context():
        accounts.change_password(room.alice, PASSWORD, "Another-Sturdy-Pass-2027")
    return room.alice


def _demote_host_staff(room, admin):
    accounts.change_role(admin, room.host, Role.INVENTOR)  # no longer runs the university's rooms
    return room.host


def _remove_from_organisation(room, admin):
    university = room.host.organisation
    colleague = User(email=f"colleague-{uuid.uuid4().hex[:6]}@example.edu.cn", name="同事",
                     role=Role.TTO, organisation=university, is_org_admin=True,
                     password_hash=room.host.password_hash)
    db.session.add(colleague)
    db.session.commit()
    orgs.remove_member(colleague, room.host)  # the host's tto leaves the university
    return room.host


@pytest.mark.parametrize("lose_access", [_deactivate, _change_password, _demote_host_staff,
                                         _remove_from_organisation],
                         ids=["deactivated", "password-changed", "host-staff-demoted",
                              "removed-from-organisation"])
def test_an_account_change_closes_that_users_connections_in_every_room(app, make_user, lose_access):
    room = build_room(make_user)
    admin = make_user(Role.ADMIN)
    bob = connect(app, room.bob, room.roadshow.id)
    tabs = {user.id: [connect(app, user, room.roadshow.id) for _ in range(2)]
            for user in (room.alice, room.host)}
    other_room = build_room(make_user)
    db.session.add(Registration(roadshow=other_room.roadshow, user=room.alice,
                                status=RegistrationStatus.CONFIRMED))
    db.session.commit()
    tabs[room.alice.id].append(connect(app, room.alice, other_room.roadshow.id))
    assert all(tab.is_connected() for user_tabs in tabs.values() for tab in user_tabs)
    loser = lose_access(room, admin)
    for user_id, user_tabs in tabs.items():
        expected = [user_id != loser.id] * len(user_tabs)
        assert [tab.is_connected() for tab in user_tabs] == expected, user_id
    assert bob.is_connected()


def test_a_host_university_losing_its_verification_closes_its_staffs_connections(app, make_user):
    room = build_room(make_user)
    host = connect(app, room.host, room.roadshow.id)
    alice = connect(app, room.alice, room.roadshow.id)
    assert ack(host, "go_live")["ok"]
    university = room.host.organisation
    university.status = OrgStatus.REJECTED  # whichever service does it, the flush is seen
    db.session.commit()
    assert not host.is_connected() and alice.is_connected()
    # Reconnected, the host's former staff is no moderator: nothing pending reaches them.
    assert not connect(app, room.host, room.roadshow.id).is_connected()


def test_an_unrelated_change_closes_nothing(app, make_user):
    room = build_room(make_user)
    alice = connect(app, room.alice, room.roadshow.id)
    room.alice.name = "改了名字"
    db.session.commit()
    assert alice.is_connected()
    assert ack(alice, "chat", {"uuid": new_uuid(), "text": "还在"})["ok"]


# --- two server processes -----------------------------------------------------------------------

@pytest.fixture
def two_servers(app, tmp_path):
    require("Redis", "127.0.0.1", 6379)
    channel = f"bxqx-access-test-{uuid.uuid4().hex[:8]}"
    database = app.config["SQLALCHEMY_DATABASE_URI"]
    servers = []
    try:
        for name in ("live", "pages"):
            servers.append(ServerProcess(database, tmp_path / name, message_queue=REDIS_URL,
                                         channel=channel))
        yield servers
    finally:
        for server in servers:
            server.stop()


@pytest.mark.redis
def test_across_two_processes_a_removed_moderator_gets_no_pending_question(app, make_user, two_servers):
    live, pages = two_servers
    room = build_room(make_user)
    admin = make_user(Role.ADMIN)
    rid = room.roadshow.id
    moderator_row = room.roadshow.moderators[0].id
    clients = {name: Attendee(live.url, getattr(room, name).email, rid, password=PASSWORD)
               for name in ("host", "moderator", "alice", "bob")}
    host_pages = login_session(pages.url, room.host.email, PASSWORD)
    admin_pages = login_session(pages.url, admin.email, PASSWORD)
    try:
        assert clients["host"].call("go_live", {})["ok"]  # moderation is on: questions wait
        first = clients["alice"].call("ask", {"uuid": str(uuid.uuid4()), "text": "第一个问题？",
                                              "anonymous": True})
        seen = clients["moderator"].wait_for(lambda e: e["seq"] == first["seq"])
        assert seen["question"]["author"]["name"] == room.alice.name  # a moderator sees who asked

        # The host removes the moderator on a page served by the other process.
        page = f"/manage/roadshows/{rid}/moderators"
        assert post_form(host_pages, pages.url, page,
                         f"{page}/{moderator_row}/remove").status_code == 302
        assert clients["moderator"].wait_disconnected()

        # The admin deactivates bob, also on the pages process.
        bob_id = room.bob.id
        assert post_form(admin_pages, pages.url, "/admin/users", f"/admin/users/{bob_id}/active",
                         {"value": "0"}).status_code == 302
        assert clients["bob"].wait_disconnected()

        second = clients["alice"].call("ask", {"uuid": str(uuid.uuid4()), "text": "匿名的第二个问题？",
                                               "anonymous": True})
        assert second["ok"], second
        chat = clients["alice"].call("chat", {"uuid": str(uuid.uuid4()), "text": "大家好"})
        assert clients["host"].wait_for(lambda e: e["seq"] == chat["seq"])
        for gone in ("moderator", "bob"):
            assert not [e for e in clients[gone].events if e["seq"] >= second["seq"]], gone
        held = clients["host"].wait_for(lambda e: e["seq"] == second["seq"])
        assert held["question"]["author"]["name"] == room.alice.name
        assert db.session.scalars(db.select(Registration).filter_by(roadshow_id=rid)).all()
    finally:
        for client in clients.values():
            client.close()
