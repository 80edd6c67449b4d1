"""Mixed load through the production set-up (deploy/check.py: nginx, two live and two pages
processes, an RQ worker, PostgreSQL, Redis), everything at once:

- 200 concurrent HTTP users (``--users``) browsing (home, listing index, listing pages) and
  searching (the search mix of bench/pages.py), half of them logged in as an investor, half
  visitors, each on a keep-alive connection, pausing between two requests as a person reads the
  page (``--think``, mean 5 s, exponentially distributed; 0: the next request as soon as the last
  is answered) (bench/loadgen.py's Python load generator);
- 1,000 live-room attendees (``--attendees``; bench/live_client.py's clients in load-generator
  processes, over WebSockets through nginx, spread over both live processes by nginx) while one
  attendee asks ``--rate`` questions a second;
- an XLSX import of ``--import-rows`` rows, uploaded and imported through the pages, checked and
  imported by the worker.

It prints page p95 and search p95 (ms, as the users see them through nginx), the room's fan-out
p50/p99 (question sent -> received by each attendee) and the share delivered, the import's time,
every error and timeout, and the load average. Goals on 2 cores: page p95 <= 150 ms, room p99
<= 250 ms, 100 % delivered; any error, timeout or undelivered question makes the exit status 1
(a goal missed is reported, with the load average, and makes it 2).

    .venv/bin/python bench/mixed.py                 # the issue's figures (about 3-4 minutes)
    .venv/bin/python bench/mixed.py --users 20 --attendees 100 --seconds 15   # a quick look

Needs PostgreSQL at 127.0.0.1:5432, Redis and nginx, as the deploy check does.
"""

import argparse
import asyncio
import io
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

from build import ROOT  # noqa: F401  (first: puts the project on sys.path)
from cpu_roles import CpuRoles
from live_client import USER_AGENT
from loadgen import ERRORS, failures, percentile, python_load
from roadshow_db import SECRET, build_database
from roadshow_procs import Asker, LoadGenerators
from roadshow_report import summarise_fanout
from search import machine
from visitors import Browser, create_investor

from deploy.check import DATABASE_URL, REDIS_URL, Stack

TERMS = ("电池", "锂离子电池", "传感器", "深度学习", "芯片", "石墨烯", "疫苗", "水稻", "机器人", "污水",
         "储能系统", "故障诊断", "正极材料", "钛合金", "自动驾驶", "激光雷达", "育种")
SEARCHES = ([f"/listings?q={quote(term)}" for term in TERMS]
            + [f"/listings?q={quote(term)}&grade=A" for term in TERMS[:6]]
            + [f"/listings?q={quote(term)}&sort=newest" for term in TERMS[6:12]]
            + [f"/listings?q={quote(term)}&page=2" for term in TERMS[12:]])
GOAL_PAGE_P95, GOAL_ROOM_P99 = 150.0, 250.0


def seed(url: str, listings: int, attendees: int) -> dict:
    """Listings to browse and search, the live roadshow with its attendees (session cookies), an
    investor with a password; the ids of some listings."""
    import sqlalchemy as sa

    from marketplace import create_app
    from marketplace.extensions import db
    from marketplace.listings import bulk
    from marketplace.listings.models import Listing

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
    with app.app_context():
        bulk.load(listings, 2026)
        ids = list(db.session.scalars(sa.select(Listing.id).order_by(Listing.id).limit(2000)))
        db.session.remove()
        db.engine.dispose()
    data = build_database(url, attendees)
    data["listing_ids"] = ids
    data["investor"] = create_investor(url)
    return data


def import_rows(count: int) -> bytes:
    """A spreadsheet of ``count`` valid non-patent achievements (as a tto types them)."""
    sys.path.insert(0, str(ROOT))
    from tests.imports_support import good_rows, xlsx

    template = good_rows()[2]
    return xlsx([{**template, "title": f"混合负载导入成果 {n:05d} 号工艺包"} for n in range(count)])


