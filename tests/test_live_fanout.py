"""Direct WebSocket writes (events/live/fanout.py) and the full-collection scheduler
(events/live/collector.py): frames as gevent-websocket writes them, order kept when a client reads
slowly, and full collections deferred to quiet moments."""

import json
import logging
import socket
import subprocess
import sys
import textwrap

import gevent
import gevent.queue
import gevent.socket
import pytest
from geventwebsocket.websocket import Header, Stream, WebSocket

from events.live.collector import FORCE_AFTER, FULL_AFTER, QUIET, Collector
from events.live.fanout import Connection, install, websocket_frame
from tests.live_server import ROOT


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65535, 65536, 70000])
def test_a_frame_is_the_one_gevent_websocket_would_write(size):
    payload = "题".encode() * (size // 3) + b"x" * (size % 3)
    text_header = Header.encode_header(True, WebSocket.OPCODE_TEXT, b"", size, 0)
    assert websocket_frame(payload) == text_header + payload
    assert websocket_frame(payload, 0x2) == (
        Header.encode_header(True, WebSocket.OPCODE_BINARY, b"", size, 0) + payload)


# --- one connection over a socket pair ------------------------------------------------------------

class _Handler:
    """What gevent-websocket's WebSocket uses of its WSGI handler."""

    def __init__(self, sock):
        self.socket = sock
        self.rfile = sock.makefile("rb")
        self.logger = logging.getLogger("tests.fanout")


class _Server:
    def start_background_task(self, target, *args):
        return gevent.spawn(target, *args)


class _Session:
    """The fields of an engineio session that decide whether a packet may go straight out."""

    def __init__(self, scenario):
        self.sid = "session-1"
        self.upgraded, self.upgrading, self.closing, self.closed = True, False, False, False
        self.queue = gevent.queue.JoinableQueue()
        self.scenario = scenario

    def handle(self, connection):  # engineio's _websocket_handler: the connection's app
        return self.scenario(self, connection)


def _serve(scenario, *, sndbuf=None):
    """Run ``scenario(session, connection)`` as engineio would; return the text frames the peer read."""
    server_end, client_end = gevent.socket.socketpair()
    if sndbuf:
        server_end.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
        client_end.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, sndbuf)
    handler = _Handler(server_end)
    environ = {"PATH_INFO": "/socket.io/", "HTTP_ORIGIN": "http://127.0.0.1"}
    environ["wsgi.websocket"] = WebSocket(environ, Stream(handler), handler)
    session = _Session(scenario)
    registry = {}
    connection = Connection(session.handle, _Server(), registry=registry)
    result = {}

    def run():
        result["value"] = connection(environ, None)

    def scenario_probe(sess, conn):
        result["registered_during_run"] = registry.get(sess.sid) is conn
        return scenario(sess, conn)

    session.scenario = scenario_probe
    server = gevent.spawn(run)
    server.join(timeout=20)
    assert server.successful(), server.exception
    reader = gevent.spawn(_read_frames, client_end)  # the peer starts reading only now
    with gevent.Timeout(20):
        while connection.writing:  # the rest of a partly written frame, sent in the background
            gevent.sleep(0.01)
    server_end.shutdown(socket.SHUT_WR)
    received = reader.get(timeout=20)
    client_end.close()
    handler.rfile.close()
    server_end.close()
    assert result["registered_during_run"] and not registry  # registered while it served, then gone
    return received, connection


def _read_frames(sock) -> list[str]:
    data = b""
    while chunk := sock.recv(1 << 16):
        data += chunk
    frames, at = [], 0
    while at < len(data):
        size, at = data[at + 1] & 0x7F, at + 2
        if size == 126:
            size, at = int.from_bytes(data[at:at + 2], "big"), at + 2
        elif size == 127:
            size, at = int.from_bytes(data[at:at + 8], "big"), at + 8
        frames.append(data[at:at + size].decode())
        at += size
    return frames


