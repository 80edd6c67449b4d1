"""bench/soak.py's attendees: bench/roadshow_load.py's load generator (clients that do what room.js
does) whose clients record every numbered event they receive (soak_accounting.Receipts).
``soak_loadgen`` is its process's entry point for roadshow_procs' ``LoadGenerators``; its ``stop``
answer carries the accounting.
"""

import asyncio
import os
import time

from roadshow_load import Generator
from soak_accounting import Receipts


class SoakGenerator(Generator):
    """roadshow_load's Generator whose clients record every numbered event they receive."""

    def __init__(self, pipe, targets, roadshow: int, churn: bool, parent: int):
        super().__init__(pipe, targets, roadshow, churn, parent)
        self.events = Receipts(len(self.clients))
        for index, client in enumerate(self.clients):
            client.on_event = self.events.hook(index)
            client.on_question = None

    async def stop(self, seconds: float, accounting: dict | None = None) -> dict:
        """roadshow_load's answer, with ``Receipts.account(**accounting)`` as ``account``; the
        catch-up syncs under way are answered before the connections close."""
        await quiesce(self.clients)
        done = await super().stop(seconds)
        if accounting is not None:
            done["account"] = self.events.account(**accounting)
        return done


async def quiesce(clients, seconds: float = 30.0) -> None:
    """Stop the clients' catch-up syncs once none is waiting for an answer (a connection closed
    while the server still works on its sync is not what the soak measures)."""
    deadline = time.monotonic() + seconds
    while any(client.waiting for client in clients) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    for client in clients:  # no await in between: no sync can start
        client.stop_checks()


def soak_loadgen(pipe, targets: list[tuple[int, str]], roadshow: int, churn: bool, cpu: int | None,
                 parent: int) -> None:
    """roadshow_load.loadgen with a SoakGenerator."""
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    try:
        asyncio.run(SoakGenerator(pipe, targets, roadshow, churn, parent).run())
    finally:
        pipe.close()
