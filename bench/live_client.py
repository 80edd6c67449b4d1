"""A light Socket.IO client for the roadshow benchmark: raw Engine.IO v4 over a hand-rolled
WebSocket (an asyncio Protocol: the HTTP upgrade, unmasked server frames, masked client frames),
a few KiB per connection and little CPU per message, so thousands fit in one process.

It speaks just what the live room needs (docs/realtime.md): the namespace connect with an auth
payload, ping/pong, events, and acks, and it sends what room.js sends: on every connect
``sync {after: synced ? seq : null}`` (``join``), and every 30-45 s while synced a catch-up
``sync {after: seq}`` (``checks=True``). With ``track_state`` it keeps, like room.js, the last
contiguous sequence number, buffers early events, asks ``sync`` for a gap, and tracks the question
ids it knows, so the churn mode can compare each client's list with the database. Without it, it
reads only the number of each event and looks for questions with regular expressions (no JSON
parsing) to time their delivery.
"""

import asyncio
import json
import random
import re
import time
from contextlib import suppress

from ws_protocol import WebSocket

NS = "/live"
#: Sent on the handshake, as a browser sends its own (Flask-Login's session protection hashes it).
USER_AGENT = "bxqx-bench-live/1"
#: A question's text as the benchmark writes it: "bench <number> <send time> …".
QUESTION = re.compile(r'"type": ?"question\.created"')
BENCH_TEXT = re.compile(r'"text": ?"bench (\d+) (\d+\.\d+)')
#: The number of an ``event`` (log.wire puts it first) and its type (second).
EVENT_SEQ = re.compile(r'\["event", ?\{"seq": ?(\d+)(?:, ?"type": ?"([\w.]+)")?')
#: room.js: an ack not received within ACK_TIMEOUT is an error; a failed sync is tried again after
#: 2 s; the catch-up check runs every CHECK_EVERY + up to 15 s.
ACK_TIMEOUT = 8.0
SYNC_RETRY = 2.0
CHECK_EVERY = 30.0


class Refused(Exception):
    pass


#: What a join that may be tried again can fail with.
FAILURES = (TimeoutError, Refused, OSError, ConnectionError)


async def join_retrying(client: "LiveClient", attempts: int = 10, timeout: float = 60) -> None:
    """Join, trying again after 1, 2, 3 ... s (a server still starting, a crowd at the door)."""
    for attempt in range(attempts):
        try:
            await client.join(timeout=timeout)
            return
        except FAILURES:
            await client.close()
            await asyncio.sleep(1 + attempt)
    raise ConnectionError(f"could not join the room on port {client.port} in {attempts} attempts")


