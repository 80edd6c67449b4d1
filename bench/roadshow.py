"""Roadshow live-room benchmark: fan-out of questions to N WebSocket attendees of one roadshow.

    .venv/bin/python bench/roadshow.py                          # 1,000 clients, 100 questions at 10/s
    .venv/bin/python bench/roadshow.py --clients 2000 --runs 3
    .venv/bin/python bench/roadshow.py --processes 2            # two servers over Redis
    .venv/bin/python bench/roadshow.py --churn                  # reconnect 10 %, restart the server

Each run builds a fresh database (PostgreSQL at BENCH_PG_URL, or --dialect sqlite) with a live
roadshow whose questions need no approval, N registered attendees and one asker; starts the
production server (gunicorn -c gunicorn.conf.py: one gevent WebSocket worker per process; with
--processes 2 a second one on another port, both on Redis as the Socket.IO message queue); connects
N raw Engine.IO clients (bench/live_client.py, asyncio, in 1-2 load-generator processes); then the
asker sends M questions at R per second, each with a UUID and a send timestamp in its text.

Printed per run: clients connected and the time it took, delivered / expected (every client
should get every question), latency p50 / p99 / max (from the asker's send, through the server's
commit and broadcast, to each client's receipt: end to end), server RSS per connection (worker
RSS after connecting minus before, divided by N) and server CPU. With --processes 2: the share
delivered to the clients of the other process. With --churn: 10 % of clients reconnect half way,
the worker is killed (SIGKILL) once and gunicorn starts a new one, clients and asker reconnect and
catch up (replay from their last number; the asker re-sends unacked questions with their UUID);
then every acked question must be in the database exactly once and each client's list must equal
the database's. On a quiet machine, --pin puts the server on core 0 and the load generators on
core 1; on a shared machine pinning makes things worse (both then queue behind everyone else).
"""

import argparse
import asyncio
import gc
import multiprocessing
import os
import random
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from build import ROOT, _create_postgres, _drop_postgres, bench_config  # first: puts the project on sys.path
from live_client import LiveClient, Refused
from search import machine

PADDING = "请问该专利的产业化前景、许可方式与费用如何？团队能否提供中试样品与技术支持？"
SECRET = "bench-secret-" + secrets.token_hex(16)


# --- the database ------------------------------------------------------------------------------

