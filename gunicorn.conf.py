"""gunicorn settings for production: ``gunicorn -c gunicorn.conf.py wsgi:app``.

One gevent worker with WebSocket support per process (Socket.IO needs a single worker per
process: its sessions live in that process's memory). To use more cores, run several such
processes on different ports behind a load balancer with sticky sessions, all with the same
SOCKETIO_MESSAGE_QUEUE (Redis); see README "Scaling out".

Logging: LOG_LEVEL (default info) sets the level of gunicorn's messages and of the app's log
records; one line per request is written only with ACCESS_LOG=1 (gunicorn's access log).
"""

import os

from geventwebsocket.gunicorn.workers import GeventWebSocketWorker
from geventwebsocket.handler import WebSocketHandler
from gunicorn.workers.ggevent import PyWSGIHandler


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


bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8001')}"
#: Plain ``-k gevent`` fails every WebSocket handshake once gevent-websocket is installed.
worker_class = WebSocketWorker
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
