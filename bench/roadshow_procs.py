"""The moving parts of bench/roadshow.py besides the servers: the load-generator processes (with a
timeout on every answer awaited from them, and a check that they are alive) and the asker."""

import asyncio
import multiprocessing
import os
import socket
import time
import uuid
from dataclasses import dataclass

from live_client import FAILURES, LiveClient, join_retrying
from roadshow_load import loadgen

PADDING = "请问该专利的产业化前景、许可方式与费用如何？团队能否提供中试样品与技术支持？"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def warm(servers, data) -> None:
    """One client joins each server (imports, first queries), then leaves."""
    for server in servers:
        client = LiveClient("127.0.0.1", server.port, data["asker"], server.url, data["roadshow"],
                            checks=False)
        await join_retrying(client)
        await client.stop()


@dataclass
class Part:
    """One load-generator process: clients number, number + parts, number + 2 parts, ..."""

    number: int
    parts: int
    count: int
    process: multiprocessing.Process
    pipe: object

    def index(self, local: int) -> int:
        return self.number + local * self.parts

    @property
    def all(self) -> list[int]:
        return list(range(self.count))

    def among(self, chosen: set[int]) -> list[int]:
        return [i for i in range(self.count) if self.index(i) in chosen]

    def outside(self, chosen: set[int]) -> list[int]:
        return [i for i in range(self.count) if self.index(i) not in chosen]


class LoadGenerators:
    def __init__(self, targets: list, roadshow: int, churn: bool, parts: int, cpu: int | None,
                 target=loadgen):
        """``target``: each process's entry point (roadshow_load.loadgen's arguments)."""
        context = multiprocessing.get_context("spawn")
        self.parts: list[Part] = []
        self.total = len(targets)
        try:
            for number in range(parts):
                parent, child = context.Pipe()
                mine = targets[number::parts]
                process = context.Process(target=target, daemon=True,
                                          args=(child, mine, roadshow, churn, cpu, os.getpid()))
                process.start()
                child.close()
                self.parts.append(Part(number, parts, len(mine), process, parent))
        except BaseException:
            self.close()
            raise

    def check(self) -> None:
        """Fail at once if a load generator has died."""
        for k, part in enumerate(self.parts):
            if not part.process.is_alive():
                raise RuntimeError(f"load generator {k} exited ({part.process.exitcode})")

    def send_each(self, make) -> None:
        self.check()
        for part in self.parts:
            part.pipe.send(make(part))

    async def receive(self, expected: str, timeout: float) -> list:
        """Each process's answer ``(expected, body)``; fail if one exits or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        answers: list = [None] * len(self.parts)
        while any(answer is None for answer in answers):
            for k, part in enumerate(self.parts):
                if answers[k] is not None:
                    continue
                if part.pipe.poll():
                    name, *body = part.pipe.recv()
                    if name == "churned":
                        continue
                    if name != expected:
                        raise RuntimeError(f"load generator {k} answered {name!r}, not {expected!r}")
                    answers[k] = body[0] if body else None
                elif not part.process.is_alive():
                    raise RuntimeError(f"load generator {k} exited ({part.process.exitcode}) "
                                       f"before answering {expected!r}")
            if time.monotonic() > deadline and any(answer is None for answer in answers):
                raise TimeoutError(f"no {expected!r} from the load generators within {timeout:.0f} s")
            await asyncio.sleep(0.05)
        return answers

    def merge(self, answers: list[dict]) -> dict:
        """The processes' ``done`` answers as one, per client in the order of the targets."""
        receipts, joins = [None] * self.total, [None] * self.total
        lists, not_caught_up, disconnected = [], 0, 0
        for part, answer in zip(self.parts, answers, strict=True):
            for local, (got, join) in enumerate(zip(answer["receipts"], answer["joins"], strict=True)):
                receipts[part.index(local)], joins[part.index(local)] = got, join
            lists += answer["lists"]
            not_caught_up += answer["not_caught_up"]
            disconnected += answer["disconnected"]
        return {"receipts": receipts, "joins": joins, "lists": lists, "not_caught_up": not_caught_up,
                "disconnected": disconnected,
                "errors": [error for join in joins for error in join["errors"]]}

    def close(self) -> None:
        """End the processes (they also end by themselves once this process is gone)."""
        for part in self.parts:
            if part.process.is_alive():
                part.process.terminate()
                part.process.join(5)
            if part.process.is_alive():
                part.process.kill()
                part.process.join(5)
            part.pipe.close()