def _text(number: int) -> str:
    return f"{number:05d}" + "路演问答" * 2000  # about 24 KB: a few fill the small socket buffer


def test_a_slow_reader_gets_every_packet_in_order_whichever_path_it_took():
    paths = []

    def scenario(session, connection):
        number = 0
        # Write straight out until the kernel takes only part of a frame (the peer is not reading).
        while not connection.outbox:
            assert connection.write_now(websocket_frame(_text(number).encode()))
            paths.append("direct")
            number += 1
        # While the rest is pending the connection is busy: a packet now must take engineio's
        # queue, whose writer sends through the same outbox, after what is pending.
        assert connection.write_now(websocket_frame(_text(number).encode())) is False
        for _ in range(3):
            connection.send(_text(number))
            paths.append("queued")
            number += 1
        return []

    received, connection = _serve(scenario, sndbuf=4096)
    assert "direct" in paths and "queued" in paths
    assert [int(text[:5]) for text in received] == list(range(len(paths)))
    assert all(text[5:] == "路演问答" * 2000 for text in received)
    assert not connection.outbox and not connection.writing


@pytest.mark.parametrize("state", ["not upgraded", "upgrading", "closing", "closed", "queue not empty"])
def test_a_packet_waits_its_turn_when_the_session_is_not_idle(state):
    def scenario(session, connection):
        if state == "not upgraded":
            session.upgraded = False
        elif state == "upgrading":
            session.upgrading = True
        elif state == "closing":
            session.closing = True
        elif state == "closed":
            session.closed = True
        else:
            session.queue.put("an earlier packet")
        assert connection.write_now(websocket_frame(b"4late")) is False
        return []

    received, _ = _serve(scenario)
    assert received == []


def test_gevent_websockets_own_frames_go_through_the_outbox_too():
    def scenario(session, connection):
        assert connection.write_now(websocket_frame(b"4first"))
        connection.send("4second")
        connection.close()  # gevent-websocket writes its close frame through the same path
        return []

    received, _ = _serve(scenario)
    assert received[:2] == ["4first", "4second"]
    assert len(received) == 3  # and the close frame (opcode 8) last


def test_threading_servers_keep_engineios_writes(app):
    from marketplace.extensions import socketio

    assert socketio.server.eio.async_mode == "threading"
    assert install(socketio.server) is False
    assert "send_packet" not in vars(socketio.server.eio)  # engineio's own method, untouched
    assert socketio.server.eio._async["websocket"] is not None


# --- the real server: a slow attendee neither stalls the room nor loses anything -------------------

