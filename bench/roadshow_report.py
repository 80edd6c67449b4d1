"""Figures and failures of a bench/roadshow.py run, from what the load generators, the asker and the
servers reported."""

import sys


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def first_receipts(client_receipts) -> dict[int, tuple[float, int]]:
    """Question number -> (latency ms, port) of its first live receipt by one client."""
    seen = {}
    for number, latency, port in client_receipts:
        seen.setdefault(number, (latency, port))
    return seen


def print_timeline(receipts) -> None:
    """Latency of each question across the clients: a pause of the server shows as a run of slow ones."""
    per_question: dict[int, list[float]] = {}
    for client_receipts in receipts:
        for number, (latency, _) in first_receipts(client_receipts).items():
            per_question.setdefault(number, []).append(latency)
    for number in sorted(per_question):
        values = sorted(per_question[number])
        print(f"  question {number:4d}: min {values[0]:6.0f}  p50 {values[len(values) // 2]:6.0f}  "
              f"max {values[-1]:6.0f} ms", file=sys.stderr)


def client_errors(joins: list[dict]) -> list[str]:
    return [error for join in joins for error in join["errors"]]


def summarise_fanout(args, done: dict, asked: dict, first_port: int) -> dict:
    """Every client was in the room before the first question: each must get every question."""
    numbers = set(range(args.questions))
    delivered, latencies, other, other_expected = 0, [], 0, 0
    for client_receipts in done["receipts"]:
        seen = first_receipts(client_receipts)
        delivered += len(seen.keys() & numbers)
        latencies += [latency for latency, _ in seen.values()]
        if client_receipts and args.processes > 1 and client_receipts[0][2] != first_port:
            other += len(seen)
            other_expected += len(numbers)
    return {"delivered": delivered, "expected": len(done["receipts"]) * len(numbers),
            "p50": percentile(latencies, 50), "p99": percentile(latencies, 99),
            "max": max(latencies, default=float("nan")), "cross": (other, other_expected)}


def summarise_storm(observers: set[int], done: dict, asked: dict, storm: dict) -> dict:
    """Joins and deliveries of a join storm.

    Observers were in the room before the first question: each must get every acked question live.
    A joiner must get live every question sent after its sync was answered, and find in its
    snapshot every question acked before it sent its sync (those in between may come either way).
    Latency: every live receipt of a question sent while the joins were under way.
    """
    sent, acked_at = asked["sent"], asked["acked_at"]
    joiners = [i for i in range(len(done["joins"])) if i not in observers]
    ended = [done["joins"][i]["synced_at"] for i in joiners if done["joins"][i]["joined"]]
    window = (storm["started"], max(ended, default=storm["started"]))
    lost, expected, latencies = 0, 0, []
    for index, (join, client_receipts) in enumerate(zip(done["joins"], done["receipts"], strict=True)):
        seen = first_receipts(client_receipts)
        latencies += [latency for number, (latency, _) in seen.items()
                      if window[0] <= sent[number] <= window[1]]
        if index in observers:
            must = set(acked_at)
            lost += len(must - seen.keys())
            expected += len(must)
        elif join["joined"]:
            live = {n for n in acked_at if sent[n] > join["synced_at"]}
            in_snapshot = {n for n, at in acked_at.items() if at < join["sync_sent_at"]}
            lost += len(live - seen.keys()) + len(in_snapshot - set(join["snapshot"]))
            expected += len(live) + len(in_snapshot)
    return {"joined": len(ended), "joiners": len(joiners), "join_s": window[1] - window[0],
            "lost": lost, "checked": expected, "window_receipts": len(latencies),
            "questions": len(acked_at), "p50": percentile(latencies, 50),
            "p99": percentile(latencies, 99), "max": max(latencies, default=float("nan"))}


