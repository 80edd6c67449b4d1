"""Direct writes of the live room's packets to idle WebSockets (gevent with gevent-websocket only).

python-engineio hands every outgoing packet to a queue per connection, read by a writer greenlet
that frames the packet and writes it to the socket. Fanning one question out to 1,000 attendees
is then 1,000 queue hand-offs, greenlet switches, timers and framings: about 80 µs of a core per
delivery, most of one process's core at 10 questions a second (docs/performance.md, "The live room
benchmark").

``install`` changes that for one engineio server:

- every WebSocket of the server is served by :class:`Connection`, which sends every frame the
  connection writes (engineio's packets, gevent-websocket's pongs and close frame) through one
  outbox, so writes to a socket never interleave;
- the server's ``send_packet`` writes a packet straight to the socket, from the calling greenlet
  and without waiting, when the connection is idle: upgraded to WebSocket, not closing, nothing in
  engineio's queue, nothing in the outbox and no write in progress. The frame is built once per
  packet, for all the recipients of a broadcast. When the kernel takes only part of it (a slow
  client), the rest goes to the outbox and a greenlet sends it; a busy connection gets the packet
  through engineio's queue as before.

The order of a connection's packets is kept: a packet takes the direct path only when nothing is
pending anywhere for that connection, and everything else is written in order by engineio's
writer through the outbox. Nothing here yields to other greenlets between the checks and the write.
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from functools import partial, wraps

from events.live import collector
from marketplace import metrics

logger = logging.getLogger(__name__)

_TEXT, _BINARY = 0x1, 0x2


def websocket_frame(payload: bytes, opcode: int = _TEXT) -> bytes:
    """One final, unmasked WebSocket frame (RFC 6455 §5.2) as a server sends it."""
    size = len(payload)
    if size < 126:
        header = bytes((0x80 | opcode, size))
    elif size < 1 << 16:
        header = bytes((0x80 | opcode, 126)) + size.to_bytes(2, "big")
    else:
        header = bytes((0x80 | opcode, 127)) + size.to_bytes(8, "big")
    return header + payload


def packet_frame(pkt) -> bytes:
    """The frame engineio's WebSocket writer would write for the Engine.IO packet ``pkt``."""
    encoded = pkt.encode()
    if isinstance(encoded, str):
        return websocket_frame(encoded.encode("utf-8"), _TEXT)
    return websocket_frame(bytes(encoded), _BINARY)