class Asker:
    """The attendee who asks: questions with a UUID and their send time, re-sent with the same
    UUID until acked (as room.js's outbox does); a refused question is an error."""

    def __init__(self, port: int, cookie: str, roadshow: int):
        self.client = LiveClient("127.0.0.1", port, cookie, f"http://127.0.0.1:{port}", roadshow,
                                 checks=False)
        self.sent: dict[int, float] = {}
        self.acked_at: dict[int, float] = {}
        self.acked: set[str] = set()
        self.pending: dict[str, tuple[int, dict]] = {}
        self.errors: list[str] = []
        self.timeouts = 0
        self.tasks: list[asyncio.Task] = []

    async def connect(self) -> None:
        for _ in range(100):
            try:
                await self.client.close()
                await self.client.join()
                return
            except FAILURES:
                await asyncio.sleep(0.3)
        raise ConnectionError("the asker could not join")

    async def _send(self, number: int, data: dict) -> None:
        try:
            reply = await self.client.call("ask", data, timeout=10)
        except TimeoutError:
            self.timeouts += 1
            return  # stays pending: re-sent
        except ConnectionError:
            return  # stays pending: re-sent after the reconnect
        self.pending.pop(data["uuid"], None)
        if reply.get("ok"):
            self.acked.add(data["uuid"])
            self.acked_at.setdefault(number, time.time())
        else:
            self.errors.append(f"question {number} refused: {reply.get('error')} {reply.get('message')}")

    async def ask(self, rate: float, count: int | None = None, stop: asyncio.Event | None = None,
                  hooks: dict | None = None, check=None) -> None:
        """``count`` questions (or until ``stop``) at ``rate`` per second; ``hooks[n]()`` before the
        n-th; ``check()`` (which raises to end the run) before each."""
        started = time.monotonic()
        number = 0
        while (count is None or number < count) and not (stop is not None and stop.is_set()):
            if check is not None:
                check()
            if hooks and number in hooks:
                await hooks[number]()
            sent = time.time()
            data = {"uuid": str(uuid.uuid4()), "text": f"bench {number} {sent:.6f} {PADDING}"}
            self.sent[number] = sent
            self.pending[data["uuid"]] = (number, data)
            if not self.client.connected.is_set():
                await self.connect()
                self.tasks += [asyncio.create_task(self._send(n, d)) for n, d in self.pending.values()]
            else:
                self.tasks.append(asyncio.create_task(self._send(number, data)))
            number += 1
            await asyncio.sleep(max(0.0, started + number / rate - time.monotonic()))

    async def finish(self, seconds: float) -> None:
        """Wait for the acks, re-sending what is unacked, for at most ``seconds``."""
        deadline = time.monotonic() + seconds
        while True:
            await asyncio.gather(*self.tasks)
            self.tasks = []
            if not self.pending or time.monotonic() > deadline:
                break
            if not self.client.connected.is_set():
                await self.connect()
            self.tasks = [asyncio.create_task(self._send(n, d)) for n, d in self.pending.values()]
            await asyncio.sleep(0.5)
        await self.client.stop()

    def report(self) -> dict:
        return {"sent": self.sent, "acked_at": self.acked_at}

    def totals(self) -> dict:
        return {"asker_errors": self.errors, "unacked": len(self.pending), "asker_timeouts": self.timeouts}