class Import(threading.Thread):
    """Upload the file as the host (a tto), wait for the worker's check, import, wait again."""

    def __init__(self, stack: Stack, cookie: str, content: bytes):
        super().__init__(daemon=True)
        self.stack, self.cookie, self.content = stack, cookie, content
        self.result: dict = {}

    def run(self) -> None:
        import re

        import requests
        import sqlalchemy as sa

        token = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
        started = time.monotonic()
        try:
            # The session cookie by hand: the server's new one (with the CSRF token) replaces it.
            headers = {"User-Agent": USER_AGENT, "Cookie": self.cookie}

            def get(path: str) -> str:
                response = requests.get(self.stack.url + path, headers=headers, timeout=30)
                if "session" in response.cookies:
                    headers["Cookie"] = f"session={response.cookies['session']}"
                return response.text

            def post(path: str, **kwargs):
                return requests.post(self.stack.url + path, headers=headers, allow_redirects=False,
                                     timeout=60, **kwargs)

            form = get("/manage/imports/new")
            uploaded = post("/manage/imports/new", data={"csrf_token": token.search(form).group(1)},
                            files={"file": ("成果.xlsx", io.BytesIO(self.content))})
            if uploaded.status_code != 302:
                self.result["error"] = f"the upload got {uploaded.status_code}: {uploaded.text[:300]}"
                return
            batch = int(re.search(r"/manage/imports/(\d+)", uploaded.headers["Location"]).group(1))
            engine = sa.create_engine(self.stack.database_url)

            def wait(state: str) -> str:
                while time.monotonic() - started < 600:
                    with engine.connect() as connection:
                        now = connection.scalar(sa.text(
                            "SELECT state FROM import_batches WHERE id = :id"), {"id": batch})
                    if now.lower() in (state, "failed"):
                        return now.lower()
                    time.sleep(0.5)
                return "timeout"

            checked = wait("validated")
            self.result["checked_s"] = time.monotonic() - started
            if checked != "validated":
                self.result["error"] = f"the check ended {checked}"
                return
            page = get(f"/manage/imports/{batch}")
            started_import = post(f"/manage/imports/{batch}/import",
                                  data={"csrf_token": token.search(page).group(1), "publish": "y"})
            if started_import.status_code != 302:
                self.result["error"] = f"the import got {started_import.status_code}"
                return
            done = wait("imported")
            self.result["imported_s"] = time.monotonic() - started
            if done != "imported":
                self.result["error"] = f"the import ended {done}"
            engine.dispose()
        except Exception as error:  # noqa: BLE001 - reported as a failure of the run
            self.result["error"] = repr(error)


def http_load(port: int, paths: list[str], seconds: int, users: int, headers: dict,
              results: dict, key: str, think: float, seed: int) -> None:
    results[key] = python_load(port, paths, seconds, users, headers, timeout=10, think=think,
                               seed=seed)


async def room(stack: Stack, data: dict, args, generators: LoadGenerators, started: threading.Event):
    generators.send_each(lambda part: ("join", part.all, 100, 180))
    joined = await generators.receive("joined", 300)
    connected = sum(j["ok"] for j in joined)
    print(f"  {connected} attendees joined in "
          f"{max(j['ended'] for j in joined) - min(j['started'] for j in joined):.1f} s", flush=True)
    asker = Asker(stack.port, data["asker"], data["roadshow"])
    await asker.connect()
    started.set()  # the HTTP users and the import start now
    await asyncio.sleep(1.0)
    await asker.ask(args.rate, count=int(args.rate * (args.seconds - 2)), check=generators.check)
    await asker.finish(120)
    await asyncio.sleep(3.0)
    generators.send_each(lambda part: ("stop", 60))
    done = generators.merge(await generators.receive("done", 300))
    figures = summarise_fanout(SimpleNamespace(questions=len(asker.sent), processes=1), done,
                               asker.report(), stack.port)
    return {**figures, **asker.totals(), "connected": connected, "client_errors": done["errors"],
            "disconnected": done["disconnected"]}


def warm_up(stack: Stack, browsers) -> None:
    """A deployment in its steady state, not one just loaded: the tables the seed filled are
    analysed (autovacuum would do it during the run), and both pages processes have served the
    home page, the listing index and each search once for each browser (their facet bitsets now
    hold the seeded listings; the searches are cached as a running site's are)."""
    import sqlalchemy as sa

    started = time.monotonic()
    engine = sa.create_engine(stack.database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text("VACUUM ANALYZE"))
    engine.dispose()
    requests = 0
    for browser in browsers:
        for path in ["/", "/listings", *SEARCHES]:
            for _ in range(len(stack.pages)):  # nginx takes the pages processes in turn
                browser.get(path)
                requests += 1
    print(f"warmed up: VACUUM ANALYZE and {requests} requests in {time.monotonic() - started:.1f} s",
          flush=True)