def build_database(url: str, clients: int) -> dict:
    """Migrate, then add a live roadshow, its host, an asker and ``clients`` attendees."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from events.live.models import LiveRoom
    from events.models import AgendaItem, Registration, RegistrationStatus, Roadshow, RoadshowState
    from marketplace import create_app
    from marketplace.accounts.models import Role, User, new_session_nonce
    from marketplace.db_types import utcnow
    from marketplace.extensions import db
    from marketplace.listings.models import Grade, LegalStatus, Listing, ListingKind, ListingState
    from marketplace.orgs import creditcode
    from marketplace.orgs.models import Organisation, OrgKind, OrgStatus

    app = create_app(bench_config(url, SECRET_KEY=SECRET))
    with app.app_context():
        upgrade()
        orgs = []
        for n, kind in enumerate((OrgKind.UNIVERSITY, OrgKind.COMPANY), 1):
            body = f"91310000MA{n:07d}"
            orgs.append(Organisation(name=f"基准机构{n}", kind=kind, status=OrgStatus.VERIFIED,
                                     credit_code=body + creditcode.check_character(body)))
        db.session.add_all(orgs)
        db.session.flush()
        now = utcnow()
        rows = [{"email": f"attendee{n}@bench.example", "password_hash": "!", "name": f"听众{n}",
                 "role": Role.COMPANY, "organisation_id": orgs[1].id, "session_nonce": new_session_nonce(),
                 "created_at": now} for n in range(clients + 1)]
        rows.append({"email": "host@bench.example", "password_hash": "!", "name": "主持人", "role": Role.TTO,
                     "organisation_id": orgs[0].id, "session_nonce": new_session_nonce(), "created_at": now})
        db.session.execute(sa.insert(User), rows)
        host = db.session.execute(sa.select(User).filter_by(email="host@bench.example")).scalar_one()
        listing = Listing(organisation=orgs[0], state=ListingState.PUBLISHED, title="基准测试成果",
                          abstract="用于基准测试。", field="materials", inventors="张三",
                          kind=ListingKind.ACHIEVEMENT, legal_status=LegalStatus.NOT_APPLICABLE,
                          grade=Grade.A,
                          trl=5, contact_name="王", contact_email="tto@bench.example", published_at=now)
        roadshow = Roadshow(organisation=orgs[0], title="基准路演", starts_at=now,
                            ends_at=now + timedelta(hours=3), state=RoadshowState.LIVE, published_at=now,
                            went_live_at=now, created_by=host)
        roadshow.agenda = [AgendaItem(listing=listing, position=1, presenter="李教授", starts_at=now,
                                      ends_at=now + timedelta(hours=1))]
        db.session.add(roadshow)
        db.session.flush()
        db.session.add(LiveRoom(roadshow_id=roadshow.id, qa_open=True, moderated=False,
                                presented_listing_id=listing.id))
        users = db.session.execute(sa.select(User.id, User.session_nonce).where(
            User.email.like("attendee%")).order_by(User.id)).all()
        db.session.execute(sa.insert(Registration), [
            {"roadshow_id": roadshow.id, "user_id": user_id, "status": RegistrationStatus.CONFIRMED,
             "created_at": now, "queued_at": now} for user_id, _ in users])
        db.session.commit()
        serializer = app.session_interface.get_signing_serializer(app)
        cookies = [f"session={serializer.dumps({'_user_id': f'{uid}:{nonce}', '_fresh': True})}"
                   for uid, nonce in users]
        roadshow_id = roadshow.id
        db.session.remove()
        db.engine.dispose()
    return {"roadshow": roadshow_id, "asker": cookies[0], "cookies": cookies[1:]}


def check_database(url: str, roadshow_id: int, acked: set[str]) -> dict:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT id, client_uuid FROM live_questions WHERE roadshow_id = :r"), {"r": roadshow_id}).all()
    engine.dispose()
    stored = {}
    for question_id, client_uuid in rows:
        stored.setdefault(client_uuid, []).append(question_id)
    return {"ids": {question_id for question_id, _ in rows},
            "acked_once": sum(1 for u in acked if len(stored.get(u, [])) == 1),
            "duplicates": sum(1 for ids in stored.values() if len(ids) > 1),
            "unacked_stored": len(set(stored) - acked)}


# --- the servers -------------------------------------------------------------------------------

class Server:
    def __init__(self, url: str, port: int, workdir: Path, *, queue: str | None, channel: str,
                 cpu: int | None):
        self.port, self.url = port, f"http://127.0.0.1:{port}"
        env = {**os.environ, "APP_ENV": "development", "SECRET_KEY": SECRET, "DATABASE_URL": url,
               "INSTANCE_PATH": str(workdir), "PUBLIC_URL": self.url, "PORT": str(port), "HOST": "127.0.0.1",
               "REDIS_URL": "", "RATELIMIT_STORAGE_URI": "memory://", "LOG_LEVEL": "error",
               "LIVE_QUESTION_RATE": "100000/minute", "SOCKETIO_CHANNEL": channel}
        env.pop("SOCKETIO_MESSAGE_QUEUE", None)
        if queue:
            env["SOCKETIO_MESSAGE_QUEUE"] = queue
        command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
        if cpu is not None and shutil.which("taskset"):
            command = ["taskset", "-c", str(cpu), *command]
        self.log_path = workdir / f"server-{port}.log"
        self.log = open(self.log_path, "wb")  # noqa: SIM115
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log,  # noqa: S603
                                        stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_ready()

    def wait_ready(self, timeout: float = 60) -> None:
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/auth/login", timeout=2):  # noqa: S310
                    if self.worker_pid():
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"server on {self.port} did not start")

    def worker_pid(self) -> int | None:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        if self.process.pid and children.exists():
            pids = children.read_text().split()  # taskset execs gunicorn in place: same pid
            return int(pids[0]) if pids else None
        return None

    def rss_kib(self) -> int:
        pid = self.worker_pid()
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.worker_pid()}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def kill_worker(self) -> None:
        """Crash the serving process; the gunicorn arbiter starts a new worker on the same port."""
        old = self.worker_pid()
        os.kill(old, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.worker_pid() in (None, old):
            time.sleep(0.1)
        self.wait_ready()

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- load generators (separate processes) ------------------------------------------------------

def loadgen(pipe, targets: list[tuple[int, str]], roadshow: int, churn: bool, cpu: int | None) -> None:
    """Connect one client per (port, cookie); record question receipts; obey the parent."""
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    asyncio.run(_loadgen(pipe, targets, roadshow, churn))


async def _loadgen(pipe, targets, roadshow, churn):
    loop = asyncio.get_running_loop()
    receipts: list[list] = [[] for _ in targets]  # per client: (question number, latency ms, port)
    clients = []
    for index, (port, cookie) in enumerate(targets):
        def on_question(number, sent, received, index=index, port=port):
            receipts[index].append((number, (received - sent) * 1000, port))
        clients.append(LiveClient("127.0.0.1", port, cookie, f"http://127.0.0.1:{port}", roadshow,
                                  on_question=on_question, track_state=churn))
    started = time.monotonic()
    gate = asyncio.Semaphore(100)

    async def open_one(client):
        async with gate:
            for attempt in range(5):
                try:
                    await client.connect()
                    if churn:
                        await client.sync()
                    return True
                except (TimeoutError, Refused, OSError, ConnectionError):
                    await asyncio.sleep(0.5 * (attempt + 1))
            return False

    connected = sum(await asyncio.gather(*(open_one(c) for c in clients)))
    # A collection of this process's objects (1,000 clients, the receipts) takes long enough to
    # delay reading the sockets; the measure would then include the load generator's pauses.
    gc.collect()
    gc.freeze()
    gc.disable()
    pipe.send(("connected", connected, time.monotonic() - started))
    stopping = False

    async def supervise(client):
        while not stopping:
            await client.closed.wait()
            if stopping:
                return
            try:
                await client.reconnect()
            except ConnectionError:
                return

    supervisors = [asyncio.create_task(supervise(c)) for c in clients] if churn else []
    while True:
        command = await loop.run_in_executor(None, pipe.recv)
        if command == "churn":
            chosen = random.sample(clients, max(1, len(clients) // 10))
            for client in chosen:
                await client.close()  # the supervisor reconnects it and replays what it missed
        elif command == "stop":
            stopping = True
            break
    if churn:
        # Let every client finish reconnecting and catching up (no extra sync is sent for it).
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and not all(
                c.connected.is_set() and c.synced and not c.buffer for c in clients):
            await asyncio.sleep(0.5)
        await asyncio.sleep(2)
    lists = [sorted(c.questions) for c in clients] if churn else []
    for task in supervisors:
        task.cancel()
    for client in clients:
        await client.close()
    pipe.send(("done", receipts, lists))


# --- one run -----------------------------------------------------------------------------------

async def ask_questions(server_url_port: int, cookie: str, roadshow: int, count: int, rate: float,
                        churn_at, restart_at) -> dict:
    """Send ``count`` questions at ``rate``/s; re-send unacked ones (same UUID) until acked."""
    asker = LiveClient("127.0.0.1", server_url_port, cookie, f"http://127.0.0.1:{server_url_port}", roadshow)
    await _reconnect(asker)
    pending: dict[str, dict] = {}
    acked: set[str] = set()

    async def send(data):
        try:
            reply = await asker.call("ask", data, timeout=10)
            if reply.get("ok"):
                acked.add(data["uuid"])
                pending.pop(data["uuid"], None)
        except (TimeoutError, ConnectionError):
            pass  # stays pending: re-sent after the reconnect

    tasks = []
    for number in range(count):
        if number == churn_at[0] and churn_at[1]:
            churn_at[1]()
        if number == restart_at[0] and restart_at[1]:
            await asyncio.get_running_loop().run_in_executor(None, restart_at[1])
        data = {"uuid": str(uuid.uuid4()), "text": f"bench {number} {time.time():.6f} {PADDING}"}
        pending[data["uuid"]] = data
        if not asker.connected.is_set():
            await _reconnect(asker)
            tasks += [asyncio.create_task(send(d)) for d in list(pending.values())]
        else:
            tasks.append(asyncio.create_task(send(data)))
        await asyncio.sleep(1 / rate)
    deadline = time.monotonic() + 300
    while pending and time.monotonic() < deadline:
        await asyncio.gather(*tasks)
        tasks = []
        if pending:
            if not asker.connected.is_set():
                await _reconnect(asker)
            tasks = [asyncio.create_task(send(d)) for d in list(pending.values())]
            await asyncio.sleep(0.5)
    await asyncio.gather(*tasks)
    await asker.close()
    return {"acked": acked, "unacked": len(pending)}


async def _reconnect(client):
    for _ in range(100):
        try:
            await client.close()
            await client.connect()
            return
        except (TimeoutError, Refused, OSError, ConnectionError):
            await asyncio.sleep(0.3)
    raise ConnectionError("the asker could not connect")


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def run_once(args, run: int) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="bxqx-roadshow-bench-"))
    pg_name = f"bxqx_bench_live_{os.getpid()}_{run}"
    url = _create_postgres(pg_name) if args.dialect == "postgresql" else f"sqlite:///{workdir / 'bench.db'}"
    pin = (os.cpu_count() or 1) >= 2 and args.pin
    servers = []
    workers = []
    try:
        data = build_database(url, args.clients)
        channel = f"bxqx-bench-{uuid.uuid4().hex[:8]}"
        queue = args.redis if args.processes > 1 else None
        for _ in range(args.processes):
            servers.append(Server(url, free_port(), workdir, queue=queue, channel=channel,
                                  cpu=(0 if pin and args.processes == 1 else None)))
        # Warm up (imports, first queries) so the RSS delta is the connections' own.
        asyncio.run(_warm(servers, data))
        rss_before = sum(s.rss_kib() for s in servers)
        load_before = os.getloadavg()[0]
        targets = [(servers[i % len(servers)].port, cookie) for i, cookie in enumerate(data["cookies"])]
        parts = args.loadgens or (1 if args.clients <= 1000 else 2)
        context = multiprocessing.get_context("spawn")
        for part in range(parts):
            parent, child = context.Pipe()
            process = context.Process(target=loadgen, args=(child, targets[part::parts], data["roadshow"],
                                                            args.churn, 1 if pin else None))
            process.start()
            workers.append((process, parent))
        connected, connect_seconds = 0, 0.0
        for _, pipe in workers:
            _, count, seconds = pipe.recv()
            connected += count
            connect_seconds = max(connect_seconds, seconds)
        rss_after = sum(s.rss_kib() for s in servers)
        print(f"  run {run}: {connected} connected in {connect_seconds:.1f} s; asking "
              f"{args.questions} questions at {args.rate:g}/s (t={time.time():.1f})",
              file=sys.stderr, flush=True)
        cpu_before = sum(s.cpu_seconds() for s in servers)
        churn = (lambda: [pipe.send("churn") for _, pipe in workers]) if args.churn else None
        churn_at = (args.questions // 2, churn)
        restart_at = (int(args.questions * 0.7), servers[0].kill_worker if args.churn else None)
        asked = asyncio.run(ask_questions(servers[0].port, data["asker"], data["roadshow"], args.questions,
                                          args.rate, churn_at, restart_at))
        time.sleep(args.grace)
        cpu_used = sum(s.cpu_seconds() for s in servers) - cpu_before if not args.churn else float("nan")
        for _, pipe in workers:
            pipe.send("stop")
        receipts, lists = [], []
        for process, pipe in workers:
            _, got, client_lists = pipe.recv()
            receipts += got
            lists += client_lists
            process.join(timeout=30)
        result = summarise(args, url, data, servers, receipts, lists, asked, connected, connect_seconds,
                           rss_before, rss_after, cpu_used)
        result["load"] = (load_before + os.getloadavg()[0]) / 2
        return result
    except Exception:
        for server in servers:  # what the server said, before its folder goes
            print(server.log_path.read_text(errors="replace")[-3000:], file=sys.stderr)
        raise
    finally:
        for process, _ in workers:
            if process.is_alive():
                process.kill()
        for server in servers:
            server.stop()
        if args.dialect == "postgresql":
            _drop_postgres(pg_name)
        shutil.rmtree(workdir, ignore_errors=True)


async def _warm(servers, data):
    for server in servers:
        client = LiveClient("127.0.0.1", server.port, data["asker"], server.url, data["roadshow"])
        for attempt in range(10):
            try:
                await client.connect()
                await client.call("sync", {"after": None}, timeout=60)
                break
            except (TimeoutError, Refused, OSError, ConnectionError):
                await asyncio.sleep(1 + attempt)
        else:
            raise RuntimeError(f"could not connect to {server.url}")
        await client.close()


def print_timeline(receipts) -> None:
    """Latency of each question across the clients: a pause of the server shows as a run of slow ones."""
    per_question: dict[int, list[float]] = {}
    for client_receipts in receipts:
        for number, latency, _ in client_receipts:
            per_question.setdefault(number, []).append(latency)
    for number in sorted(per_question):
        values = sorted(per_question[number])
        print(f"  question {number:4d}: min {values[0]:6.0f}  p50 {values[len(values) // 2]:6.0f}  "
              f"max {values[-1]:6.0f} ms", file=sys.stderr)


def summarise(args, url, data, servers, receipts, lists, asked, connected, connect_seconds,
              rss_before, rss_after, cpu_used) -> dict:
    numbers = set(range(args.questions))
    if args.timeline:
        print_timeline(receipts)
    delivered, latencies, other, other_expected = 0, [], 0, 0
    for client_receipts in receipts:
        seen = {}
        for number, latency, port in client_receipts:
            seen.setdefault(number, (latency, port))
        delivered += len(seen.keys() & numbers)
        latencies += [latency for latency, _ in seen.values()]
        if client_receipts and args.processes > 1:
            port = client_receipts[0][2]
            if port != servers[0].port:
                other += len(seen)
                other_expected += args.questions
    result = {
        "connected": connected, "connect_s": connect_seconds,
        "delivered": delivered, "expected": args.clients * args.questions,
        "p50": percentile(latencies, 50), "p99": percentile(latencies, 99),
        "max": max(latencies) if latencies else float("nan"),
        "kib_per_conn": (rss_after - rss_before) / max(1, connected), "server_cpu_s": cpu_used,
    }
    if args.processes > 1:
        result["cross"] = (other, other_expected)
    if args.churn:
        check = check_database(url, data["roadshow"], asked["acked"])
        result.update({"acked": len(asked["acked"]), "acked_once": check["acked_once"],
                       "duplicates": check["duplicates"], "unacked_stored": check["unacked_stored"],
                       "lists_equal": sum(1 for ids in lists if set(ids) == check["ids"]),
                       "lists": len(lists)})
    return result


def describe(result: dict) -> str:
    live = " live" if "acked" in result else ""
    share = 100 * result["delivered"] / max(1, result["expected"])
    line = (f"connected {result['connected']} in {result['connect_s']:.1f} s; delivered{live} "
            f"{result['delivered']}/{result['expected']} ({share:.2f} %); "
            f"latency p50 {result['p50']:.0f} ms, p99 {result['p99']:.0f} ms, max {result['max']:.0f} ms; "
            f"server RSS {result['kib_per_conn']:.0f} KiB per connection")
    if result.get("server_cpu_s") == result.get("server_cpu_s"):
        line += f"; server CPU {result['server_cpu_s']:.1f} s while asking"
    if "load" in result:
        line += f"; machine load average {result['load']:.1f}"
    if "cross" in result:
        other, expected = result["cross"]
        line += f"; cross-process {other}/{expected} ({100 * other / max(1, expected):.2f} %)"
    if "acked" in result:
        line += (f"\n  churn: {result['acked']} questions acked, {result['acked_once']} stored exactly once, "
                 f"{result['duplicates']} duplicates, {result['unacked_stored']} stored but unacked; "
                 f"{result['lists_equal']}/{result['lists']} client lists equal the database")
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--rate", type=float, default=10.0, help="questions per second")
    parser.add_argument("--processes", type=int, default=1, choices=(1, 2))
    parser.add_argument("--churn", action="store_true")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--dialect", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"))
    parser.add_argument("--loadgens", type=int, default=0,
                        help="load-generator processes (default 1 per 1,000 clients)")
    parser.add_argument("--grace", type=float, default=3.0, help="seconds to wait for the last deliveries")
    parser.add_argument("--timeline", action="store_true",
                        help="print each question's latency across the clients (to see pauses)")
    parser.add_argument("--pin", action="store_true",
                        help="pin the server to core 0 and the clients to core 1 (on a quiet machine)")
    args = parser.parse_args()
    print(f"# roadshow fan-out: {args.clients} clients, {args.questions} questions at {args.rate:g}/s, "
          f"{args.processes} server process(es){' over Redis' if args.processes > 1 else ''}, "
          f"{args.dialect}{', churn' if args.churn else ''}; {machine()}", flush=True)
    results = []
    for run in range(1, args.runs + 1):
        result = run_once(args, run)
        results.append(result)
        print(f"run {run}: {describe(result)}", flush=True)
    if args.runs > 1:
        medians = {key: statistics.median(r[key] for r in results) for key in
                   ("connected", "connect_s", "delivered", "expected", "p50", "p99", "max", "kib_per_conn",
                    "server_cpu_s", "load")}
        if "cross" in results[0]:
            medians["cross"] = tuple(statistics.median(r["cross"][i] for r in results) for i in (0, 1))
        for key in ("acked", "acked_once", "duplicates", "unacked_stored", "lists_equal", "lists"):
            if key in results[0]:
                medians[key] = statistics.median(r[key] for r in results)
        print(f"median of {args.runs}: {describe(medians)}", flush=True)


if __name__ == "__main__":
    main()