class Connection:
    """engineio's ``websocket`` class for gevent-websocket, with one outbox per connection.

    engineio calls ``Connection(handler, server)`` to upgrade a request and then ``handler(conn)``,
    whose writer greenlet calls :meth:`send`, whose reader calls :meth:`wait`.
    """

    def __init__(self, handler, server, *, registry: dict):
        self.app = handler
        self.server = server
        #: The engineio session this WebSocket carries (the handler is its bound method).
        self.session = getattr(handler, "__self__", None)
        self.registry = registry
        self.outbox: deque = deque()
        self.writing = False
        self.broken = False
        self._ws = None
        self._socket = None
        self._fd = -1

    def __call__(self, environ, start_response):
        ws = environ.get("wsgi.websocket")
        if ws is None:
            raise RuntimeError("The gevent-websocket server is not configured: run the app with "
                               "gunicorn -c gunicorn.conf.py (GeventWebSocketWorker).")
        self._ws = ws
        self.environ = environ
        self.version, self.path = ws.version, ws.path
        self.origin, self.protocol = ws.origin, ws.protocol
        ws.raw_write = self._write  # every frame gevent-websocket writes goes through the outbox
        self._socket = ws.handler.socket
        self._fd = self._socket.fileno()
        sid = getattr(self.session, "sid", None)
        if sid is not None:
            self.registry[sid] = self
        try:
            return self.app(self)
        finally:
            if sid is not None and self.registry.get(sid) is self:
                del self.registry[sid]

    # --- engineio's side ---------------------------------------------------------------------

    def send(self, message) -> None:
        self._ws.send(message)

    def wait(self):
        return self._ws.receive()

    def close(self) -> None:
        self._ws.close()

    # --- writing ---------------------------------------------------------------------------

    def _write(self, data) -> None:
        """Write ``data`` after whatever is pending (gevent-websocket's raw write)."""
        self.outbox.append(data)
        if not self.writing:
            self.writing = True
            self._flush()

    def _flush(self) -> None:
        """Send the outbox in order; the caller has set ``writing``. Blocks this greenlet only."""
        try:
            while self.outbox:
                self._socket.sendall(self.outbox.popleft())
        except OSError:
            self.broken = True
            self.outbox.clear()
            raise
        finally:
            self.writing = False

    def _flush_later(self) -> None:
        try:
            self._flush()
        except OSError:
            pass  # the reader sees the connection end and closes the session

    def idle(self) -> bool:
        session = self.session
        return not (self.writing or self.outbox or self.broken or self._ws is None or self._ws.closed
                    or session is None or not session.upgraded or session.upgrading
                    or session.closing or session.closed or session.queue.qsize())

    def write_now(self, frame: bytes) -> bool:
        """Write ``frame`` now if the connection is idle (else False: use engineio's queue)."""
        if not self.idle():
            return False
        try:
            sent = os.write(self._fd, frame)  # the socket is non-blocking: never waits
        except BlockingIOError:
            sent = 0
        except OSError:
            self.broken = True  # gone: the reader closes the session; the client catches up on return
            return True
        if sent < len(frame):
            self.outbox.append(memoryview(frame)[sent:])
            self.writing = True
            self.server.start_background_task(self._flush_later)
        return True


_process_collector = None


def _collector(sio_server):
    """The process's garbage-collection scheduler (events/live/collector.py), started once."""
    global _process_collector
    if _process_collector is None:
        _process_collector = collector.start(sio_server.sleep, sio_server.start_background_task)
    return _process_collector


def install(sio_server) -> bool:
    """Use direct writes on ``sio_server`` (a ``socketio.Server``) if it runs on gevent, whose
    WebSockets engineio serves with gevent-websocket (a requirement, always installed)."""
    eio = getattr(sio_server, "eio", None)
    if eio is None or eio.async_mode != "gevent":
        return False
    registry: dict[str, Connection] = {}
    queued = eio.send_packet
    last = [None, b""]  # the packet framed last and its frame: one framing per broadcast
    collector = _collector(sio_server)

    def send_packet(sid, pkt):
        connection = registry.get(sid)
        if connection is not None:
            if pkt is not last[0]:
                last[0], last[1] = pkt, packet_frame(pkt)
                collector.touch()
            if connection.write_now(last[1]):
                return
        queued(sid, pkt)

    eio.send_packet = send_packet
    eio._async = {**eio._async, "websocket": partial(Connection, registry=registry)}
    logger.debug("live room: direct WebSocket writes on")
    return True


def time_broadcasts(sio_server) -> None:
    """Observe ``bxqx_live_fanout_seconds`` for every broadcast ``sio_server`` delivers itself.

    The time is that of handing one event to every connection of the room this process holds
    (direct writes or engineio's queues), not the client's receipt. With a message queue, a
    process delivers what Redis brings it in ``_handle_emit`` (and what it emits itself there
    too); alone, in ``emit``. Installed once per server.
    """
    manager = getattr(sio_server, "manager", None)
    if manager is None or getattr(manager, "_bxqx_timed", False):
        return
    name = "_handle_emit" if hasattr(manager, "_handle_emit") else "emit"
    deliver = getattr(manager, name)

    @wraps(deliver)
    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return deliver(*args, **kwargs)
        finally:
            metrics.FANOUT_SECONDS.observe(time.perf_counter() - started)

    setattr(manager, name, timed)
    manager._bxqx_timed = True
