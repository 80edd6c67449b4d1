"""When the server process collects its cyclic garbage (the gevent server only).

CPython stops the whole process while it collects its oldest generation. A gevent worker holding
2,000 live-room connections tracks about half a million objects, and such a full collection
takes 0.3–0.7 s on these machines; CPython starts one whenever enough objects have survived,
often in the middle of a burst of questions, whose deliveries then wait for it
(docs/performance.md, "The live room benchmark").

:func:`start` therefore

- freezes what exists once the app is loaded (modules, classes, configuration: it lives as long
  as the process), so no collection scans it again;
- leaves the young generations as CPython runs them, but turns off its automatic full
  collections; a greenlet runs them instead, when the live rooms of this process have sent
  nothing for :data:`QUIET` seconds and at least :data:`FULL_AFTER` collections of the middle
  generation have happened since the last one (CPython's own default), and at the latest after
  :data:`FORCE_AFTER` of them (a room that is never quiet still has its garbage collected).
"""

from __future__ import annotations

import gc
import logging
import time

logger = logging.getLogger(__name__)

#: Seconds without a broadcast after which a full collection may run.
QUIET = 1.0
#: Middle-generation collections between two full ones (CPython's default third threshold).
FULL_AFTER = 10
#: ... and the most there may be (about 700 × 10 × 500 = 3.5 million allocations) before a full
#: collection runs even while the rooms are busy.
FORCE_AFTER = 500
#: Seconds between two looks.
INTERVAL = 0.5
#: Above CPython's count of middle-generation collections can ever reach between two of ours.
_NEVER = 1 << 30


class Collector:
    """Decides when to run a full collection; ``touch()`` marks activity."""

    def __init__(self, clock=time.monotonic, collector=gc):
        self.clock = clock
        self.gc = collector
        self.last_activity = clock()
        self.full_collections = 0

    def touch(self) -> None:
        self.last_activity = self.clock()

    def due(self) -> bool:
        pending = self.gc.get_count()[2]  # middle-generation collections since the last full one
        if pending < FULL_AFTER:
            return False
        return pending >= FORCE_AFTER or self.clock() - self.last_activity >= QUIET

    def step(self) -> bool:
        """Run a full collection if one is due; True if it ran."""
        if not self.due():
            return False
        started = time.perf_counter()
        found = self.gc.collect(2)
        self.full_collections += 1
        logger.debug("live room: full collection, %d unreachable objects, %.0f ms", found,
                     (time.perf_counter() - started) * 1000)
        return True


def start(sleep, spawn) -> Collector:
    """Freeze the loaded app, take over the full collections and return the collector.

    ``sleep`` and ``spawn`` are the server's (``socketio.sleep``, ``start_background_task``).
    """
    collector = Collector()
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, _NEVER)

    def run():
        while True:
            sleep(INTERVAL)
            try:
                collector.step()
            except Exception:  # never let the process stop collecting
                logger.exception("live room: garbage collection failed")

    spawn(run)
    return collector