def problems(args, result: dict) -> list[str]:
    """Everything that makes the run a failure, as sentences."""
    found = []
    errors = result["client_errors"]
    if errors and not args.churn:  # with --churn, refused reconnects during the restart are expected
        samples = "; ".join(sorted(set(errors))[:5])
        found.append(f"{len(errors)} failed client attempts or syncs (e.g. {samples})")
    if result["disconnected"] and not args.churn:
        found.append(f"{result['disconnected']} clients were disconnected before the end")
    if result["connected"] < result["clients"]:
        found.append(f"only {result['connected']} of {result['clients']} clients joined "
                     "(connected and synced)")
    if "lost" in result and result["lost"]:
        found.append(f"{result['lost']} of {result['checked']} deliveries lost during the join storm")
    if result.get("delivered", 0) < result.get("expected", 0) and not args.churn:
        found.append(f"{result['expected'] - result['delivered']} of {result['expected']} deliveries lost")
    if args.processes > 1 and result["cross"][0] < result["cross"][1]:
        found.append(f"cross-process deliveries {result['cross'][0]} of {result['cross'][1]}")
    found += [f"asker: {error}" for error in result["asker_errors"]]
    if result["unacked"]:
        found.append(f"asker: {result['unacked']} question(s) never acked")
    if result["asker_timeouts"] and not args.churn:
        found.append(f"asker: {result['asker_timeouts']} ack timeout(s)")
    found += [f"server: {death}" for death in result["deaths"]]
    if result["tracebacks"]:
        found.append(f"server: {result['tracebacks']} Python traceback(s) in its log; the first:\n"
                     f"{result['first_traceback']}")
    if "acked" in result:
        if result["acked_once"] != result["acked"] or result["duplicates"] or result["unacked_stored"]:
            found.append("churn: the stored questions differ from the acked ones")
        if result["lists_equal"] != result["lists"] or result["not_caught_up"]:
            found.append(f"churn: {result['lists'] - result['lists_equal']} client lists differ from the "
                         f"database, {result['not_caught_up']} clients not caught up")
    return found


def describe(result: dict) -> str:
    line = f"joined {result['connected']:.0f}/{result['clients']:.0f} in {result['connect_s']:.1f} s; "
    if "join_s" in result:
        line += (f"join storm: {result['joined']:.0f}/{result['joiners']:.0f} joined (connected and "
                 f"synced) in {result['join_s']:.1f} s while {result['questions']} questions were asked; "
                 f"latency of the {result['window_receipts']} deliveries during the joins "
                 f"p50 {result['p50']:.0f} ms, p99 {result['p99']:.0f} ms, max {result['max']:.0f} ms; "
                 f"lost {result['lost']} of "
                 f"{result['checked']} checked deliveries")
        met = (result["joiners"] >= 1000 and result["joined"] == result["joiners"]
               and result["join_s"] <= 10 and result["p99"] <= 150)
        line += f" (target: 1,000 joins in <= 10 s with p99 <= 150 ms: {'MET' if met else 'NOT MET'})"
    else:
        live = " live" if "acked" in result else ""
        share = 100 * result["delivered"] / max(1, result["expected"])
        line += (f"delivered{live} {result['delivered']:.0f}/{result['expected']:.0f} ({share:.2f} %); "
                 f"latency p50 {result['p50']:.0f} ms, p99 {result['p99']:.0f} ms, "
                 f"max {result['max']:.0f} ms")
    line += f"; server RSS {result['kib_per_conn']:.0f} KiB per connection"
    if result.get("server_cpu_s") == result.get("server_cpu_s"):
        line += f"; server CPU {result['server_cpu_s']:.1f} s while asking"
    line += (f"; failed client attempts {len(result['client_errors'])}; "
             f"machine load average {result['load']:.1f}")
    if result.get("cross", (0, 0))[1]:
        other, expected = result["cross"]
        line += f"; cross-process {other}/{expected} ({100 * other / max(1, expected):.2f} %)"
    if "acked" in result:
        line += (f"\n  churn: {result['acked']} questions acked, {result['acked_once']} stored exactly once, "
                 f"{result['duplicates']} duplicates, {result['unacked_stored']} stored but unacked; "
                 f"{result['lists_equal']}/{result['lists']} client lists equal the database")
    return line
