"""A light Socket.IO client for the roadshow benchmark: raw Engine.IO v4 over a hand-rolled
WebSocket (an asyncio Protocol: the HTTP upgrade, unmasked server frames, masked client frames),
a few KiB per connection and little CPU per message, so thousands fit in one process.

It speaks just what the live room needs (docs/realtime.md): the namespace connect with an auth
payload, ping/pong, events, and acks. Like room.js it keeps the last contiguous sequence number,
buffers early events, asks ``sync`` for a gap or after a reconnect, and tracks the question ids it
knows, so the churn mode can compare each client's list with the database. Without state tracking
it only looks for questions (a regular expression, no JSON parsing) to time their delivery.
"""

import asyncio
import base64
import json
import os
import random
import re
import time

NS = "/live"
#: A question's text as the benchmark writes it: "bench <number> <send time> …".
QUESTION = re.compile(r'"type": ?"question\.created"')
BENCH_TEXT = re.compile(r'"text": ?"bench (\d+) (\d+\.\d+)')


class Refused(Exception):
    pass


class _WebSocket(asyncio.Protocol):
    """The client side of RFC 6455, just enough for Engine.IO text frames."""

    def __init__(self, owner, host: str, port: int, headers: dict):
        self.owner, self.host, self.port, self.headers = owner, host, port, headers
        self.buffer = bytearray()
        self.upgraded = False
        self.fragments: list[bytes] = []
        self.transport = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        lines = ["GET /socket.io/?EIO=4&transport=websocket HTTP/1.1", f"Host: {self.host}:{self.port}",
                 "Upgrade: websocket", "Connection: Upgrade", f"Sec-WebSocket-Key: {key}",
                 "Sec-WebSocket-Version: 13", *(f"{name}: {value}" for name, value in self.headers.items())]
        transport.write(("\r\n".join(lines) + "\r\n\r\n").encode())

    def data_received(self, data: bytes) -> None:
        self.owner.last_data = time.time()
        buffer = self.buffer
        buffer += data
        if not self.upgraded:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(buffer[:buffer.find(b"\r\n")])
            del buffer[:end + 4]
            if b" 101 " not in status:
                self.transport.close()
                return
            self.upgraded = True
        while len(buffer) >= 2:
            first, second = buffer[0], buffer[1]
            length, start = second & 0x7F, 2
            if length == 126:
                if len(buffer) < 4:
                    return
                length, start = int.from_bytes(buffer[2:4], "big"), 4
            elif length == 127:
                if len(buffer) < 10:
                    return
                length, start = int.from_bytes(buffer[2:10], "big"), 10
            if len(buffer) < start + length:
                return
            payload = bytes(buffer[start:start + length])
            del buffer[:start + length]
            opcode = first & 0x0F
            if opcode in (0x0, 0x1):
                self.fragments.append(payload)
                if first & 0x80:
                    text = b"".join(self.fragments).decode()
                    self.fragments = []
                    self.owner._on_text(text)
            elif opcode == 0x8:
                self.transport.close()
                return
            elif opcode == 0x9:
                self.send(payload, opcode=0xA)

    def connection_lost(self, exc) -> None:
        self.owner._on_lost()

    def send(self, data: bytes, opcode: int = 0x1) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        mask = os.urandom(4)
        length = len(data)
        if length < 126:
            head = bytes((0x80 | opcode, 0x80 | length))
        elif length < 65536:
            head = bytes((0x80 | opcode, 0x80 | 126)) + length.to_bytes(2, "big")
        else:
            head = bytes((0x80 | opcode, 0x80 | 127)) + length.to_bytes(8, "big")
        repeated = (mask * (length // 4 + 1))[:length]
        masked = (int.from_bytes(data, "big") ^ int.from_bytes(repeated, "big")).to_bytes(length, "big") \
            if length else b""
        self.transport.write(head + mask + masked)


class LiveClient:
    def __init__(self, host: str, port: int, cookie: str, origin: str, roadshow: int,
                 on_question=None, track_state: bool = False):
        self.host, self.port, self.cookie, self.origin, self.roadshow = host, port, cookie, origin, roadshow
        self.on_question = on_question
        self.track_state = track_state
        self.seq = 0
        self.questions: set[int] = set()
        self.buffer: dict[int, dict] = {}
        self.synced = False
        self.connected = asyncio.Event()
        self.closed = asyncio.Event()
        self.last_data = 0.0
        self._acks: dict[int, asyncio.Future] = {}
        self._ack_id = 0
        self._ws: _WebSocket | None = None
        self._syncing = False

    # --- connection --------------------------------------------------------------------------

    async def connect(self, timeout: float = 30.0) -> None:
        self.connected.clear()
        self.closed.clear()
        loop = asyncio.get_running_loop()
        headers = {"Cookie": self.cookie, "Origin": self.origin}
        _transport, self._ws = await asyncio.wait_for(loop.create_connection(
            lambda: _WebSocket(self, self.host, self.port, headers), self.host, self.port), timeout)
        waiters = [asyncio.create_task(self.connected.wait()), asyncio.create_task(self.closed.wait())]
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()
        if not self.connected.is_set():
            await self.close()
            raise Refused("not connected")

    async def close(self) -> None:
        if self._ws is not None and self._ws.transport is not None:
            self._ws.transport.close()
        self._on_lost()

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
            self.closed.set()

    async def call(self, event: str, data: dict, timeout: float = 10.0) -> dict:
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
        """A gap fill that keeps trying while connected (after a disconnect, reconnect() syncs)."""
        while self.connected.is_set():
            try:
                await self.sync()
                return
            except (ConnectionError, TimeoutError):
                await asyncio.sleep(1.0)

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

    async def sync(self) -> None:
        """Catch up: a replay from the last number, or a snapshot the first time."""
        self._syncing = True
        self.synced = False
        try:
            reply = await self.call("sync", {"after": self.seq if self.seq else None}, timeout=30)
            if reply["mode"] == "snapshot":
                self.seq = reply["snapshot"]["seq"]
                self.questions = {q["id"] for q in reply["snapshot"]["questions"]}
            else:
                for event in reply["events"]:
                    if event["seq"] == self.seq + 1:
                        self._apply(event)
            self.synced = True
            self._drain()
        finally:
            self._syncing = False

    async def reconnect(self, attempts: int = 60) -> None:
        """Reconnect with jittered back-off, then catch up from the last number."""
        await self.close()
        delay = 0.2
        for _ in range(attempts):
            try:
                await self.connect()
                await self.sync()
                return
            except (TimeoutError, Refused, OSError, ConnectionError):
                await asyncio.sleep(delay + random.random() * delay)
                delay = min(delay * 2, 3.0)
        raise ConnectionError("could not reconnect")
