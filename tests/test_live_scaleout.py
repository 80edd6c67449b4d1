"""Two real server processes (gunicorn + gevent WebSocket worker) sharing Redis as the Socket.IO
message queue: what is asked through one process reaches the clients of the other."""

import uuid

import pytest

from tests.conftest import PASSWORD
from tests.live_server import Attendee, ServerProcess
from tests.live_support import build_room
from tests.services import REDIS_URL, require

pytestmark = pytest.mark.redis


@pytest.fixture
def two_servers(app, tmp_path):
    require("Redis", "127.0.0.1", 6379)
    channel = f"bxqx-live-test-{uuid.uuid4().hex[:8]}"  # no cross-talk with other runs on this Redis
    database = app.config["SQLALCHEMY_DATABASE_URI"]
    servers = []
    try:
        for name in ("a", "b"):
            servers.append(ServerProcess(database, tmp_path / name, message_queue=REDIS_URL, channel=channel))
        yield servers
    finally:
        for server in servers:
            server.stop()


def test_a_question_asked_through_one_process_reaches_clients_of_the_other(app, make_user, two_servers):
    first, second = two_servers
    room = build_room(make_user)
    host = Attendee(second.url, room.host.email, room.roadshow.id, password=PASSWORD)
    alice = Attendee(first.url, room.alice.email, room.roadshow.id, password=PASSWORD)
    bob = Attendee(second.url, room.bob.email, room.roadshow.id, password=PASSWORD)
    try:
        assert host.call("go_live", {})["ok"]
        assert host.call("moderation", {"on": False})["ok"]
        # The room's state change made on the second process reaches alice on the first.
        assert alice.wait_for(lambda e: e["type"] == "room.state" and e["moderated"] is False)

        reply = alice.call("ask", {"uuid": str(uuid.uuid4()), "text": "跨进程的问题能收到吗？"})
        assert reply["ok"], reply
        seen_by_bob = bob.wait_for(lambda e: e["seq"] == reply["seq"])
        assert seen_by_bob is not None, "the question did not cross processes"
        assert seen_by_bob["type"] == "question.created"
        assert seen_by_bob["question"]["text"] == "跨进程的问题能收到吗？"
        assert host.wait_for(lambda e: e["seq"] == reply["seq"])["question"]["author"]["name"] == "投资人甲"

        # And back: the answer given through the second process reaches alice on the first.
        assert host.call("answer", {"question_id": reply["id"], "text": "可以。"})["ok"]
        answered = alice.wait_for(lambda e: e.get("question", {}).get("answer") == "可以。")
        assert answered is not None and answered["seq"] == reply["seq"] + 1
    finally:
        for client in (host, alice, bob):
            client.close()
