"""Roadshow live-room benchmark: fan-out of questions to N WebSocket attendees of one roadshow.

    .venv/bin/python bench/roadshow.py                          # 1,000 clients, 100 questions at 10/s
    .venv/bin/python bench/roadshow.py --clients 2000 --runs 3
    .venv/bin/python bench/roadshow.py --processes 2            # two servers over Redis
    .venv/bin/python bench/roadshow.py --churn                  # reconnect 10 %, restart the server
    .venv/bin/python bench/roadshow.py --join-storm --clients 1000   # 1,000 join at once

Each run builds a fresh database (PostgreSQL at BENCH_PG_URL, or --dialect sqlite) with a live
roadshow whose questions need no approval, its attendees and one asker; starts the production
server (gunicorn -c gunicorn.conf.py: one gevent WebSocket worker per process; with --processes 2
a second one on another port, both on Redis as the Socket.IO message queue) and connects raw
Engine.IO clients (bench/live_client.py, asyncio, in 1-2 load-generator processes) that do what
the browser's room.js does: the namespace connect with ``{roadshow}``, then ``sync {after: null}``
(a snapshot), and a catch-up ``sync`` every 30-45 s. A client counts as joined once its sync is
answered. The asker sends questions at R per second, each with a UUID and its send time.

Fan-out (default): N clients join (100 at a time), then M questions. Printed: clients joined and
the time it took, delivered / expected (every client must get every question), latency p50 / p99 /
max (from the asker's send, through the commit and broadcast, to each client's receipt), server
RSS per connection and CPU. With --processes 2: the share delivered to the other process's
clients. With --churn: 10 % of clients reconnect half way and the worker is killed (SIGKILL) once;
every acked question must then be stored exactly once and each client's list equal the database's.

--join-storm: K observers join first; questions start; then N attendees join all at once. Printed:
the time until all N are connected and synced, how many made it (must be all), the latency of
every delivery of a question sent while the joins were under way, and the deliveries checked
(observers: every question; a joiner: every question sent after its sync was answered, live, and
every question acked before it asked, in its snapshot). Questions go on --after-storm seconds more.

Every wait has a timeout; on any failure or interruption the servers, the load generators and the
database are removed. Every lost delivery, failed client attempt, unacked or refused question,
worker death or traceback in the server's log is printed as FAILURE and the exit status is 1.
On a quiet machine, --pin puts the server on core 0 and the load generators on core 1.
"""

import argparse
import asyncio
import os
import shutil
import signal
import statistics
import sys
import tempfile
import traceback
import uuid
from pathlib import Path

from appserver import AppServer
from build import _create_postgres, _drop_postgres  # puts the project on sys.path
from roadshow_db import SECRET, build_database, check_database
from roadshow_procs import Asker, LoadGenerators, free_port, warm
from roadshow_report import describe, print_timeline, problems, summarise_fanout, summarise_storm
from search import machine


def start_servers(args, url: str, workdir: Path) -> list[AppServer]:
    channel = f"bxqx-bench-{uuid.uuid4().hex[:8]}"
    pin = args.pin and (os.cpu_count() or 1) >= 2 and args.processes == 1
    servers = []
    for index in range(args.processes):
        port = free_port()
        env = {"APP_ENV": "development", "SECRET_KEY": SECRET, "DATABASE_URL": url,
               "INSTANCE_PATH": str(workdir), "PUBLIC_URL": f"http://127.0.0.1:{port}", "REDIS_URL": "",
               "RATELIMIT_STORAGE_URI": "memory://", "LOG_LEVEL": "info",
               "LIVE_QUESTION_RATE": "100000/minute", "SOCKETIO_CHANNEL": channel,
               "SOCKETIO_MESSAGE_QUEUE": args.redis if args.processes > 1 else ""}
        servers.append(AppServer(port, env, workdir / f"server-{index}.log", cpu=0 if pin else None,
                                 ready_path="/auth/login"))
    return servers


