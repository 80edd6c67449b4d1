"""Pages benchmark: the production server (gunicorn, one gevent worker) on a benchmark database.

    .venv/bin/python bench/pages.py                  # 100,000 listings on PostgreSQL
    .venv/bin/python bench/pages.py --dialect sqlite --n 20000 --seconds 5

It builds a database like bench/search.py, starts gunicorn as README.md says
(``-k geventwebsocket.gunicorn.workers.GeventWebSocketWorker -w 1``; ``--worker gevent`` for plain
``-k gevent``, which serves plain HTTP no faster) on 127.0.0.1, and in one run,
round by round, loads ``/healthz`` (a trivial route of the same app), ``/listings?q=电池`` and a
mix of search URLs with ``wrk`` (Debian package; a small Python load generator otherwise). All
requests carry one session cookie, like a returning browser. Then the same with the search cache
off (SEARCH_CACHE_SECONDS=0), to show what cache misses cost. It prints requests/s and latency
percentiles (medians over the rounds) and the ratio search / trivial (target: at least 0.6), and
the server's CPU time per request of each route (read from /proc; on a shared machine the
requests/s depend on the other work, the CPU per request much less).
"""

import argparse
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

from build import ROOT, benchmark_database, describe  # first: puts the project on sys.path
from loadgen import python_load
from search import machine

WORKERS = {"websocket": "geventwebsocket.gunicorn.workers.GeventWebSocketWorker", "gevent": "gevent"}
SEARCH = "/listings?q=" + quote("电池")
TERMS = ("电池", "锂离子电池", "传感器", "深度学习", "芯片", "石墨烯", "疫苗", "水稻", "机器人", "污水",
         "储能系统", "故障诊断", "正极材料", "区块链", "数字孪生", "薄荷", "钛合金", "自动驾驶", "激光雷达",
         "育种")
#: A mix of searches: terms alone, with filters, sorted, paged, and browsing without text.
MIX = ([f"/listings?q={quote(t)}" for t in TERMS]
       + [f"/listings?q={quote(t)}&grade=A" for t in TERMS[:6]]
       + [f"/listings?q={quote(t)}&mode=open_licence&sort=newest" for t in TERMS[6:12]]
       + [f"/listings?q={quote(t)}&page=2" for t in TERMS[12:16]]
       + ["/listings", "/listings?field=energy", "/listings?grade=A&trl=6", "/listings?kind=design"])


def start_server(url: str, port: int, workdir: Path, cache_seconds: int, worker: str) -> subprocess.Popen:
    env = {**os.environ, "APP_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
           "DATABASE_URL": url, "INSTANCE_PATH": str(workdir), "SEARCH_CACHE_SECONDS": str(cache_seconds),
           "SESSION_COOKIE_SECURE": "0"}
    command = [str(ROOT / ".venv/bin/gunicorn"), "-k", worker, "-w", "1", "-b", f"127.0.0.1:{port}",
               "--log-level", "warning", "wsgi:app"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):  # noqa: S310
                return server
        except OSError:
            time.sleep(0.3)
    stop_server(server)
    raise RuntimeError("gunicorn did not answer /healthz within 30 s")


def stop_server(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def server_cpu_seconds(server: subprocess.Popen) -> float:
    """User + system CPU seconds of gunicorn's master and workers so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    pids = [server.pid]
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    if children.exists():
        pids += [int(pid) for pid in children.read_text().split()]
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def session_cookie(port: int) -> str:
    """Open the search page once and keep the session cookie, as a browser would."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{SEARCH}", timeout=30) as response:  # noqa: S310
        cookie = response.headers.get("Set-Cookie", "")
    return cookie.split(";", 1)[0]


