"""Soak: uncached searches, logged-in pages, XLSX imports and a live room, all at once (issue 12 §1).

    .venv/bin/python bench/soak.py                      # 100,000 listings, 1,000 attendees, 600 s
    .venv/bin/python bench/soak.py --n 3000 --seconds 90 --attendees 100    # a short check
    .venv/bin/python bench/soak.py --split              # a live and a pages process, over Redis

It builds a benchmark database (bench/build.py; PostgreSQL at BENCH_PG_URL, or --dialect sqlite)
with the investor of bench/pages.py, a tto of a verified university and bench/roadshow_db.py's
live roadshow, whose questions wait for the host's approval, with N registered attendees
(bench/soak_data.py). It starts the production server as README says (``gunicorn -c
gunicorn.conf.py``, APP_ENV=production, SEARCH_CACHE_SECONDS=0 so that every search misses, its
output in a file): one SERVER_ROLE=all process, where pages and the room share the one worker, or
with --split a SERVER_ROLE=live and a SERVER_ROLE=pages process with Redis as message queue.

The N attendees join the room as room.js does (bench/live_client.py, in load-generator processes
of their own), then for --seconds, at the same time (bench/soak_pages.py, bench/soak_room.py):
uncached searches, a new query every request, from --search-connections connections; the
investor's pages (searches, listing pages, dashboard, notifications, interests, recommendations,
alerts), each from --page-connections; every --import-every seconds an XLSX of --import-rows new
listings uploaded by the tto through the upload form, imported and published; and questions at
--rate per second from --askers attendees, each approved by the host and every --answer-every-th
answered. Every client in the room must receive every numbered event live, in the view it may see
(bench/soak_live.py).

Printed: requests per route with errors, timeouts and bad statuses, p50 / p90 / p99; imports done
and failed (checked in the database too); deliveries delivered / expected and their latency; the
acks' latency; worker deaths from gunicorn's log (signals, exits, timeouts, unexplained boots);
the load average at the start, middle and end; the machine. Any failed request, import or action,
lost delivery, worker death or traceback in the server's log is a FAILURE line and exit status 1.
The servers, load generators and database are removed whatever happens.
"""

import argparse
import asyncio
import math
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback
import uuid
from collections import Counter
from pathlib import Path

from appserver import AppServer
from build import benchmark_database, describe  # first: puts the project on sys.path
from pages import free_port
from roadshow_procs import LoadGenerators, warm
from search import machine
from soak_accounting import RECYCLED, merge_accounts, worker_deaths
from soak_data import ImportFiles, prepare, scalar
from soak_live import soak_loadgen
from soak_pages import IMPORT_TIMEOUT, Importer, LoadSampler, PageLoad, routes
from soak_report import imports_section, live_section, routes_table, server_section
from soak_room import Room
from visitors import Browser, NewQueries


def start_servers(args, url: str, secret: str, workdir: Path) -> dict[str, AppServer]:
    """{"all": server}, or with --split {"live": server, "pages": server}."""
    channel = f"bxqx-soak-{uuid.uuid4().hex[:8]}"
    roles = ("live", "pages") if args.split else ("all",)
    ports = {role: free_port() for role in roles}
    env = {"APP_ENV": "production", "SECRET_KEY": secret, "DATABASE_URL": url,
           "INSTANCE_PATH": str(workdir), "SEARCH_CACHE_SECONDS": "0", "SESSION_COOKIE_SECURE": "0",
           "LOG_LEVEL": "info", "PUBLIC_URL": f"http://127.0.0.1:{ports[roles[0]]}",
           "REDIS_URL": args.redis or "", "SOCKETIO_MESSAGE_QUEUE": args.redis or "",
           "SOCKETIO_CHANNEL": channel, "RATELIMIT_KEY_PREFIX": channel,
           "LIVE_QUESTION_RATE": "100000/minute"}
    servers = {}
    try:
        for role in roles:
            servers[role] = AppServer(ports[role], {**env, "SERVER_ROLE": role},
                                      workdir / f"server-{role}.log")
    except BaseException:
        for server in servers.values():
            server.stop()
        raise
    return servers


def last_seq(url: str, roadshow: int) -> int:
    return scalar(url, "SELECT last_seq FROM live_rooms WHERE roadshow_id = :r", r=roadshow)[0]


async def progress(started: float, room: Room, importer: Importer, servers: dict, events: dict) -> None:
    while True:
        await asyncio.sleep(60)
        for role, server in servers.items():
            events[role].merge(server.new_events())
        deaths = sum(len(e.deaths) for e in events.values())
        print(f"  {time.monotonic() - started:4.0f} s: load {os.getloadavg()[0]:.2f}; "
              f"{room.asked} questions, {len(room.actions)} actions acked ({len(room.slow)} after 8 s), "
              f"{len(room.failures)} failed; "
              f"imports {importer.result.done} done, {len(importer.result.failed)} failed; "
              f"worker deaths {deaths}",
              file=sys.stderr, flush=True)