def by_ten_seconds(timeline: list[tuple[float, float, str]]) -> list[tuple[int, float]]:
    """(start of each 10 s of the run, the p95 of the latencies answered then)."""
    buckets: dict[int, list[float]] = {}
    for moment, latency, _ in timeline:
        buckets.setdefault(int(moment // 10) * 10, []).append(latency)
    return [(start, percentile(sorted(values), 95)) for start, values in sorted(buckets.items())]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200, help="concurrent HTTP users (default 200)")
    parser.add_argument("--attendees", type=int, default=1000, help="live-room attendees (default 1,000)")
    parser.add_argument("--seconds", type=int, default=60, help="length of the mixed load (default 60)")
    parser.add_argument("--think", type=float, default=5.0,
                        help="a user's mean pause between two requests, in seconds (default 5; "
                             "0: the next request as soon as the last is answered)")
    parser.add_argument("--rate", type=float, default=5.0, help="questions a second (default 5)")
    parser.add_argument("--listings", type=int, default=20_000, help="listings (default 20,000)")
    parser.add_argument("--import-rows", type=int, default=2_000, help="rows imported (default 2,000)")
    parser.add_argument("--loadgens", type=int, default=2, help="live-client processes (default 2)")
    parser.add_argument("--web-concurrency", type=int, default=1,
                        help="gunicorn workers per pages process (default 1; two pages processes)")
    parser.add_argument("--requests-log", help="write every HTTP request (group, seconds into the "
                                                "run, ms, path) to this file, tab-separated")
    parser.add_argument("--search-cache", type=int, default=30,
                        help="SEARCH_CACHE_SECONDS of the processes (default 30, the app's default)")
    parser.add_argument("--db-pool-size", type=int, default=10, help="DB_POOL_SIZE (default 10)")
    parser.add_argument("--db-max-overflow", type=int, default=6, help="DB_MAX_OVERFLOW (default 6)")
    args = parser.parse_args()
    print(f"machine: {machine()}; load average before: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    # Each process's connection pool is capped so that the five processes stay under PostgreSQL's
    # max_connections (100 by default), which other work on the machine shares: with the app's
    # defaults (10 + 30 each) the first run exhausted it; 6 + 4 starved the pages of connections
    # (docs/performance.md, "Mixed load").
    env = {"SECRET_KEY": SECRET, "LIVE_QUESTION_RATE": "100000/minute", "LOG_LEVEL": "warning",
           "IMPORT_BACKGROUND_ROWS": "1", "SEARCH_CACHE_SECONDS": str(args.search_cache),
           "DB_POOL_SIZE": str(args.db_pool_size), "DB_MAX_OVERFLOW": str(args.db_max_overflow)}
    run_dir = Path(tempfile.mkdtemp(prefix="bxqx-mixed-"))
    stack = Stack(run_dir, database=DATABASE_URL, redis=REDIS_URL, env=env,
                  web_concurrency=args.web_concurrency)
    generators = None
    try:
        stack.start()
        print(f"deployment up on {stack.url} (2 live, 2 pages x {args.web_concurrency} workers, "
              "1 RQ worker, nginx)", flush=True)
        data = seed(stack.database_url, args.listings, args.attendees)
        content = import_rows(args.import_rows)
        print(f"{args.listings:,} listings, {args.attendees:,} attendees, an import of "
              f"{args.import_rows:,} rows ({len(content) // 1024} KiB)", flush=True)
        investor = Browser(stack.port)
        investor.login(*data["investor"])
        visitor = Browser(stack.port)
        ids = data["listing_ids"]
        rng = random.Random(7)
        pages = ["/", "/listings"] + [f"/listings/{rng.choice(ids)}" for _ in range(400)]
        for browser, logged_in in ((investor, True), (visitor, False)):
            browser.settle("/listings", logged_in=logged_in)
        warm_up(stack, (investor, visitor))

        targets = [(stack.port, cookie) for cookie in data["cookies"]]
        generators = LoadGenerators(targets, data["roadshow"], False, args.loadgens, None)
        go = threading.Event()
        results: dict = {}
        quarter = max(1, args.users // 4)
        groups = {"page, investor": (pages, investor), "page, visitor": (pages, visitor),
                  "search, investor": (SEARCHES, investor), "search, visitor": (SEARCHES, visitor)}

        roles = CpuRoles({
            "pages": [server.process.pid for server in stack.pages],
            "live": [server.process.pid for server in stack.live],
            "RQ worker": [stack.worker.process.pid],
            "nginx": [stack.deployment.nginx.process.pid],
            "live-room clients": [part.process.pid for part in generators.parts],
            "benchmark (HTTP users, asker, import)": [os.getpid()]})
        cpu: dict = {}

        def start_the_rest() -> list[threading.Thread]:
            go.wait()
            cpu["before"], cpu["started"] = roles.sample(), time.monotonic()
            threads = [threading.Thread(target=http_load, daemon=True,
                                        args=(stack.port, paths, args.seconds, quarter,
                                              browser.headers(), results, name, args.think, number))
                       for number, (name, (paths, browser)) in enumerate(groups.items())]
            threads.append(Import(stack, data["host"], content))
            for thread in threads:
                thread.start()
            return threads

        holder: dict = {}
        starter = threading.Thread(target=lambda: holder.setdefault("threads", start_the_rest()),
                                   daemon=True)
        starter.start()
        live = asyncio.run(room(stack, data, args, generators, go))
        starter.join()
        for thread in holder["threads"][:-1]:  # the HTTP users
            thread.join(timeout=args.seconds + 60)
        cpu_report = roles.report(cpu["before"], roles.sample(), time.monotonic() - cpu["started"])
        for thread in holder["threads"]:
            thread.join(timeout=args.seconds + 660)
        load = os.getloadavg()
        importer = holder["threads"][-1].result
    except BaseException:
        print(stack.logs() if stack.deployment else "", file=sys.stderr)
        raise
    finally:
        if generators is not None:
            generators.close()
        stack.stop()

    def merged(kind: str) -> dict:
        parts = [results[name] for name in groups if name.startswith(kind)]
        return {"requests": sum(p["requests"] for p in parts),
                "p95": max(p["p95"] for p in parts), "rps": sum(p["rps"] for p in parts),
                **{error: sum(p[error] for p in parts) for error in ERRORS}}

    print(f"\n{args.users} HTTP users for {args.seconds} s (mean pause {args.think:g} s), "
          f"{live['connected']} attendees, "
          f"{len(live.get('client_errors', []))} client errors")
    for name in groups:
        figures = results[name]
        print(f"  {name:17} {figures['requests']:6} requests {figures['rps']:6.1f}/s  "
              f"p50 {figures['p50']:6.1f}  p95 {figures['p95']:6.1f}  p99 {figures['p99']:6.1f} ms  "
              f"failures {failures(figures)}")
    page, search = merged("page"), merged("search")
    if args.requests_log:
        with open(args.requests_log, "w", encoding="utf-8") as out:
            out.write("group\tseconds\tms\tpath\n")
            for name in groups:
                for moment, latency, path in results[name]["timeline"]:
                    out.write(f"{name}\t{moment:.3f}\t{latency:.1f}\t{path}\n")
    print("every HTTP request's p95 by 10 s of the run: " + ", ".join(
        f"{start}-{start + 10} s {p95:.0f} ms" for start, p95 in by_ten_seconds(
            [point for name in groups for point in results[name]["timeline"]])))
    delivered = 100.0 * live["delivered"] / max(1, live["expected"])
    print(f"page p95 {page['p95']:.0f} ms (goal <= {GOAL_PAGE_P95:.0f}), search p95 {search['p95']:.0f} ms")
    print(f"room fan-out p50 {live['p50']:.0f} ms, p99 {live['p99']:.0f} ms (goal <= {GOAL_ROOM_P99:.0f}), "
          f"delivered {delivered:.2f} % ({live['delivered']}/{live['expected']})")
    nan = float("nan")
    print(f"import of {args.import_rows} rows: checked after {importer.get('checked_s', nan):.1f} s, "
          f"imported after {importer.get('imported_s', nan):.1f} s"
          + (f"; ERROR {importer['error']}" if "error" in importer else ""))
    errors = failures(page) + failures(search)
    problems = errors + len(live["asker_errors"]) + live["unacked"] + live["asker_timeouts"] \
        + len(live["client_errors"]) + live["disconnected"] + ("error" in importer) \
        + (live["delivered"] != live["expected"])
    print(f"errors/timeouts: http {errors} ({', '.join(f'{e} {page[e] + search[e]}' for e in ERRORS)}), "
          f"asker {len(live['asker_errors'])} refused / {live['unacked']} unacked / "
          f"{live['asker_timeouts']} ack timeouts, {live['disconnected']} attendees dropped")
    print(cpu_report)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in load)} (2 cores; the load generators "
          "run on the same machine)")
    if problems:
        print("FAILED: errors, timeouts or undelivered questions above")
        return 1
    if page["p95"] > GOAL_PAGE_P95 or live["p99"] > GOAL_ROOM_P99:
        print("goals missed (no errors)")
        return 2
    print("goals met, no errors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
