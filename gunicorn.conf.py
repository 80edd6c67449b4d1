"""gunicorn settings for production: ``gunicorn -c gunicorn.conf.py wsgi:app``.

One gevent worker with WebSocket support per process (Socket.IO needs a single worker per
process: its sessions live in that process's memory). To use more cores, run several such
processes on different ports behind a load balancer with sticky sessions, all with the same
SOCKETIO_MESSAGE_QUEUE (Redis); see README "Scaling out".
"""

import importlib.util
import os
from pathlib import Path


def _check_python() -> None:
    """marketplace/runtime.py's check, loaded alone: importing the package here, in the arbiter,
    would import psycopg and the app before the worker's gevent patching."""
    spec = importlib.util.spec_from_file_location(
        "_bxqx_runtime", Path(__file__).resolve().parent / "marketplace" / "runtime.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.check_python()


_check_python()  # before any worker boots: 3.11 dies under concurrent load

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8001')}"
#: Plain ``-k gevent`` fails every WebSocket handshake once gevent-websocket is installed.
worker_class = "geventwebsocket.gunicorn.workers.GeventWebSocketWorker"
workers = 1
#: Concurrent connections (greenlets) per process: each attendee holds one WebSocket.
worker_connections = int(os.environ.get("WORKER_CONNECTIONS", "10000"))
#: Seconds of silence before the arbiter restarts the worker (WebSockets keep it busy, not silent).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 10
keepalive = 5
accesslog = "-" if os.environ.get("ACCESS_LOG", "").lower() in {"1", "true", "yes", "on"} else None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
