"""The production server (``gunicorn -c gunicorn.conf.py``, the gevent WebSocket worker) honours
LOG_LEVEL and ACCESS_LOG: no line per request unless the access log is on, then exactly one."""

import re
from urllib.parse import quote

import requests
import socketio

from tests.conftest import PASSWORD
from tests.live_server import ServerProcess, login
from tests.live_support import build_room

SEARCH = "/listings?q=" + quote("电池")
#: What a request line looks like in any format (gevent-websocket's, gevent's, gunicorn's).
REQUEST_LINE = re.compile(r'"(GET|POST) /')
#: Python logging's default format (the app's root logger) and gunicorn's error-log format.
INFO_LINE = re.compile(r"^INFO:|\[INFO\]", re.MULTILINE)


def _socketio_client(server: ServerProcess, cookie: str, roadshow_id: int, transport: str):
    client = socketio.Client(reconnection=False, websocket_extra_options={"suppress_origin": True})
    client.connect(server.url, headers={"Cookie": cookie, "Origin": server.url},
                   auth={"roadshow": roadshow_id}, namespaces=["/live"], transports=[transport],
                   wait_timeout=10)
    return client


def _exercise(server: ServerProcess, room) -> None:
    """Plain pages, a login, and the live room over a WebSocket and over long-polling."""
    assert requests.get(server.url + "/healthz", timeout=10).status_code == 200
    assert requests.get(server.url + SEARCH, timeout=10).status_code == 200
    assert requests.get(server.url + "/no-such-page", timeout=10).status_code == 404
    cookie = login(server.url, room.alice.email, PASSWORD)
    for transport in ("websocket", "polling"):
        client = _socketio_client(server, cookie, room.roadshow.id, transport)
        try:
            reply = client.call("sync", {"after": None}, namespace="/live", timeout=10)
            assert reply["ok"] and reply["mode"] == "snapshot", reply
        finally:
            client.disconnect()


def _server_output(app, tmp_path, make_user, **env) -> str:
    """Everything the server wrote to stdout and stderr while serving ``_exercise``."""
    room = build_room(make_user)
    server = ServerProcess(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "server", extra_env=env)
    try:
        _exercise(server, room)
    finally:
        server.stop()  # a WebSocket's line is written when it closes: read after the stop
    return server.log_path.read_text(errors="replace")


def test_warning_level_writes_no_line_per_request(app, tmp_path, make_user):
    output = _server_output(app, tmp_path, make_user, LOG_LEVEL="warning")
    assert not REQUEST_LINE.search(output), output
    assert not INFO_LINE.search(output), output


def test_info_level_writes_the_servers_messages_but_no_line_per_request(app, tmp_path, make_user):
    output = _server_output(app, tmp_path, make_user, LOG_LEVEL="info")
    assert "[INFO] Booting worker with pid" in output, output  # the output is the one we read
    assert not REQUEST_LINE.search(output), output
    assert "geventwebsocket" not in output, output


def test_access_log_writes_one_line_per_request(app, tmp_path, make_user):
    output = _server_output(app, tmp_path, make_user, LOG_LEVEL="warning", ACCESS_LOG="1")
    lines = output.splitlines()

    def count(pattern: str) -> int:
        return sum(1 for line in lines if re.search(pattern, line))

    assert count(r'"GET /healthz HTTP/1\.1" 200 ') == 1, output
    assert count(rf'"GET {re.escape(SEARCH)} HTTP/1\.1" 200 ') == 1, output
    assert count(r'"GET /no-such-page HTTP/1\.1" 404 ') == 1, output
    assert count(r'"POST /auth/login HTTP/1\.1" 302 ') == 1, output
    # The WebSocket: its upgrade, logged when it closes; long-polling: plain GETs and POSTs.
    assert count(r'"GET /socket\.io/\?[^"]*transport=websocket[^"]* HTTP/1\.1" 101 ') == 1, output
    assert count(r'"GET /socket\.io/\?[^"]*transport=polling[^"]* HTTP/1\.1" 200 ') >= 2, output
    assert count(r'"POST /socket\.io/\?[^"]*transport=polling[^"]* HTTP/1\.1" 200 ') >= 1, output
    assert "geventwebsocket" not in output, output  # not a second line from gevent-websocket
    assert not INFO_LINE.search(output), output