class LiveClient:
    def __init__(self, host: str, port: int, cookie: str, origin: str, roadshow: int,
                 on_question=None, track_state: bool = False, checks: bool = True, on_event=None):
        self.host, self.port, self.cookie, self.origin, self.roadshow = host, port, cookie, origin, roadshow
        self.on_question = on_question
        #: ``on_event(seq, type, received)`` for every numbered ``event`` received live.
        self.on_event = on_event
        self.track_state = track_state
        self.checks = checks
        self.seq = 0
        self.questions: set[int] = set()
        self.buffer: dict[int, dict] = {}
        self.synced = False
        self.connected = asyncio.Event()
        self.closed = asyncio.Event()
        self.last_data = 0.0
        #: The server's namespace refusal or disconnect packet, if any.
        self.refusal = ""
        #: Failed attempts (connect refused or timed out, sync timed out or refused), as text.
        self.errors: list[str] = []
        #: The first sync answered: when it was sent and answered (time.time()), the bench
        #: questions (by number) its snapshot held.
        self.sync_sent_at = self.synced_at = 0.0
        self.snapshot_numbers: set[int] = set()
        self._acks: dict[int, asyncio.Future] = {}
        self._ack_id = 0
        self._ws: WebSocket | None = None
        self._syncing = False
        self._checker: asyncio.Task | None = None

    # --- connection --------------------------------------------------------------------------

    async def connect(self, timeout: float = 30.0) -> None:
        self.connected.clear()
        self.closed.clear()
        self.refusal = ""
        loop = asyncio.get_running_loop()
        headers = {"Cookie": self.cookie, "Origin": self.origin, "User-Agent": USER_AGENT}

        def protocol() -> WebSocket:
            # Set before the connection is made: the server's Engine.IO "open" can arrive (and be
            # answered with the namespace connect) before create_connection returns here.
            self._ws = WebSocket(self, self.host, self.port, headers)
            return self._ws

        await asyncio.wait_for(loop.create_connection(protocol, self.host, self.port), timeout)
        waiters = [asyncio.create_task(self.connected.wait()), asyncio.create_task(self.closed.wait())]
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()
        if not self.connected.is_set():
            await self.close()
            reason = self.refusal or ("connection closed" if self.closed.is_set() else "no answer")
            raise Refused(f"not connected: {reason}")

    async def join(self, timeout: float = 30.0, sync_attempts: int = 5) -> None:
        """Connect, then what room.js does on ``connect``: ``sync(state.synced ? state.seq : null)``
        (room.js clears ``synced`` on every disconnect, so this is always ``null``: a snapshot),
        again after SYNC_RETRY seconds while it fails; then the periodic catch-up check starts."""
        await self.connect(timeout)
        for attempt in range(sync_attempts):
            try:
                await self.sync(self.seq if self.synced else None)
                break
            except (TimeoutError, ConnectionError, KeyError) as error:
                self.errors.append(f"sync: {type(error).__name__} {error}")
                if not self.connected.is_set() or attempt == sync_attempts - 1:
                    raise ConnectionError("sync failed") from error
                await asyncio.sleep(SYNC_RETRY)
        if self.checks and self._checker is None:
            self._checker = asyncio.create_task(self._check_now_and_then())

    @property
    def waiting(self) -> bool:
        """An ack is awaited: a sync or an action is under way."""
        return bool(self._acks)

    def stop_checks(self) -> None:
        """No more catch-up syncs (``stop`` also closes the connection)."""
        if self._checker is not None:
            self._checker.cancel()

    async def close(self) -> None:
        if self._ws is not None and self._ws.transport is not None:
            self._ws.transport.close()
        self._on_lost()

    async def stop(self) -> None:
        """Close for good: no more catch-up checks."""
        if self._checker is not None:
            self._checker.cancel()
            with suppress(asyncio.CancelledError):
                await self._checker
            self._checker = None
        await self.close()

    def _on_lost(self) -> None:
        for future in self._acks.values():
            if not future.done():
                future.set_exception(ConnectionError("disconnected"))
        self._acks.clear()
        self.closed.set()
        self.connected.clear()
        self.synced = False

    def _send(self, text: str) -> None:
        if self._ws is not None:
            self._ws.send(text.encode())

    async def _check_now_and_then(self) -> None:
        """room.js: every CHECK_EVERY + up to 15 s, if connected and synced, ``sync(state.seq)``."""
        while True:
            await asyncio.sleep(CHECK_EVERY + random.random() * 15)
            if self.connected.is_set() and self.synced and not self._syncing:
                try:
                    await self.sync(self.seq)
                except (TimeoutError, ConnectionError) as error:
                    self.errors.append(f"catch-up sync: {type(error).__name__} {error}")

    # --- Engine.IO / Socket.IO packets ---------------------------------------------------------

    def _on_text(self, text: str) -> None:
        kind = text[0]
        if kind == "4":
            self._on_packet(text[1:])
        elif kind == "2":  # ping
            self._send("3")
        elif kind == "0":  # Engine.IO open: connect to the namespace
            self._send(f"40{NS}," + json.dumps({"roadshow": self.roadshow}))

    def _on_packet(self, packet: str) -> None:
        kind, rest = packet[0], packet[1:]
        if rest.startswith(NS + ","):
            rest = rest[len(NS) + 1:]
        if kind == "2":
            if not self.track_state:
                number = EVENT_SEQ.match(rest)
                if number is not None:
                    self.seq = max(self.seq, int(number.group(1)))
                    if self.on_event is not None:
                        self.on_event(int(number.group(1)), number.group(2) or "", self.last_data)
                    if self.on_question is not None and QUESTION.search(rest):
                        match = BENCH_TEXT.search(rest)
                        if match:
                            self.on_question(int(match.group(1)), float(match.group(2)), self.last_data)
                return
            name, body = json.loads(rest)
            if name == "event":
                self._on_event(body)
        elif kind == "3":
            cut = rest.index("[")
            future = self._acks.pop(int(rest[:cut]), None)
            if future is not None and not future.done():
                future.set_result(json.loads(rest[cut:])[0])
        elif kind == "0":
            self.connected.set()
        elif kind in ("1", "4"):  # namespace disconnect, connect error
            self.refusal = rest[:200]
            self.closed.set()

    async def call(self, event: str, data: dict, timeout: float = ACK_TIMEOUT) -> dict:
        self._ack_id += 1
        ack_id = self._ack_id
        future = asyncio.get_running_loop().create_future()
        self._acks[ack_id] = future
        self._send(f"42{NS},{ack_id}" + json.dumps([event, data], ensure_ascii=False))
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            self._acks.pop(ack_id, None)

    # --- room state (sequence numbers, gaps, replay) ------------------------------------------

    def _on_event(self, event: dict) -> None:
        if self.on_event is not None:
            self.on_event(event["seq"], event.get("type", ""), self.last_data)
        if self.on_question is not None and event.get("type") == "question.created":
            parts = event["question"]["text"].split(" ", 3)
            if parts[0] == "bench":
                self.on_question(int(parts[1]), float(parts[2]), self.last_data)
        if event["seq"] <= self.seq:
            return
        self.buffer.setdefault(event["seq"], event)
        if self.synced:
            self._drain()
            if self.buffer and not self._syncing:
                asyncio.get_running_loop().call_later(0.4, self._gap_check)

    def _gap_check(self) -> None:
        if self.buffer and self.synced and not self._syncing:
            asyncio.create_task(self._sync_until_done())

    async def _sync_until_done(self) -> None:
        """A gap fill that keeps trying while connected (after a disconnect, join() syncs)."""
        while self.connected.is_set():
            try:
                await self.sync(self.seq)
                return
            except (ConnectionError, TimeoutError):
                await asyncio.sleep(SYNC_RETRY)

    def _apply(self, event: dict) -> None:
        self.seq = event["seq"]
        kind = event.get("type")
        if kind in ("question.created", "question.updated"):
            self.questions.add(event["question"]["id"])
        elif kind == "question.removed":
            self.questions.discard(event["question_id"])

    def _drain(self) -> None:
        for number in [n for n in self.buffer if n <= self.seq]:
            del self.buffer[number]
        while self.seq + 1 in self.buffer:
            self._apply(self.buffer.pop(self.seq + 1))

    async def sync(self, after: int | None) -> None:
        """``sync {after}``: a replay of the events after ``after``, or a snapshot for ``None``."""
        self._syncing = True
        self.synced = False
        first = not self.synced_at
        sent_at = time.time()
        try:
            reply = await self.call("sync", {"after": after})
            if not reply.get("ok"):
                raise ConnectionError(f"sync refused: {reply.get('error')} {reply.get('message')}")
            if first:
                self.sync_sent_at = sent_at
            if reply["mode"] == "snapshot":
                snapshot = reply["snapshot"]
                self.seq = snapshot["seq"]
                self.questions = {q["id"] for q in snapshot["questions"]}
                if first:
                    self.snapshot_numbers = {int(q["text"].split(" ", 2)[1]) for q in snapshot["questions"]
                                             if q["text"].startswith("bench ")}
            elif self.track_state:
                for event in reply["events"]:
                    if event["seq"] == self.seq + 1:
                        self._apply(event)
            else:
                self.seq = max(self.seq, reply["seq"])
            self.synced = True
            if first:
                self.synced_at = time.time()
            self._drain()
        finally:
            self._syncing = False

    async def reconnect(self, attempts: int = 60) -> None:
        """Reconnect with jittered back-off (as Socket.IO does), then sync as room.js does."""
        await self.close()
        delay = 0.2
        for _ in range(attempts):
            try:
                await self.join()
                return
            except (TimeoutError, Refused, OSError, ConnectionError) as error:
                self.errors.append(f"reconnect: {type(error).__name__} {error}")
                await asyncio.sleep(delay + random.random() * delay)
                delay = min(delay * 2, 3.0)
        raise ConnectionError("could not reconnect")