def server_figures(servers: dict, events: dict, start: dict) -> list[dict]:
    """Deaths (the log's, a changed worker pid, boots not explained by recycling), CPU, RSS."""
    figures = []
    for role, server in servers.items():
        found = events[role]
        found.merge(server.new_events())
        log = server.log_path.read_text(errors="replace")
        single = role != "pages"  # one worker, never recycled
        deaths = worker_deaths(found.deaths, found.boots - start["boots"][role], log,
                               start["pids"][role] if single else None,
                               server.worker_pids() if single else None)
        figures.append({"name": f"{role} (port {server.port})", "deaths": deaths,
                        "recycled": log.count(RECYCLED), "tracebacks": found.tracebacks,
                        "first_traceback": found.first_traceback,
                        "cpu_s": server.cpu_seconds(workers_only=True) - start["cpu"][role],
                        "rss_mib": sum(_rss(pid) for pid in server.worker_pids()) / 1024,
                        "log_lines": len(log.splitlines())})
    return figures


def _rss(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)


def imports_in_database(url: str, tto: str) -> dict:
    batches, rows = scalar(url, "SELECT count(*), coalesce(sum(imported_rows), 0) FROM import_batches "
                                "WHERE state = 'imported'")
    listings = scalar(url, "SELECT count(*) FROM listings WHERE state = 'published' AND created_by_id = "
                           "(SELECT id FROM users WHERE email = :e)", e=tto)[0]
    return {"batches": batches, "imported_rows": rows, "listings": listings}


