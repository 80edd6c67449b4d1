"""The client side of RFC 6455 for bench/live_client.py, just enough for Engine.IO text frames: an
asyncio Protocol that sends the HTTP upgrade, reads unmasked server frames and writes masked
client frames. Its owner gets ``_on_text(text)`` per message and ``_on_lost()`` at the end, and
``last_data`` is set to the arrival time (time.time()) of the latest bytes; ``refusal`` to the
status line when the upgrade is refused. ``closed_by_server`` tells a close frame from a lost
connection.
"""

import asyncio
import base64
import os
import time


class WebSocket(asyncio.Protocol):
    def __init__(self, owner, host: str, port: int, headers: dict):
        self.owner, self.host, self.port, self.headers = owner, host, port, headers
        self.buffer = bytearray()
        self.upgraded = False
        self.fragments: list[bytes] = []
        self.transport = None
        self.closed_by_server = False

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
                self.owner.refusal = status.decode(errors="replace")
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
                self.closed_by_server = True
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
