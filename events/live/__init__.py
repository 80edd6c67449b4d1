"""The live room of a roadshow (Socket.IO namespace ``/live``); see docs/realtime.md."""

import os

from flask import Flask

from events.live import encoded, fanout
from events.live import models as _models  # noqa: F401  (tables for the metadata and Alembic)
from events.live.namespace import LiveNamespace
from events.live.routes import bp
from marketplace.extensions import socketio
from marketplace.roles import serves_socketio

#: Settings of the live room, with their defaults (each can be set in the environment).
DEFAULTS = {
    #: Chat messages and questions a user may send (``limits`` notation), per roadshow.
    "LIVE_CHAT_RATE": "5/10seconds",
    "LIVE_QUESTION_RATE": "5/minute",
    #: Origins besides PUBLIC_URL's from which a browser may connect (comma-separated).
    "LIVE_ALLOWED_ORIGINS": "",
    #: Seconds between two broadcasts of poll and interest counts, and of the attendee count.
    "LIVE_COUNTS_INTERVAL": 1.0,
    "LIVE_PRESENCE_INTERVAL": 2.0,
    #: Seconds between presence refreshes of a process, and after which a silent row expires.
    "LIVE_PRESENCE_HEARTBEAT": 20.0,
    "LIVE_PRESENCE_TTL": 60.0,
    #: Seconds a snapshot's shared part may be reused by newcomers at the same room number
    #: (events/live/snapshot.py); 0 builds every snapshot afresh.
    "LIVE_SNAPSHOT_REUSE": 1.0,
    #: Connects, and syncs, that may use the database at once (namespace.joining); 0: no limit.
    "LIVE_JOIN_CONCURRENCY": 4,
    #: Write packets straight to idle WebSockets (gevent-websocket only; see events/live/fanout.py).
    "LIVE_DIRECT_WRITES": True,
}
#: Tests see every broadcast at once and start no background threads.
TEST_DEFAULTS = {"LIVE_COUNTS_INTERVAL": 0.0, "LIVE_PRESENCE_INTERVAL": 0.0, "LIVE_PRESENCE_HEARTBEAT": 0.0}


def _configure(app: Flask) -> None:
    for key, default in DEFAULTS.items():
        if key in app.config:
            continue
        value = os.environ.get(key)
        if value is None:
            value = TEST_DEFAULTS.get(key, default) if app.testing else default
        app.config[key] = _parse(value, default)
    origins = app.config["LIVE_ALLOWED_ORIGINS"]
    if isinstance(origins, str):
        app.config["LIVE_ALLOWED_ORIGINS"] = [item.strip() for item in origins.split(",") if item.strip()]


def _parse(value, default):
    if isinstance(default, bool) and isinstance(value, str):
        return value.strip().lower() not in {"0", "false", "no", "off", ""}
    return type(default)(value)


def init_app(app: Flask) -> None:
    """Register the live room's page and Socket.IO namespace with ``app``."""
    _configure(app)
    app.register_blueprint(bp)
    socketio.on_namespace(LiveNamespace("/live"))
    if socketio.server is not None:
        encoded.install(socketio.server)
    if socketio.server is not None and serves_socketio(app.config["SERVER_ROLE"]):
        fanout.time_broadcasts(socketio.server)
    if app.config["LIVE_DIRECT_WRITES"] and socketio.server is not None \
            and serves_socketio(app.config["SERVER_ROLE"]):
        fanout.install(socketio.server)