def test_in_the_real_server_a_slow_attendee_neither_stalls_the_room_nor_misses_a_message(
        app, make_user, tmp_path):
    import socketio as socketio_client
    import websocket  # websocket-client, python-socketio's client transport

    from tests.conftest import PASSWORD
    from tests.live_server import Attendee, ServerProcess, login
    from tests.live_support import build_room

    room = build_room(make_user)
    server = ServerProcess(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "server",
                           extra_env={"LIVE_CHAT_RATE": "1000/second"})
    host = alice = upgrading = None
    slow = None
    try:
        host = Attendee(server.url, room.host.email, room.roadshow.id, password=PASSWORD)
        alice = Attendee(server.url, room.alice.email, room.roadshow.id, password=PASSWORD)
        # The moderator's client starts on long-polling and upgrades, as a browser behind some
        # proxies does: it is written to through engineio's queue until the upgrade is complete.
        upgrading = socketio_client.Client(reconnection=False,
                                           websocket_extra_options={"suppress_origin": True})
        upgraded_events = []
        upgrading.on("event", upgraded_events.append, namespace="/live")
        upgrading.connect(server.url, headers={"Cookie": login(server.url, room.moderator.email, PASSWORD),
                                               "Origin": server.url},
                          auth={"roadshow": room.roadshow.id}, namespaces=["/live"],
                          transports=["polling", "websocket"], wait_timeout=10)
        assert host.call("go_live", {})["ok"]
        cookie = login(server.url, room.bob.email, PASSWORD)
        slow = websocket.create_connection(
            f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket",
            header=[f"Cookie: {cookie}", f"Origin: {server.url}"], suppress_origin=True,
            sockopt=[(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)], timeout=20)
        assert slow.recv().startswith("0")  # Engine.IO open
        slow.send("40/live," + json.dumps({"roadshow": room.roadshow.id}))
        assert slow.recv().startswith("40/live,")
        # bob now reads nothing while 120 messages of ~1.5 KB each go out to the room.
        text = "慢速网络的参会者" * 60
        acks = [host.call("chat", {"uuid": f"00000000-0000-4000-8000-{n:012d}", "text": text})
                for n in range(120)]
        assert all(ack["ok"] for ack in acks), acks[-1]
        last = acks[-1]["seq"]
        assert alice.wait_for(lambda e: e["seq"] == last, timeout=10) is not None, "the room stalled"
        # bob reads at last: every message, once, in order.
        seqs = []
        while not seqs or seqs[-1] < last:
            message = slow.recv()
            if message == "2":
                slow.send("3")
                continue
            if message.startswith('42/live,["event"'):
                event = json.loads(message[len("42/live,"):])[1]
                if event["type"] == "chat.message":
                    assert event["message"]["text"] == text
                    seqs.append(event["seq"])
        assert seqs == [ack["seq"] for ack in acks]
        assert upgrading.transport() == "websocket"
        chats = [e["seq"] for e in upgraded_events if e["type"] == "chat.message"]
        assert chats == seqs
    finally:
        if upgrading is not None:
            upgrading.disconnect()
        for client in (host, alice):
            if client is not None:
                client.close()
        if slow is not None:
            slow.close()
        server.stop()


# --- full collections ----------------------------------------------------------------------------

class _Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


class _GC:
    def __init__(self):
        self.middle_collections = 0
        self.collected = 0

    def get_count(self):
        return (0, 0, self.middle_collections)

    def collect(self, generation=2):
        assert generation == 2
        self.collected += 1
        self.middle_collections = 0
        return 0


def test_a_full_collection_waits_for_a_quiet_moment():
    clock, fake = _Clock(), _GC()
    collector = Collector(clock, fake)
    fake.middle_collections = FULL_AFTER - 1
    clock.now += 10 * QUIET
    assert collector.step() is False  # not enough garbage yet
    fake.middle_collections = FULL_AFTER
    collector.touch()  # a question just went out
    clock.now += QUIET / 2
    assert collector.step() is False and fake.collected == 0
    clock.now += QUIET
    assert collector.step() is True and fake.collected == 1
    assert collector.step() is False  # and not again until garbage builds up


def test_a_room_that_is_never_quiet_still_gets_its_garbage_collected():
    clock, fake = _Clock(), _GC()
    collector = Collector(clock, fake)
    fake.middle_collections = FORCE_AFTER - 1
    collector.touch()
    assert collector.step() is False
    fake.middle_collections = FORCE_AFTER
    collector.touch()
    assert collector.step() is True and fake.collected == 1


def test_starting_the_collector_freezes_the_loaded_app_and_takes_over_full_collections():
    script = textwrap.dedent("""
        import gc, json
        from events.live import collector
        spawned = []
        before = gc.get_threshold()
        collector.start(lambda seconds: None, spawned.append)
        print(json.dumps({"before": before, "after": gc.get_threshold(), "frozen": gc.get_freeze_count(),
                          "spawned": len(spawned)}))
    """)
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT,  # noqa: S603  (our interpreter)
                         capture_output=True, text=True, check=True, timeout=60).stdout
    result = json.loads(out)
    assert result["frozen"] > 1000
    assert result["after"][:2] == result["before"][:2]  # young generations as CPython runs them
    assert result["after"][2] > 10 ** 6  # no automatic full collection
    assert result["spawned"] == 1
