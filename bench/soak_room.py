"""The people of bench/soak.py's live room who act: a few attendees who ask questions at a steady
rate, and the host, who approves each question and answers some of them.

They are bench/live_client.py clients in the benchmark's own process (what room.js does: connect,
``sync``, the catch-up ``sync`` every 30-45 s), and their receipts are accounted like the
attendees' (soak_live.Receipts). Every action's ack gives the number of the event it made;
``actions`` maps it to (kind, send time, asker), which the accounting uses to check each client's
view and time each delivery. A refused action, an ack that never comes (``ack_timeout``) or one
later than room.js's own timeout (8 s, after which the browser shows an error) is a failure.
"""

import asyncio
import time
import uuid

from live_client import ACK_TIMEOUT, LiveClient, join_retrying
from roadshow_procs import PADDING
from soak_accounting import Receipts
from soak_live import quiesce

ANSWER = "感谢提问。该成果已完成中试，可提供样品；许可方式与费用可在会后与技术转移中心详谈。"


class Room:
    """Client 0 is the host (a moderator), clients 1 … N the askers."""

    def __init__(self, port: int, data: dict, ack_timeout: float = 30.0):
        origin = f"http://127.0.0.1:{port}"
        cookies = [data["host"], *data["askers"]]
        self.receipts = Receipts(len(cookies))
        self.clients = [LiveClient("127.0.0.1", port, cookie, origin, data["roadshow"],
                                   on_event=self.receipts.hook(index))
                        for index, cookie in enumerate(cookies)]
        self.host, self.askers = self.clients[0], self.clients[1:]
        self.ack_timeout = ack_timeout
        #: number -> (kind, send time, asker number or None)
        self.actions: dict[int, tuple[str, float, int | None]] = {}
        self.acks: dict[str, list[float]] = {"ask": [], "approve": [], "answer": []}
        #: (send time, ms to the ack) of every acked action.
        self.ack_times: list[tuple[float, float]] = []
        self.failures: list[str] = []
        #: Actions acked later than room.js waits (ACK_TIMEOUT): the browser showed an error.
        self.slow: list[str] = []
        self.tasks: set[asyncio.Task] = set()
        self.asked = 0

    async def join(self, attempts: int = 10) -> None:
        for client in self.clients:
            await join_retrying(client, attempts)

    async def run(self, seconds: float, rate: float, answer_every: int, delay: float, check) -> None:
        """Questions at ``rate`` per second for ``seconds``, round robin over the askers; the host
        approves each ``delay`` seconds after its ack and answers every ``answer_every``-th
        ``delay`` seconds later. ``check()`` runs before each question (it raises to end the run)."""
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            check()
            task = asyncio.create_task(self._question(self.asked, answer_every, delay))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
            self.asked += 1
            await asyncio.sleep(max(0.0, started + self.asked / rate - time.monotonic()))

    async def _question(self, number: int, answer_every: int, delay: float) -> None:
        asker = number % len(self.askers)
        text = f"bench {number} {time.time():.6f} {PADDING}"
        reply = await self._call(self.askers[asker], "ask", {"uuid": str(uuid.uuid4()), "text": text},
                                 asker)
        if reply is None:
            return
        await asyncio.sleep(delay)
        question = {"question_id": reply["id"]}
        if await self._call(self.host, "approve", question) is None:
            return
        if answer_every and number % answer_every == 0:
            await asyncio.sleep(delay)
            await self._call(self.host, "answer", {**question, "text": f"{ANSWER}（{number}）"})

    async def _call(self, client: LiveClient, kind: str, data: dict, asker: int | None = None) -> dict | None:
        sent = time.time()
        try:
            reply = await client.call(kind, data, timeout=self.ack_timeout)
        except (TimeoutError, ConnectionError) as error:
            self.failures.append(f"{kind}: no ack within {self.ack_timeout:.0f} s ({type(error).__name__})")
            return None
        waited = time.time() - sent
        self.acks[kind].append(waited * 1000)
        self.ack_times.append((sent, waited * 1000))
        if not reply.get("ok"):
            self.failures.append(f"{kind} refused: {reply.get('error')} {reply.get('message')}")
            return None
        if waited > ACK_TIMEOUT:
            self.slow.append(f"{kind} {waited:.1f} s")
        self.actions[reply["seq"]] = (kind, sent, asker)
        return reply

    async def finish(self, timeout: float) -> None:
        """Wait for the questions under way (their approval and answer)."""
        if self.tasks:
            _done, pending = await asyncio.wait(set(self.tasks), timeout=timeout)
            for task in pending:
                task.cancel()
            if pending:
                self.failures.append(f"{len(pending)} question(s) still unanswered {timeout:.0f} s "
                                     "after the last was asked")

    def account(self, start: int, final: int) -> dict:
        return self.receipts.account(self.actions, start, final,
                                     authors={k: k + 1 for k in range(len(self.askers))},
                                     moderators=frozenset({0}))

    async def stop(self) -> tuple[int, list[str]]:
        """(clients disconnected before the end, failed attempts or syncs), then close all."""
        await quiesce(self.clients)
        disconnected = sum(1 for client in self.clients if not client.connected.is_set())
        errors = [error for client in self.clients for error in client.errors]
        for client in self.clients:
            await client.stop()
        return disconnected, errors