_LATENCY = re.compile(r"^\s+(50|90|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk_load(port: int, paths: list[str], seconds: int, connections: int, cookie: str,
             workdir: Path) -> dict:
    script = workdir / "paths.lua"
    script.write_text("paths = {" + ", ".join(f'"{p}"' for p in paths) + "}\ncounter = 0\n"
                      "request = function()\n  counter = counter + 1\n"
                      "  return wrk.format('GET', paths[(counter % #paths) + 1])\nend\n")
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script),
               "-H", f"Cookie: {cookie}", f"http://127.0.0.1:{port}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    figures = {f"p{p}": float(v) * _UNITS[unit] for p, v, unit in _LATENCY.findall(output)}
    figures["rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    figures["requests"] = int(re.search(r"(\d+) requests in", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    figures["errors"] = int(errors.group(1)) if errors else 0
    return figures


def run_rounds(port: int, args, cookie: str, workdir: Path, server: subprocess.Popen
               ) -> dict[str, dict]:
    """Alternate the routes round by round; medians over the rounds.

    Besides requests/s (which on a shared machine depend on what else runs), the server's CPU
    time per request is measured from /proc: what a request costs the server, whoever else runs.
    """
    targets = {"/healthz": ["/healthz"], "/listings?q=电池": [SEARCH], f"mix of {len(MIX)} searches": MIX}
    results = {name: [] for name in targets}
    for paths in targets.values():  # warm up: the cache, plans, the OS page cache
        for path in paths:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60).close()  # noqa: S310
    for _ in range(args.rounds):
        for name, paths in targets.items():
            cpu_before = server_cpu_seconds(server)
            if args.loader == "wrk":
                figures = wrk_load(port, paths, args.seconds, args.connections, cookie, workdir)
            else:
                figures = python_load(port, paths, args.seconds, args.connections, cookie)
                figures["requests"] = round(figures["rps"] * args.seconds)
            figures["cpu_ms"] = ((server_cpu_seconds(server) - cpu_before) * 1000
                                 / max(1, figures.pop("requests")))
            results[name].append(figures)
    return {name: {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
            for name, rounds in results.items()}


def report(title: str, figures: dict[str, dict]) -> float:
    print(f"\n{title}")
    print(f"{'route':28} {'req/s':>9} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'errors':>7} "
          f"{'server CPU ms/request':>22}")
    for name, row in figures.items():
        print(f"{name:28} {row['rps']:>9.0f} {row.get('p50', 0):>8.1f} {row.get('p90', 0):>8.1f} "
              f"{row.get('p99', 0):>8.1f} {row['errors']:>7.0f} {row['cpu_ms']:>22.2f}")
    trivial = figures["/healthz"]["rps"]
    ratios = {name: row["rps"] / trivial for name, row in figures.items() if name != "/healthz"}
    for name, ratio in ratios.items():
        print(f"ratio {name} / trivial: {ratio:.2f} (target >= 0.6: {'MET' if ratio >= 0.6 else 'NOT MET'})")
    for name, row in figures.items():
        if name != "/healthz":
            print(f"server CPU per request, trivial / {name}: "
                  f"{figures['/healthz']['cpu_ms'] / max(row['cpu_ms'], 1e-9):.2f}")
    return ratios["/listings?q=电池"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="listings (default 100,000)")
    parser.add_argument("--dialect", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--seconds", type=int, default=10, help="seconds per route and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--worker", choices=tuple(WORKERS), default="websocket",
                        help="gunicorn worker: the WebSocket one README uses, or plain gevent")
    parser.add_argument("--loader", choices=("wrk", "python"),
                        default="wrk" if shutil.which("wrk") else "python")
    args = parser.parse_args()
    print(f"{args.n:,} listings on {args.dialect}; {args.loader}, {args.connections} connections, "
          f"{args.rounds} rounds of {args.seconds} s per route; machine: {machine()}")
    print(f"server: gunicorn -k {WORKERS[args.worker]} -w 1 (load generator on the same cores)")
    workdir = Path(tempfile.mkdtemp(prefix="bxqx-pages-"))
    try:
        with benchmark_database(args.dialect, args.n) as built:
            print(describe(built), flush=True)
            for cache_seconds, title in (
                    (30, "search cache on (SEARCH_CACHE_SECONDS=30, the default)"),
                    (0, "search cache off (SEARCH_CACHE_SECONDS=0): every search misses")):
                server = start_server(built.url, args.port, workdir, cache_seconds,
                                      WORKERS[args.worker])
                try:
                    figures = run_rounds(args.port, args, session_cookie(args.port), workdir,
                                         server)
                finally:
                    stop_server(server)
                report(title, figures)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
