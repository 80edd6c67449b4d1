"""SERVER_ROLE: what a live, a pages and an all-in-one process serve, and how gunicorn runs each."""

import runpy

import pytest
import socketio
from geventwebsocket.gunicorn.workers import GeventWebSocketWorker

from marketplace import create_app, roles
from marketplace.config import TestConfig
from marketplace.extensions import db
from tests.live_server import ROOT
from tests.services import REDIS_URL

HANDSHAKE = "/socket.io/?EIO=4&transport=polling"


@pytest.fixture
def role_app(migrated):
    """Build an app of a role on the test database (as the process of that role would)."""
    built = []

    def _build(role: str, **overrides):
        app = create_app({"CONFIG_CLASS": TestConfig, "SQLALCHEMY_DATABASE_URI": migrated,
                          "SERVER_ROLE": role, "SOCKETIO_MESSAGE_QUEUE": REDIS_URL, **overrides})
        built.append(app)
        return app

    yield _build
    for app in built:
        with app.app_context():
            db.engine.dispose()


def test_a_pages_process_refuses_socketio_and_only_publishes(role_app):
    app = role_app("pages")
    client = app.test_client()
    refused = client.get(HANDSHAKE)
    assert refused.status_code == 404 and "SERVER_ROLE=pages" in refused.get_data(as_text=True)
    assert client.get("/socket.io").status_code == 404
    assert client.get("/auth/login").status_code == 200
    assert client.get("/healthz").status_code == 200
    manager = app.extensions["socketio"].server.manager
    assert isinstance(manager, socketio.RedisManager) and manager.write_only
    assert manager.channel == "flask-socketio"


def test_a_live_process_serves_socketio_and_health_only(role_app):
    app = role_app("live", SOCKETIO_CHANNEL="bxqx-test")
    client = app.test_client()
    for path in ("/auth/login", "/", "/roadshows", "/static/js/room.js", "/api/v1/openapi.json"):
        response = client.get(path)
        assert response.status_code == 404 and "SERVER_ROLE=live" in response.get_data(as_text=True), path
    assert client.get("/healthz").status_code == 200
    assert roles.RoleGate(None, roles.LIVE).serves("/socket.io/")
    manager = app.extensions["socketio"].server.manager
    assert isinstance(manager, socketio.RedisManager) and not manager.write_only
    assert manager.channel == "bxqx-test"
    # The live room still builds links to pages (url_for): every blueprint is registered.
    with app.test_request_context():
        assert app.url_for("live.room", roadshow_id=1) == "/roadshows/1/live"


def test_all_serves_everything_and_needs_no_queue(app, client):
    assert app.config["SERVER_ROLE"] == "all"
    assert not isinstance(app.wsgi_app, roles.RoleGate)  # Socket.IO's middleware is outermost
    assert client.get("/auth/login").status_code == 200
    assert type(app.extensions["socketio"].server.manager) is socketio.Manager


@pytest.mark.parametrize("overrides, message", [
    ({"SERVER_ROLE": "web"}, "SERVER_ROLE must be one of"),
    ({"SERVER_ROLE": "live", "SOCKETIO_MESSAGE_QUEUE": None}, "needs SOCKETIO_MESSAGE_QUEUE"),
    ({"SERVER_ROLE": "pages", "SOCKETIO_MESSAGE_QUEUE": ""}, "needs SOCKETIO_MESSAGE_QUEUE"),
])
def test_a_misconfigured_role_refuses_to_start(overrides, message):
    with pytest.raises(RuntimeError, match=message):
        create_app({"CONFIG_CLASS": TestConfig, "SOCKETIO_MESSAGE_QUEUE": REDIS_URL, **overrides})


def gunicorn_settings(monkeypatch, role: str | None, **env) -> dict:
    if role is None:
        monkeypatch.delenv("SERVER_ROLE", raising=False)
    else:
        monkeypatch.setenv("SERVER_ROLE", role)
    for name in ("WEB_CONCURRENCY", "MAX_REQUESTS", "PORT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_gunicorn_runs_the_live_room_in_one_websocket_worker_never_recycled(monkeypatch):
    for role in (None, "all", "live"):
        settings = gunicorn_settings(monkeypatch, role)
        # gevent-websocket's worker (gunicorn.conf.py's subclass only changes how requests are logged)
        assert issubclass(settings["worker_class"], GeventWebSocketWorker)
        assert settings["workers"] == 1 and settings["worker_connections"] == 10000
        assert settings.get("max_requests", 0) == 0
        assert settings["bind"] == "127.0.0.1:8001"


def test_gunicorn_runs_pages_in_several_plain_gevent_workers(monkeypatch):
    settings = gunicorn_settings(monkeypatch, "pages", PORT="8201")
    assert settings["worker_class"] == "gevent" and settings["workers"] >= 2
    assert settings["max_requests"] > 0 and settings["bind"] == "127.0.0.1:8201"
    assert gunicorn_settings(monkeypatch, "pages", WEB_CONCURRENCY="3")["workers"] == 3
    assert gunicorn_settings(monkeypatch, "pages", MAX_REQUESTS="0")["max_requests"] == 0
    with pytest.raises(SystemExit, match="SERVER_ROLE"):
        gunicorn_settings(monkeypatch, "web")
