"""What one server process serves: ``SERVER_ROLE`` is ``all`` (the default), ``live`` or ``pages``.

In production the live rooms (Socket.IO under ``/socket.io/``) run in processes of their own,
apart from the processes that serve the pages, behind one nginx and sharing Redis and the
database: a stall or crash on the page side then drops no attendee (README "Running in
production"; ``deploy/`` holds the nginx and systemd set-up).

- ``all``: everything in one process: ``make run``, the tests, one-process deployments.
- ``live``: Socket.IO, ``/healthz``, ``/readyz`` and ``/metrics`` only; any other path gets a
  404 here, before Flask. The process still builds the whole app, because the live room needs
  it: the login session from the page's cookie on connect (so the same ``SECRET_KEY``), the
  database, the translations of its messages, and ``url_for`` for the pages its events link to.
- ``pages``: everything but Socket.IO (``/socket.io/`` gets a 404). Its Socket.IO server only
  publishes to the message queue (a write-only client manager): what a page sends to the live
  rooms (closing the connections of an attendee whose registration was cancelled, see
  ``events/live/access.py``) reaches the live processes through Redis, and a pages process never
  subscribes to the rooms' broadcasts, which it would only decode and drop.

Both split roles need the message queue (``SOCKETIO_MESSAGE_QUEUE`` or ``REDIS_URL``): without
it, what a pages process sends would reach no one, so they refuse to start.
"""

from collections.abc import Callable, Iterable

import socketio

ALL, LIVE, PAGES = "all", "live", "pages"
ROLES = (ALL, LIVE, PAGES)
#: Where Flask-SocketIO serves Socket.IO (its default resource).
SOCKETIO_PATH = "/socket.io"
#: What a live process serves besides Socket.IO: the health checks of load balancers and systemd,
#: and its metrics (the live-room gauges live in its processes).
LIVE_PAGES = frozenset({"/healthz", "/readyz", "/metrics"})


def check(config) -> str:
    """The configured role, validated against the rest of the configuration."""
    role = str(config.get("SERVER_ROLE") or ALL).strip().lower()
    if role not in ROLES:
        raise RuntimeError(f"SERVER_ROLE must be one of {', '.join(ROLES)}, not {role!r}.")
    if role != ALL and not config.get("SOCKETIO_MESSAGE_QUEUE"):
        raise RuntimeError(f"SERVER_ROLE={role} needs SOCKETIO_MESSAGE_QUEUE (or REDIS_URL): the "
                           "live and pages processes reach each other only through it.")
    return role


def serves_socketio(role: str) -> bool:
    return role != PAGES


def client_manager(config, role: str):
    """The Socket.IO client manager for ``role`` (None: the in-process default).

    Built here rather than by Flask-SocketIO from ``message_queue`` so that a pages process gets a
    write-only one, and so that no manager survives from one app to the next in ``socketio``'s
    options (tests build many apps with one ``SocketIO`` object).
    """
    url = config.get("SOCKETIO_MESSAGE_QUEUE")
    if not url:
        return None
    if url.startswith(("redis://", "rediss://")):
        manager_class = socketio.RedisManager
    elif url.startswith("kafka://"):
        manager_class = socketio.KafkaManager
    elif url.startswith("zmq"):
        manager_class = socketio.ZmqManager
    else:
        manager_class = socketio.KombuManager
    return manager_class(url, channel=config.get("SOCKETIO_CHANNEL", "flask-socketio"),
                         write_only=role == PAGES)


def is_socketio(path: str) -> bool:
    return path == SOCKETIO_PATH or path.startswith(SOCKETIO_PATH + "/")


class RoleGate:
    """WSGI middleware, outermost: answers 404 for what this process's role does not serve."""

    def __init__(self, wsgi_app: Callable, role: str):
        self.wsgi_app, self.role = wsgi_app, role

    def serves(self, path: str) -> bool:
        if self.role == LIVE:
            return is_socketio(path) or path in LIVE_PAGES
        if self.role == PAGES:
            return not is_socketio(path)
        return True

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if self.serves(environ.get("PATH_INFO", "")):
            return self.wsgi_app(environ, start_response)
        body = f"Not found: this process serves SERVER_ROLE={self.role}.\n".encode()
        start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8"),
                                         ("Content-Length", str(len(body))),
                                         ("Cache-Control", "no-store")])
        return [body]


def install(app, role: str) -> None:
    """Put the gate in front of everything else (Socket.IO's middleware included)."""
    if role != ALL:
        app.wsgi_app = RoleGate(app.wsgi_app, role)
