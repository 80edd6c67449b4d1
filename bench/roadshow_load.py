"""A load-generator process of bench/roadshow.py: one LiveClient per (port, cookie), driven by the
parent through a pipe.

Commands (each answered once):
- ``("join", indices, concurrency, seconds)``: those clients join as room.js does (connect, then
  ``sync``), at most ``concurrency`` at a time (None: all at once), retrying with Socket.IO's
  back-off until ``seconds`` have passed -> ``("joined", {...})``;
- ``("churn",)``: 10 % of the clients disconnect (they reconnect by themselves) -> ``("churned",)``;
- ``("stop", seconds)``: (churn: wait up to ``seconds`` for every client to be back and caught up)
  close everything -> ``("done", {...})``.

The process exits by itself when its parent is gone.
"""

import asyncio
import gc
import os
import random
import time

from live_client import FAILURES, LiveClient


def loadgen(pipe, targets: list[tuple[int, str]], roadshow: int, churn: bool, cpu: int | None,
            parent: int) -> None:
    """The process's entry point (multiprocessing, spawn)."""
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    try:
        asyncio.run(Generator(pipe, targets, roadshow, churn, parent).run())
    finally:
        pipe.close()


class Generator:
    def __init__(self, pipe, targets, roadshow: int, churn: bool, parent: int):
        self.pipe, self.churn, self.parent = pipe, churn, parent
        #: Per client: (question number, latency ms, port) of each question received live.
        self.receipts: list[list] = [[] for _ in targets]
        self.clients = []
        for index, (port, cookie) in enumerate(targets):
            def on_question(number, sent, received, index=index, port=port):
                self.receipts[index].append((number, (received - sent) * 1000, port))
            self.clients.append(LiveClient("127.0.0.1", port, cookie, f"http://127.0.0.1:{port}", roadshow,
                                           on_question=on_question, track_state=churn))
        self.joined: set[int] = set()
        self.supervisors: list[asyncio.Task] = []
        self.stopping = False

    async def command(self):
        """The parent's next command; exit if the parent is gone."""
        while not self.pipe.poll():
            if os.getppid() != self.parent:
                raise SystemExit("the benchmark process is gone")
            await asyncio.sleep(0.02)
        return self.pipe.recv()

    async def run(self) -> None:
        # A collection of this process's objects (1,000 clients, the receipts) takes long enough to
        # delay reading the sockets; the measure would then include the load generator's pauses.
        gc.collect()
        gc.freeze()
        gc.disable()
        while True:
            name, *arguments = await self.command()
            if name == "join":
                self.pipe.send(("joined", await self.join(*arguments)))
            elif name == "churn":
                for client in random.sample(self.clients, max(1, len(self.clients) // 10)):
                    await client.close()  # its supervisor reconnects it
                self.pipe.send(("churned",))
            elif name == "stop":
                self.pipe.send(("done", await self.stop(*arguments)))
                return

    async def join(self, indices: list[int], concurrency: int | None, seconds: float) -> dict:
        gate = asyncio.Semaphore(concurrency or len(indices) or 1)
        deadline = time.monotonic() + seconds

        async def one(index: int) -> bool:
            client, delay = self.clients[index], 1.0
            async with gate:
                while time.monotonic() < deadline:
                    try:
                        await asyncio.wait_for(client.join(), max(0.1, deadline - time.monotonic()))
                        return True
                    except FAILURES as error:
                        client.errors.append(f"join: {type(error).__name__} {error}")
                        await client.close()
                        # socket.io-client: reconnectionDelay 1 s doubling, randomisation 0.5.
                        await asyncio.sleep(min(delay * (0.5 + random.random()),
                                                max(0.0, deadline - time.monotonic())))
                        delay = min(delay * 2, 10.0)
            return False

        started = time.time()
        done = await asyncio.gather(*(one(index) for index in indices))
        self.joined.update(index for index, ok in zip(indices, done, strict=True) if ok)
        if self.churn and not self.supervisors:
            self.supervisors = [asyncio.create_task(self.supervise(c)) for c in self.clients]
        return {"ok": sum(done), "of": len(indices), "started": started, "ended": time.time()}

    async def supervise(self, client: LiveClient) -> None:
        while not self.stopping:
            await client.closed.wait()
            if self.stopping:
                return
            try:
                await client.reconnect()
            except ConnectionError:
                return

    async def stop(self, seconds: float) -> dict:
        caught_up = True
        if self.churn:
            # Every client back, synced and with nothing buffered (no extra sync is sent for it).
            deadline = time.monotonic() + seconds
            while not (caught_up := all(c.connected.is_set() and c.synced and not c.buffer
                                        for c in self.clients)):
                if time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.5)
            await asyncio.sleep(2)
        self.stopping = True
        disconnected = sum(1 for i, client in enumerate(self.clients)
                           if i in self.joined and not client.connected.is_set())
        lists = [sorted(c.questions) for c in self.clients] if self.churn else []
        for task in self.supervisors:
            task.cancel()
        for client in self.clients:
            await client.stop()
        joins = [{"joined": i in self.joined, "sync_sent_at": c.sync_sent_at, "synced_at": c.synced_at,
                  "snapshot": sorted(c.snapshot_numbers), "errors": c.errors}
                 for i, c in enumerate(self.clients)]
        return {"receipts": self.receipts, "lists": lists, "joins": joins, "disconnected": disconnected,
                "not_caught_up": 0 if caught_up else
                sum(1 for c in self.clients if not (c.connected.is_set() and c.synced and not c.buffer))}
