"""What bench/soak.py prints at the end, and the failures it finds (each a ``FAILURE`` line; any of
them makes the exit status 1)."""

import math
import statistics
from collections import Counter

from live_client import ACK_TIMEOUT
from loadgen import ERRORS, failures
from pages import pad
from soak_accounting import percentile


def _ms(value: float) -> str:
    return "-" if value != value else f"{value:,.0f}"  # NaN: nothing measured


def routes_table(listed, seconds: int) -> list[str]:
    problems = []
    print(f"\npages ({seconds} s, every route at once; errors: connect/read/write socket errors)")
    print(f"{'route':34} {'conns':>5} {'requests':>8} {'req/s':>6} {'p50 ms':>7} {'p90 ms':>7} "
          f"{'p99 ms':>7} {'errors':>6} {'timeouts':>8} {'non-2xx/3xx':>11}")
    for route in listed:
        row = route.figures
        if not row:
            print(f"{pad(route.name, 34)} {route.connections:>5}   no figures: {route.error}")
            problems.append(f"pages: {route.name}: the load did not complete ({route.error})")
            continue
        errors = row["connect"] + row["read"] + row["write"]
        print(f"{pad(route.name, 34)} {route.connections:>5} {row['requests']:>8} {row['rps']:>6.1f} "
              f"{row['p50']:>7.0f} {row['p90']:>7.0f} {row['p99']:>7.0f} {errors:>6} {row['timeout']:>8} "
              f"{row['status']:>11}")
        if failures(row):
            problems.append(f"pages: {route.name}: " + ", ".join(f"{kind} {row[kind]}" for kind in ERRORS))
        if not row["requests"]:
            problems.append(f"pages: {route.name}: no request was answered")
        if row.get("reused") and len(route.paths) > 1000:
            print(f"  note: {route.name}: the list of new queries ran out and was repeated")
    return problems


def imports_section(result, checked: dict, rows: int) -> list[str]:
    if rows <= 0:
        print("\nimports: none (--import-rows 0)")
        return []
    problems = [f"imports: {failure}" for failure in result.failed]
    times = (f"upload and check p50 {statistics.median(result.upload_s):.1f} s, max "
             f"{max(result.upload_s):.1f} s; import and publish p50 "
             f"{statistics.median(result.import_s):.1f} s, max {max(result.import_s):.1f} s"
             ) if result.import_s else "no import completed"
    print(f"\nimports (XLSX of {rows} rows through the upload form, then imported and published): "
          f"{result.done} done, {len(result.failed)} failed; {times}")
    print(f"  database: {checked['batches']} batches imported, {checked['imported_rows']} rows; "
          f"{checked['listings']} listings of the tto published")
    if result.done + len(result.failed) == 0:
        problems.append("imports: none was attempted")
    if checked["batches"] != result.done or checked["imported_rows"] != result.rows \
            or checked["listings"] != result.rows:
        problems.append(f"imports: the database holds {checked['batches']} imported batches, "
                        f"{checked['imported_rows']} rows and {checked['listings']} published listings; "
                        f"the tto saw {result.done} imports of {rows} rows")
    return problems


def _latency(counts: Counter) -> str:
    highest = max(counts, default=math.nan)
    return f"{_ms(percentile(counts, 50))} / {_ms(percentile(counts, 99))} / {_ms(highest)}"


def live_section(live: dict, windows: list) -> list[str]:
    problems = []
    attendees, actors = live["attendees"], live["actors"]
    print(f"\nlive room: {live['joined']}/{live['clients']} attendees joined in {live['join_s']:.1f} s; "
          f"{live['asked']} questions asked by {live['askers']} attendees, {live['acked']['approve']} "
          f"approved and {live['acked']['answer']} answered by the host; numbers {live['start'] + 1} "
          f"to {live['final']}")
    for name, account in (("attendees", attendees), ("host and askers", actors)):
        share = 100 * account["delivered"] / account["expected"] if account["expected"] else math.nan
        print(f"  deliveries to the {name}: {account['delivered']:,}/{account['expected']:,} "
              f"({share:.3f} %), wrong views {account['wrong']}")
        if account["missing"] or account["wrong"]:
            problems.append(f"live: {name}: {account['missing']} deliveries lost, {account['wrong']} in "
                            f"the wrong view (e.g. {'; '.join(account['examples'][:3])})")
    total = {kind: attendees["latency"][kind] + actors["latency"][kind] for kind in attendees["latency"]}
    every = sum(total.values(), start=Counter())
    print(f"  delivery latency from the action's send, ms p50 / p99 / max: all {_latency(every)}; "
          + "; ".join(f"{kind} {_latency(counts)}" for kind, counts in total.items()))
    print("  ack latency, ms p50 / p99 / max: " + "; ".join(
        f"{kind} {_ms(_pct(values, 50))} / {_ms(_pct(values, 99))} / {_ms(max(values, default=math.nan))}"
        for kind, values in live["ack_ms"].items()))
    if windows:
        during = [ms for sent, ms in live["ack_times"] if any(a <= sent <= b for a, b in windows)]
        other = [ms for sent, ms in live["ack_times"] if not any(a <= sent <= b for a, b in windows)]
        print(f"  acks of actions sent while an import ran: {len(during)}, p50 / p99 "
              f"{_ms(_pct(during, 50))} / {_ms(_pct(during, 99))} ms; the other {len(other)}: "
              f"{_ms(_pct(other, 50))} / {_ms(_pct(other, 99))} ms")
    if attendees["unattributed"]:
        print(f"  note: {attendees['unattributed']} numbers without an acked action (checked for "
              "delivery only)")
    problems += [f"live: {failure}" for failure in live["failures"][:10]]
    if len(live["failures"]) > 10:
        problems.append(f"live: {len(live['failures']) - 10} more failed actions")
    if live["slow"]:
        worst = sorted(live["slow"], key=lambda text: float(text.split()[1]))[-3:]
        problems.append(f"live: {len(live['slow'])} actions acked later than room.js waits "
                        f"({ACK_TIMEOUT:.0f} s; it then shows an error or sends again); the slowest: "
                        f"{', '.join(reversed(worst))}")
    if live["joined"] < live["clients"]:
        problems.append(f"live: only {live['joined']} of {live['clients']} attendees joined")
    if live["disconnected"]:
        problems.append(f"live: {live['disconnected']} clients were disconnected before the end")
    if live["client_errors"]:
        samples = "; ".join(sorted(set(live["client_errors"]))[:5])
        problems.append(f"live: {len(live['client_errors'])} failed client attempts or syncs "
                        f"(e.g. {samples})")
    if not live["final"] > live["start"]:
        problems.append("live: no event was numbered during the run")
    return problems


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else math.nan


def server_section(servers: list[dict]) -> list[str]:
    problems = []
    for server in servers:
        deaths = server["deaths"]
        print(f"\nserver {server['name']}: worker deaths {len(deaths)} (signals, exits, timeouts, "
              f"unexplained boots); recycled after MAX_REQUESTS {server['recycled']}; Python tracebacks "
              f"{server['tracebacks']}; worker CPU {server['cpu_s']:.0f} s during the run; "
              f"RSS at the end {server['rss_mib']:.0f} MiB; log {server['log_lines']} lines")
        problems += [f"server {server['name']}: {death}" for death in deaths]
        if server["tracebacks"]:
            problems.append(f"server {server['name']}: {server['tracebacks']} Python traceback(s) in its "
                            f"log; the first:\n{server['first_traceback']}")
    return problems
