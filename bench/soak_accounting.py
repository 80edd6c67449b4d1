"""Delivery accounting of bench/soak.py's live room, by the room's sequence numbers, and its reading
of the server's log.

Every change in a live room is one numbered ``event`` (docs/realtime.md §2), 1, 2, 3 … without
gaps. A client in the room from number ``start`` on must receive every number after it, live, each
in the view it may see: for an attendee, a question waiting for approval is a ``noop`` (its author
gets ``question.created``, the moderators too), its approval and its answer are
``question.updated``. ``Receipts`` keeps, per client, the arrival time and type of the first
receipt of each number (two compact arrays, so 1,000 clients and 10 minutes of events fit in a
few tens of MiB); ``Receipts.account`` compares them with what the clients should have got and
times each delivery from the sending of the action (ask, approve, answer) that made it.

No import from bench/ (tests/test_bench_tools.py loads this file alone).
"""

from array import array
from collections import Counter

#: Type codes in the receipts (0: nothing received).
TYPES = {"noop": 1, "question.created": 2, "question.updated": 3}
OTHER = 4
#: What each kind of action must reach a client as: attendee, author (either of its two views,
#: the first to arrive counts), moderator.
VIEWS = {
    "ask": ({TYPES["noop"]}, {TYPES["noop"], TYPES["question.created"]}, {TYPES["question.created"]}),
    "approve": ({TYPES["question.updated"]},) * 3,
    "answer": ({TYPES["question.updated"]},) * 3,
}
GROW = 1024


class Receipts:
    def __init__(self, clients: int):
        self.times = [array("d") for _ in range(clients)]
        self.kinds = [array("b") for _ in range(clients)]

    def hook(self, index: int):
        """The ``on_event`` of client ``index``."""
        times, kinds = self.times[index], self.kinds[index]

        def on_event(seq: int, kind: str, received: float) -> None:
            if seq >= len(times):
                more = seq + GROW - len(times)
                times.extend(array("d", bytes(8 * more)))
                kinds.extend(array("b", bytes(more)))
            if not kinds[seq]:
                times[seq], kinds[seq] = received, TYPES.get(kind, OTHER)
        return on_event

    def account(self, actions: dict, start: int, final: int, authors: dict | None = None,
                moderators: frozenset = frozenset()) -> dict:
        """Deliveries of the numbers ``start + 1`` to ``final`` to every client.

        ``actions``: number -> (kind, send time, author) of the actions acked with it; a number
        without one (its ack never came) is checked for delivery only. ``authors``: author ->
        client index, for the clients that ask; ``moderators``: their client indexes.
        """
        authors = authors or {}
        missing, wrong, examples = 0, 0, []
        latency: dict[str, Counter] = {kind: Counter() for kind in VIEWS}
        for index, (times, kinds) in enumerate(zip(self.times, self.kinds, strict=True)):
            for seq in range(start + 1, final + 1):
                kind = kinds[seq] if seq < len(kinds) else 0
                if not kind:
                    missing += 1
                    if len(examples) < 5:
                        examples.append(f"client {index} missed number {seq}")
                    continue
                action = actions.get(seq)
                if action is None:
                    continue
                name, sent, author = action
                view = 2 if index in moderators else (1 if authors.get(author) == index else 0)
                if kind not in VIEWS[name][view]:
                    wrong += 1
                    if len(examples) < 5:
                        examples.append(f"client {index} got number {seq} ({name}) as type {kind}")
                latency[name][max(0, round((times[seq] - sent) * 1000))] += 1
        numbers = max(0, final - start)
        return {"clients": len(self.times), "expected": len(self.times) * numbers,
                "delivered": len(self.times) * numbers - missing, "missing": missing, "wrong": wrong,
                "examples": examples, "latency": latency,
                "unattributed": sum(1 for seq in range(start + 1, final + 1) if seq not in actions)}


def merge_accounts(accounts: list[dict]) -> dict:
    merged = {"clients": 0, "expected": 0, "delivered": 0, "missing": 0, "wrong": 0, "examples": [],
              "latency": {kind: Counter() for kind in VIEWS}, "unattributed": 0}
    for account in accounts:
        for key in ("clients", "expected", "delivered", "missing", "wrong"):
            merged[key] += account[key]
        merged["examples"] += account["examples"]
        merged["unattributed"] = max(merged["unattributed"], account["unattributed"])
        for kind, counts in account["latency"].items():
            merged["latency"][kind].update(counts)
    return merged


def percentile(counts: Counter, p: float) -> float:
    """The ``p``-th percentile (ms) of a Counter of whole milliseconds."""
    total = sum(counts.values())
    if not total:
        return float("nan")
    rank, seen = min(total - 1, int(p / 100 * total)), 0
    for value in sorted(counts):
        seen += counts[value]
        if seen > rank:
            return value
    return max(counts)




#: gunicorn's worker (workers/base.py) when it ends after MAX_REQUESTS: replaced on purpose.
RECYCLED = "Autorestarting worker after current request"


def worker_deaths(deaths: list[str], boots: int, log_text: str, pids_before: list[int] | None = None,
                  pids_after: list[int] | None = None) -> list[str]:
    """The deaths gunicorn's log shows (bench/appserver.log_events: ``deaths`` and ``boots`` of
    workers after the start), plus what it does not say: a worker pid that changed (``pids_*``,
    for roles with one worker that is never recycled) or a worker booted again without a death
    line or a recycling (``RECYCLED``) to explain it."""
    found = list(deaths)
    if pids_before is not None and pids_after != pids_before and not found:
        found.append(f"worker pid changed: {pids_before} -> {pids_after}")
    recycled = log_text.count(RECYCLED)
    if boots > recycled + len(found):
        found.append(f"{boots} worker boot(s) after the start, {recycled} of them after MAX_REQUESTS")
    return found
