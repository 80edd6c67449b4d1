"""gunicorn settings for production: ``gunicorn -c gunicorn.conf.py wsgi:app``.

``SERVER_ROLE`` says what the process serves (marketplace/roles.py); production runs the live
rooms and the pages in processes of their own, behind one nginx (deploy/, README "Running in
production"), so that a stall or crash on the page side never drops an attendee:

- ``all`` (default): everything, in one gevent WebSocket worker, as before the split.
- ``live``: only ``/socket.io/`` and ``/healthz``, in one gevent WebSocket worker. Socket.IO keeps
  its sessions in the worker's memory, so one worker per process; to use more cores, run more
  live processes behind nginx's ``ip_hash``, all with the same SOCKETIO_MESSAGE_QUEUE (Redis).
  Workers are never recycled (``max_requests``): a recycled live worker drops every attendee.
- ``pages``: everything else, with no WebSocket: plain gevent workers, ``WEB_CONCURRENCY`` of
  them (default: the number of cores, at least 2). They hold no Socket.IO session, so any worker
  may serve any request; several use more than one core for the CPU-bound page work (templates,
  search), and while one stalls or is being restarted after a crash the others keep serving.
  Workers are recycled after ``MAX_REQUESTS`` requests (default 5,000, with jitter; 0: never)
  so a slow leak in page code cannot grow for weeks.

Every role reads PORT (default 8001) and HOST (default 127.0.0.1).

Logging: LOG_LEVEL (default info) sets the level of gunicorn's messages and of the app's log
records; one line per request is written only with ACCESS_LOG=1 (gunicorn's access log).
"""

import importlib.util
import os
from pathlib import Path

from geventwebsocket.gunicorn.workers import GeventWebSocketWorker
from geventwebsocket.handler import WebSocketHandler
from gunicorn.workers.ggevent import PyWSGIHandler


def _check_python() -> None:
    """marketplace/runtime.py's check, loaded alone: importing the package here, in the arbiter,
    would import psycopg and the app before the worker's gevent patching."""
    spec = importlib.util.spec_from_file_location(
        "_bxqx_runtime", Path(__file__).resolve().parent / "marketplace" / "runtime.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.check_python()


_check_python()  # before any worker boots: 3.11 dies under concurrent load

ROLE = os.environ.get("SERVER_ROLE", "all").strip().lower()
if ROLE not in {"all", "live", "pages"}:
    raise SystemExit(f"SERVER_ROLE must be all, live or pages, not {ROLE!r}")


class AccessLogWebSocketHandler(WebSocketHandler, PyWSGIHandler):
    """gevent-websocket's handler, logging its requests like gunicorn's own gevent handler.

    gevent-websocket logs every request other than a WebSocket upgrade at INFO on a logger of its
    own (which the app's root logger prints, whatever gunicorn's level). Here each request,
    WebSocket or not (a WebSocket when it closes), goes to gunicorn's access log instead, which
    writes nothing unless the access log is on.
    """

    log_request = PyWSGIHandler.log_request


class WebSocketWorker(GeventWebSocketWorker):
    """``geventwebsocket.gunicorn.workers.GeventWebSocketWorker`` with the handler above."""

    wsgi_handler = AccessLogWebSocketHandler


# The app reads the same two variables for PUBLIC_URL's default (marketplace/public_urls.py), so
# an unset PORT must mean the same port there as here.
os.environ.setdefault("HOST", "127.0.0.1")
os.environ.setdefault("PORT", "8001")
bind = f"{os.environ['HOST']}:{os.environ['PORT']}"
proc_name = f"bxqx-{ROLE}"
#: gunicorn 27's control socket has one path per user (~/.gunicorn/gunicorn.ctl): every process on
#: the machine (a live and a pages process, test servers) would overwrite the others'. Unused here.
control_socket_disable = True
keepalive = 5
accesslog = "-" if os.environ.get("ACCESS_LOG", "").lower() in {"1", "true", "yes", "on"} else None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")

if ROLE == "pages":
    worker_class = "gevent"
    workers = int(os.environ.get("WEB_CONCURRENCY") or max(2, os.cpu_count() or 1))
    #: Concurrent requests per worker (each waits on the database, not on a CPU).
    worker_connections = int(os.environ.get("WORKER_CONNECTIONS", "1000"))
    #: A page request running this long is stuck: the arbiter restarts its worker.
    timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
    graceful_timeout = 30
    max_requests = int(os.environ.get("MAX_REQUESTS", "5000"))
    max_requests_jitter = max_requests // 10
else:
    #: Plain ``-k gevent`` fails every WebSocket handshake once gevent-websocket is installed.
    worker_class = WebSocketWorker
    workers = 1
    #: Concurrent connections (greenlets) per process: each attendee holds one WebSocket.
    worker_connections = int(os.environ.get("WORKER_CONNECTIONS", "10000"))
    #: Seconds of silence before the arbiter restarts the worker (WebSockets keep it busy, not silent).
    timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
    graceful_timeout = 10


# Prometheus (marketplace/metrics.py): with PROMETHEUS_MULTIPROC_DIR set, every worker writes its
# metrics to files there and /metrics adds them up. The folder holds this server's workers only
# (one folder per gunicorn server): emptied when the server starts, and a worker's live gauges
# are dropped when it exits. Not imported from the app here (the arbiter runs before gevent's
# patching), so the hooks use prometheus_client directly.
def on_starting(server):
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for stale in Path(folder).glob("*.db"):
            stale.unlink()


def post_worker_init(worker):
    """Pages workers compile the templates and build the search state before their first request
    (marketplace/warmup.py); imported here, after the worker's gevent patching."""
    if ROLE in {"pages", "all"}:
        from marketplace.warmup import warm_up

        warm_up(worker.wsgi)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