async def soak(args, servers: dict, data: dict, url: str, workdir: Path) -> dict:
    live, pages = servers.get("live", servers.get("all")), servers.get("pages", servers.get("all"))
    browsers = {who: Browser(pages.port) for who in ("visitor", "investor", "tto")}
    browsers["investor"].login(*data["investor"])
    browsers["tto"].login(*data["tto"])
    with browsers["tto"].opener.open(pages.url + "/manage/imports/template.xlsx", timeout=60) as response:
        template = response.read()
    files = ImportFiles(template, data["taken"], ("压测技术转移专员", data["tto"][0]))
    listed = routes(args, NewQueries(), args.n)
    for route in listed:  # warms every route up, and checks whom each is served to
        browsers[route.who].settle(route.check, logged_in=route.who == "investor")
    await warm([live], data)
    targets = [(live.port, cookie) for cookie in data["attendees"]]
    generators = LoadGenerators(targets, data["roadshow"], False, math.ceil(len(targets) / 1000), None,
                                target=soak_loadgen)
    try:
        generators.send_each(lambda part: ("join", part.all, 100, args.join_timeout))
        joined = await generators.receive("joined", args.join_timeout + 60)
        join_s = max(j["ended"] for j in joined) - min(j["started"] for j in joined)
        print(f"  {sum(j['ok'] for j in joined)} attendees joined in {join_s:.1f} s", file=sys.stderr,
              flush=True)
        room = Room(live.port, data)
        await room.join()
        first = last_seq(url, data["roadshow"])
        events = {role: server.new_events() for role, server in servers.items()}  # the start, warm-up
        start = {"boots": {role: found.boots for role, found in events.items()},
                 "pids": {role: server.worker_pids() for role, server in servers.items()},
                 "cpu": {role: server.cpu_seconds(workers_only=True) for role, server in servers.items()}}
        sampler, started = LoadSampler(), time.monotonic()
        load = PageLoad(pages.port, listed, browsers, args.seconds, args.timeout, args.loader, workdir)
        importer = Importer(browsers["tto"], files, args.import_rows, args.import_every)
        importer.start(args.seconds)
        ticker = asyncio.create_task(progress(started, room, importer, servers, events))
        await room.run(args.seconds, args.rate, args.answer_every, args.approve_delay, generators.check)
        await room.finish(60)
        if not await asyncio.to_thread(load.wait, args.timeout + 120):
            raise RuntimeError("the page load generators did not stop")
        if not await asyncio.to_thread(importer.wait, 2 * IMPORT_TIMEOUT):
            raise RuntimeError("the last import did not end")
        ticker.cancel()
        await asyncio.sleep(args.grace)
        final = last_seq(url, data["roadshow"])
        accounting = {"actions": room.actions, "start": first, "final": final}
        generators.send_each(lambda part: ("stop", 0, accounting))
        answers = await generators.receive("done", 600)
        done = generators.merge(answers)
        disconnected, room_errors = await room.stop()
        sessions = []  # the sessions lasted (wrk counts a redirect to the login page as a success)
        for route in listed:
            try:
                browsers[route.who].settle(route.check, logged_in=route.who == "investor")
            except (RuntimeError, OSError) as error:
                sessions.append(f"pages: {route.name}: after the run: {error}")
    finally:
        generators.close()
    acked = Counter(kind for kind, _sent, _asker in room.actions.values())
    return {"listed": listed, "sessions": sessions, "imports": importer.result, "load": sampler.summary(),
            "servers": server_figures(servers, events, start),
            "checked": imports_in_database(url, data["tto"][0]),
            "live": {"clients": len(targets), "joined": sum(j["ok"] for j in joined), "join_s": join_s,
                     "asked": room.asked, "askers": len(room.askers), "acked": acked, "ack_ms": room.acks,
                     "ack_times": room.ack_times,
                     "start": first, "final": final, "failures": room.failures, "slow": room.slow,
                     "attendees": merge_accounts([answer["account"] for answer in answers]),
                     "actors": room.account(first, final),
                     "disconnected": done["disconnected"] + disconnected,
                     "client_errors": done["errors"] + room_errors}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--n", type=int, default=100_000, help="listings (default 100,000)")
    add("--dialect", choices=("postgresql", "sqlite"), default="postgresql")
    add("--seconds", type=int, default=600)
    add("--attendees", type=int, default=1000)
    add("--askers", type=int, default=4, help="attendees who ask (besides --attendees)")
    add("--rate", type=float, default=2.0, help="questions per second, all askers together")
    add("--approve-delay", type=float, default=1.0, help="seconds from an ack to the host's next action")
    add("--answer-every", type=int, default=2, help="the host answers every n-th question (0: none)")
    add("--search-connections", type=int, default=4,
        help="connections of uncached new-query searches (0: none)")
    add("--page-connections", type=int, default=1, help="connections per logged-in route (0: none)")
    add("--import-rows", type=int, default=200, help="rows per imported file (0: no imports)")
    add("--import-every", type=float, default=60.0, help="seconds between the starts of two imports")
    add("--timeout", type=int, default=10, help="seconds after which a request counts as timed out")
    add("--join-timeout", type=float, default=120.0)
    add("--grace", type=float, default=5.0, help="seconds to wait for the last deliveries")
    add("--split", action="store_true", help="a SERVER_ROLE=live and a SERVER_ROLE=pages process (Redis)")
    add("--redis", help="REDIS_URL for the servers (message queue, rate limits); --split default: "
                        "BENCH_REDIS_URL or redis://127.0.0.1:6379/15")
    add("--loader", choices=("wrk", "python"), default="wrk" if shutil.which("wrk") else "python")
    add("--keep-logs", metavar="FOLDER", help="copy the servers' output there")
    args = parser.parse_args()
    if args.split and not args.redis:
        args.redis = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    if args.keep_logs:  # made now: a folder that cannot be made must not cost a whole run's result
        Path(args.keep_logs).mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up as for Ctrl-C
    layout = "a live and a pages process over Redis" if args.split else \
        f"one SERVER_ROLE=all process{' with Redis' if args.redis else ''}"
    print(f"# soak: {args.seconds} s, {args.n:,} listings on {args.dialect}, {layout}; {args.attendees} "
          f"attendees, {args.rate:g} questions/s from {args.askers}; {args.search_connections} connections "
          f"of new-query searches, {args.page_connections} per logged-in route ({args.loader}); "
          f"{args.import_rows} rows imported every {args.import_every:g} s", flush=True)
    print(f"machine: {machine()}; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="bxqx-soak-"))
    try:
        with benchmark_database(args.dialect, args.n) as built:
            print(describe(built), flush=True)
            data = prepare(built.url, args.attendees, args.askers)
            servers = start_servers(args, built.url, data["secret"], workdir)
            try:
                result = asyncio.run(soak(args, servers, data, built.url, workdir))
            except BaseException:
                for server in servers.values():  # what the server said, before its folder goes
                    print(f"--- {server.log_path.name}\n{server.tail()}", file=sys.stderr)
                raise
            finally:
                for server in servers.values():
                    server.stop()
                if args.keep_logs:
                    for server in servers.values():
                        shutil.copy(server.log_path, Path(args.keep_logs) / server.log_path.name)
    except Exception:
        traceback.print_exc()
        print("FAILURE the run did not complete (see above)", flush=True)
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    problems = routes_table(result["listed"], args.seconds) + result["sessions"]
    problems += imports_section(result["imports"], result["checked"], args.import_rows)
    problems += live_section(result["live"], result["imports"].windows)
    problems += server_section(result["servers"])
    print(f"\nload average (1 min) over the run: {result['load']}")
    print(f"machine: {machine()}")
    for problem in problems:
        print(f"  FAILURE {problem}")
    if problems:
        print(f"FAILED: {len(problems)} problem(s)", flush=True)
        return 1
    print("no failed request, import or action, no lost delivery, no worker death", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