async def fanout(args, servers, data, generators: LoadGenerators, url: str) -> dict:
    generators.send_each(lambda part: ("join", part.all, 100, args.join_timeout))
    joined = await generators.receive("joined", args.join_timeout + 60)
    result = {"connected": sum(j["ok"] for j in joined),
              "connect_s": max(j["ended"] for j in joined) - min(j["started"] for j in joined),
              "rss_after": sum(s.rss_kib() for s in servers)}
    print(f"  {result['connected']} joined in {result['connect_s']:.1f} s; asking {args.questions} "
          f"questions at {args.rate:g}/s", file=sys.stderr, flush=True)
    cpu = sum(s.cpu_seconds(workers_only=True) for s in servers)
    asker = Asker(servers[0].port, data["asker"], data["roadshow"])
    await asker.connect()
    hooks = {}
    if args.churn:
        async def churn():
            generators.send_each(lambda part: ("churn",))

        async def restart():
            await asyncio.get_running_loop().run_in_executor(None, servers[0].kill_worker)

        hooks = {args.questions // 2: churn, int(args.questions * 0.7): restart}
    await asker.ask(args.rate, count=args.questions, hooks=hooks, check=generators.check)
    await asker.finish(120)
    await asyncio.sleep(args.grace)
    result["server_cpu_s"] = float("nan") if args.churn else \
        sum(s.cpu_seconds(workers_only=True) for s in servers) - cpu
    generators.send_each(lambda part: ("stop", 180))
    done = generators.merge(await generators.receive("done", 300))
    if args.timeline:
        print_timeline(done["receipts"])
    result.update(summarise_fanout(args, done, asker.report(), servers[0].port))
    if args.churn:
        check = check_database(url, data["roadshow"], asker.acked)
        result.update({"acked": len(asker.acked), "acked_once": check["acked_once"],
                       "duplicates": check["duplicates"], "unacked_stored": check["unacked_stored"],
                       "lists_equal": sum(1 for ids in done["lists"] if set(ids) == check["ids"]),
                       "lists": len(done["lists"]), "not_caught_up": done["not_caught_up"]})
    return {**result, **asker.totals(), "client_errors": done["errors"],
            "disconnected": done["disconnected"]}


async def join_storm(args, servers, data, generators: LoadGenerators) -> dict:
    observers = set(range(args.observers))
    generators.send_each(lambda part: ("join", part.among(observers), 100, args.join_timeout))
    await generators.receive("joined", args.join_timeout + 60)
    asker = Asker(servers[0].port, data["asker"], data["roadshow"])
    await asker.connect()
    stop = asyncio.Event()
    asking = asyncio.create_task(asker.ask(args.rate, stop=stop, check=generators.check))
    await asyncio.sleep(1.0)  # the room is busy when the doors open
    cpu = sum(s.cpu_seconds(workers_only=True) for s in servers)
    print(f"  {len(observers)} observers in; {args.clients} join at once", file=sys.stderr, flush=True)
    generators.send_each(lambda part: ("join", part.outside(observers), None, args.storm_timeout))
    joined = await generators.receive("joined", args.storm_timeout + 60)
    storm = {"started": min(j["started"] for j in joined)}
    rss_after = sum(s.rss_kib() for s in servers)
    await asyncio.sleep(args.after_storm)  # every joiner must get these live
    stop.set()
    await asking
    await asker.finish(60)
    server_cpu = sum(s.cpu_seconds(workers_only=True) for s in servers) - cpu
    await asyncio.sleep(args.grace)
    generators.send_each(lambda part: ("stop", 0))
    done = generators.merge(await generators.receive("done", 120))
    if args.timeline:
        print_timeline(done["receipts"])
    result = summarise_storm(observers, done, asker.report(), storm)
    result.update(connected=sum(1 for j in done["joins"] if j["joined"]),
                  connect_s=result["join_s"], rss_after=rss_after, server_cpu_s=server_cpu)
    return {**result, **asker.totals(), "client_errors": done["errors"],
            "disconnected": done["disconnected"]}


def run_once(args, run: int) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="bxqx-roadshow-bench-"))
    pg_name = f"bxqx_bench_live_{os.getpid()}_{run}"
    servers, generators = [], None
    try:
        url = _create_postgres(pg_name) if args.dialect == "postgresql" else \
            f"sqlite:///{workdir / 'bench.db'}"
        clients = args.clients + (args.observers if args.join_storm else 0)
        data = build_database(url, clients)
        servers = start_servers(args, url, workdir)
        asyncio.run(warm(servers, data))  # imports, first queries: the RSS delta is the connections'
        for server in servers:
            server.new_events()
        rss_before, load_before = sum(s.rss_kib() for s in servers), os.getloadavg()[0]
        targets = [(servers[i % len(servers)].port, cookie) for i, cookie in enumerate(data["cookies"])]
        parts = args.loadgens or (1 if clients <= 1000 else 2)
        pin = args.pin and (os.cpu_count() or 1) >= 2
        generators = LoadGenerators(targets, data["roadshow"], args.churn, parts, 1 if pin else None)
        measure = join_storm(args, servers, data, generators) if args.join_storm else \
            fanout(args, servers, data, generators, url)
        result = asyncio.run(measure)
        killed = [f"(pid:{pid})" for pid in servers[0].killed]  # on purpose: --churn
        events = [server.new_events() for server in servers]
        result.update(clients=clients,
                      kib_per_conn=(result.pop("rss_after") - rss_before) / max(1, result["connected"]),
                      load=(load_before + os.getloadavg()[0]) / 2,
                      deaths=[d for e in events for d in e.deaths if not any(k in d for k in killed)],
                      tracebacks=sum(e.tracebacks for e in events),
                      first_traceback=next((e.first_traceback for e in events if e.first_traceback), ""))
        if result["deaths"]:
            result["server_cpu_s"] = float("nan")  # a dead worker's CPU time is gone from /proc
        return result
    except BaseException:
        for server in servers:  # what the server said, before its folder goes
            print(f"--- {server.log_path.name}\n{server.tail()}", file=sys.stderr)
        raise
    finally:
        if generators is not None:
            generators.close()
        for server in servers:
            server.stop()
        if args.dialect == "postgresql":
            _drop_postgres(pg_name)
        if args.keep_logs:
            for server in servers:
                shutil.copy(server.log_path, Path(args.keep_logs) / f"run{run}-{server.log_path.name}")
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=1000, help="attendees (the joiners of a storm)")
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--rate", type=float, default=10.0, help="questions per second")
    parser.add_argument("--processes", type=int, default=1, choices=(1, 2))
    parser.add_argument("--churn", action="store_true")
    parser.add_argument("--join-storm", action="store_true", help="N attendees join at once (see above)")
    parser.add_argument("--observers", type=int, default=20, help="join storm: attendees in the room before")
    parser.add_argument("--storm-timeout", type=float, default=60.0,
                        help="join storm: seconds for all to join")
    parser.add_argument("--after-storm", type=float, default=2.0,
                        help="join storm: seconds of questions after the joins")
    parser.add_argument("--join-timeout", type=float, default=120.0, help="seconds for the clients to join")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--dialect", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"))
    parser.add_argument("--loadgens", type=int, default=0,
                        help="load-generator processes (default 1 per 1,000 clients)")
    parser.add_argument("--grace", type=float, default=3.0, help="seconds to wait for the last deliveries")
    parser.add_argument("--timeline", action="store_true",
                        help="print each question's latency across the clients (to see pauses)")
    parser.add_argument("--keep-logs", metavar="FOLDER", help="copy the servers' output there")
    parser.add_argument("--pin", action="store_true",
                        help="pin the server to core 0 and the clients to core 1 (on a quiet machine)")
    args = parser.parse_args()
    if args.join_storm and args.churn:
        parser.error("--join-storm and --churn are separate runs")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up as for Ctrl-C
    mode = "join storm" if args.join_storm else "fan-out"
    print(f"# roadshow {mode}: {args.clients} clients"
          f"{f' after {args.observers} observers' if args.join_storm else ''}, questions at {args.rate:g}/s, "
          f"{args.processes} server process(es){' over Redis' if args.processes > 1 else ''}, "
          f"{args.dialect}{', churn' if args.churn else ''}; {machine()}; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    results, failed = [], []
    for run in range(1, args.runs + 1):
        try:
            result = run_once(args, run)
        except Exception:
            traceback.print_exc()
            print(f"run {run}: FAILURE the run did not complete (see above)", flush=True)
            return 1
        results.append(result)
        print(f"run {run}: {describe(result)}", flush=True)
        for problem in problems(args, result):
            print(f"  FAILURE {problem}", flush=True)
            failed.append(problem)
    if args.runs > 1:
        numeric = [k for k, v in results[0].items() if isinstance(v, int | float) and not isinstance(v, bool)]
        medians = {**results[0], **{key: statistics.median(r[key] for r in results) for key in numeric}}
        print(f"median of {args.runs}: {describe(medians)}", flush=True)
    if failed:
        print(f"FAILED: {len(failed)} problem(s)", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
