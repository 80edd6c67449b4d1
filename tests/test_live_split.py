"""Production's split, for real: a live process and a pages process (gunicorn.conf.py with
SERVER_ROLE), nginx in front with the routing of deploy/nginx, Redis and the database between them
(deploy/run_local.py starts them). The page process is killed while the room is live: no attendee
is dropped, nothing is lost, and the pages come back when it restarts."""

import uuid

import pytest
import requests
import socketio

from events.live import log
from events.live.log import Viewer
from events.models import Registration
from marketplace.extensions import db
from tests.conftest import PASSWORD
from tests.live_server import SECRET, Attendee, login_session, post_form
from tests.live_support import build_room
from tests.services import REDIS_URL, require, require_nginx

pytestmark = pytest.mark.redis


@pytest.fixture(scope="module")
def deployment(migrated, tmp_path_factory):
    """One live process, one pages process and nginx on the test database, for this module."""
    from deploy.run_local import LocalDeployment, free_port

    require("Redis", "127.0.0.1", 6379)
    nginx = require_nginx()
    tmp_path = tmp_path_factory.mktemp("split")
    run = uuid.uuid4().hex[:8]  # no cross-talk with other runs on this Redis
    port = free_port()
    env = {"APP_ENV": "development", "SECRET_KEY": SECRET, "DATABASE_URL": migrated,
           "PUBLIC_URL": f"http://127.0.0.1:{port}", "INSTANCE_PATH": str(tmp_path / "instance"),
           "MAIL_SERVER": "", "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"), "LOG_LEVEL": "warning",
           "REDIS_URL": REDIS_URL, "SOCKETIO_MESSAGE_QUEUE": REDIS_URL, "RATELIMIT_STORAGE_URI": "",
           "SOCKETIO_CHANNEL": f"bxqx-split-test-{run}", "RATELIMIT_KEY_PREFIX": f"bxqx-split-{run}",
           "LIVE_ALLOWED_ORIGINS": "",
           # One worker per pages process keeps the start-ups cheap on a 2-core machine; the
           # number of workers does not change what is tested here.
           "WEB_CONCURRENCY": "1"}
    deployment = LocalDeployment(tmp_path / "run", env, port=port, nginx=nginx)
    try:
        deployment.start()
        yield deployment
    finally:
        deployment.stop()


def status(url: str) -> int:
    return requests.get(url, timeout=10, allow_redirects=False).status_code


def question(client: Attendee, text: str) -> dict:
    reply = client.call("ask", {"uuid": str(uuid.uuid4()), "text": text})
    assert reply["ok"], reply
    return reply


def test_each_role_serves_only_its_part(app, deployment):
    live, pages = deployment.live[0], deployment.pages[0]
    handshake = "/socket.io/?EIO=4&transport=polling"
    refused = requests.get(pages.url + handshake, timeout=10)
    assert refused.status_code == 404 and "SERVER_ROLE=pages" in refused.text
    assert status(live.url + handshake) == 200
    assert status(live.url + "/auth/login") == 404 and status(live.url + "/static/js/room.js") == 404
    assert status(pages.url + "/auth/login") == 200 and status(pages.url + "/static/js/room.js") == 200
    assert status(live.url + "/healthz") == status(pages.url + "/healthz") == 200
    # Through nginx: Socket.IO to the live process, the rest to the pages.
    assert status(deployment.url + handshake) == 200 and status(deployment.url + "/auth/login") == 200
    # A Socket.IO client pointed at the pages process directly gets nowhere.
    client = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(pages.url, transports=["polling"], namespaces=["/live"], wait_timeout=5)


def test_killing_the_page_process_drops_no_attendee_and_loses_nothing(app, make_user, deployment):
    room = build_room(make_user)
    rid, url = room.roadshow.id, deployment.url
    host_pages = login_session(url, room.host.email, PASSWORD)  # the host's browser, for pages
    host = Attendee(url, room.host.email, rid, password=PASSWORD)
    alice = Attendee(url, room.alice.email, rid, password=PASSWORD)
    bob = Attendee(url, room.bob.email, rid, password=PASSWORD, transport="polling")
    clients = (host, alice, bob)
    try:
        assert host.call("go_live", {})["ok"] and host.call("moderation", {"on": False})["ok"]
        before = question(alice, "断电后数据会丢失吗？")
        assert bob.wait_for(lambda e: e["seq"] == before["seq"])

        # The page side crashes: the pages process, arbiter and workers, is killed outright.
        deployment.pages[0].kill()
        assert status(url + f"/roadshows/{rid}") == 502

        # The room goes on through the live process: questions, answers, chat and a poll.
        asked = [question(alice, "页面挂了，直播还在吗？"), question(bob, "轮询连接也不受影响吗？")]
        assert host.call("answer", {"question_id": asked[0]["id"], "text": "直播不受影响。"})["ok"]
        assert host.call("answer", {"question_id": asked[1]["id"], "text": "同样不受影响。"})["ok"]
        assert alice.call("chat", {"uuid": str(uuid.uuid4()), "text": "收到"})["ok"]
        poll = host.call("poll_open", {"question": "是否继续？", "options": ["继续", "暂停"]})
        assert poll["ok"], poll
        closed = host.call("poll_close", {"poll_id": poll["poll_id"]})
        assert closed["ok"], closed
        for client in clients:
            assert client.wait_for(lambda e: e["seq"] == closed["seq"]), "a broadcast did not arrive"
        assert [client.disconnects for client in clients] == [[], [], []]
        assert status(url + f"/roadshows/{rid}") == 502  # still no pages: nothing above used them

        # The pages come back when the process restarts (systemd's Restart=always does it).
        deployment.pages[0].start()
        assert status(url + f"/roadshows/{rid}") == 200

        # A page-side action reaches an attendee on the live process through Redis: the host
        # cancels bob's registration on a page, and the server closes bob's connection.
        registration = db.session.scalars(db.select(Registration).filter_by(
            roadshow_id=rid, user_id=room.bob.id)).one()
        page = f"/manage/roadshows/{rid}/registrations"
        assert post_form(host_pages, url, page, f"{page}/{registration.id}/cancel").status_code == 302
        assert bob.wait_disconnected() == [socketio.Client.reason.SERVER_DISCONNECT]
        seen_by_bob = bob.applied()[-1]["seq"]
        after = question(alice, "取消报名的人还能看到吗？")
        assert host.wait_for(lambda e: e["seq"] == after["seq"])
        assert alice.wait_for(lambda e: e["seq"] == after["seq"])
        assert host.disconnects == [] and alice.disconnects == []

        # Nothing lost: what each client applied is the room's numbered log, as it may see it.
        db.session.rollback()  # read what the servers committed
        assert log.current_seq(rid) == after["seq"]
        assert host.applied() == log.replay(rid, 0, Viewer(room.host.id, moderator=True))
        assert alice.applied() == log.replay(rid, 0, Viewer(room.alice.id, moderator=False))
        for_bob = log.replay(rid, 0, Viewer(room.bob.id, moderator=False))
        assert seen_by_bob >= closed["seq"] and bob.applied() == for_bob[:seen_by_bob]
        assert [event["seq"] for event in host.applied()] == list(range(1, after["seq"] + 1))
    finally:
        for client in clients:
            if client.client.connected:
                client.close()
