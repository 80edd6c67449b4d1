"""Join storm: N attendees enter a live roadshow at once, as when it starts (issue 12 §4).

    .venv/bin/python scripts/join_storm.py                      # 200 joins, 10 questions/s meanwhile
    .venv/bin/python scripts/join_storm.py --clients 1000 --runs 1
    .venv/bin/python scripts/join_storm.py --rate 0             # joins only, no questions

A run builds a PostgreSQL database (BENCH_PG_URL's server) with a live roadshow whose room already
holds what a room holds when people pour in (approved and pending questions, polls, the last 100
chat messages: about 12 KiB of snapshot), N registered attendees and one asker; starts the
production server (gunicorn -c gunicorn.conf.py, one gevent WebSocket worker); connects the asker;
then a load-generator process (asyncio, raw Engine.IO over WebSocket) opens N connections at once,
each doing what room.js does on a page load: the WebSocket handshake, the ``/live`` namespace
connect with ``{roadshow}``, then ``sync {after: null}`` (a snapshot). Meanwhile the asker asks
questions at ``--rate`` per second, each with its send time in the text, and every connected
client times each question's arrival.

Printed per run: joins completed / N, the wall time from the first connection to the last snapshot
received, time per join (p50 / p95 / max, from opening the TCP connection to the snapshot), the
questions' delivery (delivered / expected: every question sent after a client's namespace connect
must reach it; latency p50 / p99 / max from the asker's send to the receipt), the worker's CPU
seconds during the storm and the machine's load average. Nothing is left running.

Not under bench/ only because that folder is being rewritten at the time of writing.
"""

import argparse
import asyncio
import json
import logging
import multiprocessing
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from roadshow_db import add_people  # noqa: E402  (bench/ is not a package)
from ws_protocol import WebSocket  # noqa: E402

PG_SERVER = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://127.0.0.1:5432/postgres")
SECRET = "join-storm-" + secrets.token_hex(16)
NS = "/live"
QUESTION = re.compile(r'"text":"storm (\d+) (\d+\.\d+)')
CHAT = "大家好，期待今天的路演！请问样品什么时候可以申请？"
ASKED = "请问该专利的产业化前景、许可方式与费用如何？团队能否提供中试样品与技术支持？"


# --- the database --------------------------------------------------------------------------------

def _admin():
    import sqlalchemy as sa

    return sa.create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")


def create_database(name: str) -> str:
    import sqlalchemy as sa

    engine = _admin()
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return sa.engine.make_url(PG_SERVER).set(database=name).render_as_string(hide_password=False)


def drop_database(name: str) -> None:
    import sqlalchemy as sa

    engine = _admin()
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def build_database(url: str, clients: int) -> dict:
    """Migrate; add a live roadshow with a busy room, its host, an asker and ``clients`` attendees."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from events.live.models import (
        LiveChatMessage,
        LivePoll,
        LivePollOption,
        LiveQuestion,
        LiveRoom,
        QuestionStatus,
    )
    from events.models import AgendaItem, Registration, RegistrationStatus, Roadshow, RoadshowState
    from marketplace import create_app
    from marketplace.accounts.models import User
    from marketplace.db_types import utcnow
    from marketplace.extensions import db
    from marketplace.listings.models import Grade, LegalStatus, Listing, ListingKind, ListingState
    from marketplace.orgs.models import OrgKind

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
    with app.app_context():
        logging.getLogger("alembic").setLevel(logging.WARNING)
        upgrade()
        kinds = [OrgKind.UNIVERSITY] + [OrgKind.COMPANY, OrgKind.INVESTOR_FIRM] * 5
        orgs, host = add_people(clients, kinds, "风暴机构", "storm.example")
        now = utcnow()
        listings = [Listing(organisation=orgs[0], state=ListingState.PUBLISHED, title=f"风暴测试成果{n}",
                            abstract="用于基准测试。", field="materials", inventors="张三",
                            kind=ListingKind.ACHIEVEMENT, legal_status=LegalStatus.NOT_APPLICABLE,
                            grade=Grade.A, trl=5, contact_name="王", contact_email="tto@storm.example",
                            published_at=now) for n in range(3)]
        roadshow = Roadshow(organisation=orgs[0], title="风暴路演", starts_at=now,
                            ends_at=now + timedelta(hours=3), state=RoadshowState.LIVE, published_at=now,
                            went_live_at=now, created_by=host)
        roadshow.agenda = [AgendaItem(listing=listing, position=n, presenter="李教授",
                                      starts_at=now + timedelta(minutes=30 * n),
                                      ends_at=now + timedelta(minutes=30 * (n + 1)))
                           for n, listing in enumerate(listings, 1)]
        db.session.add(roadshow)
        db.session.flush()
        users = db.session.execute(sa.select(User.id, User.session_nonce).where(
            User.email.like("attendee%")).order_by(User.id)).all()
        # What the room holds when the crowd arrives: about 12 KiB of snapshot per attendee.
        seq = 0
        authors = [user_id for user_id, _ in users[1:41]]
        for n in range(8):
            seq += 1
            db.session.add(LiveQuestion(
                roadshow_id=roadshow.id, client_uuid=str(uuid.uuid4()), author_id=authors[n],
                listing_id=listings[0].id, text=f"{n}: {ASKED[:20]}", anonymous=n % 4 == 0,
                status=QuestionStatus.PENDING if n % 6 == 5 else QuestionStatus.APPROVED,
                upvotes=n, created_seq=seq, last_seq=seq))
        for n in range(2):
            seq += 1
            poll = LivePoll(roadshow_id=roadshow.id, listing_id=listings[0].id,
                            question=f"您最关注哪方面？（{n + 1}）", last_seq=seq)
            poll.options = [LivePollOption(position=i, label=label, votes=3 * i)
                            for i, label in enumerate(("价格", "技术成熟度", "团队", "专利稳定性"))]
            db.session.add(poll)
        for n in range(100):
            seq += 1
            db.session.add(LiveChatMessage(roadshow_id=roadshow.id, client_uuid=str(uuid.uuid4()),
                                           author_id=authors[n % len(authors)], text=CHAT[: 4 + n % 8],
                                           seq=seq))
        db.session.add(LiveRoom(roadshow_id=roadshow.id, qa_open=True, moderated=False,
                                presented_listing_id=listings[0].id, last_seq=seq))
        db.session.execute(sa.insert(Registration), [
            {"roadshow_id": roadshow.id, "user_id": user_id, "status": RegistrationStatus.CONFIRMED,
             "created_at": now, "queued_at": now} for user_id, _ in users])
        db.session.commit()
        serializer = app.session_interface.get_signing_serializer(app)
        # As a login from this address leaves it (Flask-Login's session protection compares
        # "_id"; without it every event would rewrite the session).
        with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
            from flask_login.utils import _create_identifier

            ident = _create_identifier()
        cookies = [f"session={serializer.dumps({'_user_id': f'{uid}:{nonce}', '_fresh': True, '_id': ident})}"
                   for uid, nonce in users]
        roadshow_id = roadshow.id
        db.session.remove()
        db.engine.dispose()
    return {"roadshow": roadshow_id, "asker": cookies[0], "cookies": cookies[1:]}


# --- the server ----------------------------------------------------------------------------------

class Server:
    """``gunicorn -c gunicorn.conf.py wsgi:app`` on a free port; ``stop()`` ends it."""

    def __init__(self, url: str, workdir: Path, env_extra: dict, config: str = "gunicorn.conf.py"):
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "APP_ENV": "development", "SECRET_KEY": SECRET, "DATABASE_URL": url,
               "INSTANCE_PATH": str(workdir), "PUBLIC_URL": self.url, "PORT": str(self.port),
               "HOST": "127.0.0.1", "REDIS_URL": "", "RATELIMIT_STORAGE_URI": "memory://",
               "LOG_LEVEL": "warning", "LIVE_QUESTION_RATE": "100000/minute",
               "SOCKETIO_CHANNEL": f"storm-{uuid.uuid4().hex[:8]}", **env_extra}
        if not env_extra.get("SOCKETIO_MESSAGE_QUEUE"):
            env.pop("SOCKETIO_MESSAGE_QUEUE", None)
        self.log_path = workdir / "server.log"
        self.log = open(self.log_path, "wb")  # noqa: SIM115  (closed in stop)
        self.process = subprocess.Popen(  # noqa: S603  (our own interpreter and config)
            [sys.executable, "-m", "gunicorn", "-c", config, "wsgi:app"], cwd=ROOT, env=env,
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2):  # noqa: S310
                    if self.worker_pid():
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the server did not start: {self.log_path.read_text()[-2000:]}")

    def worker_pid(self) -> int | None:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        pids = children.read_text().split() if children.exists() else []
        return int(pids[0]) if pids else None

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.worker_pid()}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self.log.close()


# --- a client: raw Engine.IO v4 over a minimal WebSocket -----------------------------------------

class Client:
    """One attendee's connection, doing what room.js does on load: connect, then sync. The
    WebSocket is bench/ws_protocol.py's; this side speaks Engine.IO v4 and Socket.IO over it."""

    def __init__(self, port: int, cookie: str, roadshow: int, on_question=None):
        self.port, self.cookie, self.roadshow = port, cookie, roadshow
        self.on_question = on_question
        self.ws: WebSocket | None = None
        self.last_data = 0.0  # set by the WebSocket: when the latest bytes arrived
        self.refusal = None  # set by the WebSocket: the status line of a refused upgrade
        self.closed_by = None  # "socket.io" (a namespace disconnect) or "engine.io" (its close)
        self.connected_at = 0.0
        self.connected = asyncio.get_running_loop().create_future()
        self.acks: dict[int, asyncio.Future] = {}
        self.next_ack = 0

    def websocket(self) -> WebSocket:
        self.ws = WebSocket(self, "127.0.0.1", self.port,
                            {"Origin": f"http://127.0.0.1:{self.port}", "Cookie": self.cookie})
        return self.ws

    def _on_lost(self) -> None:
        if self.refusal is not None:
            self._fail(ConnectionError(f"no WebSocket upgrade: {self.refusal}"))
        elif self.closed_by == "engine.io":
            # Engine.IO's own close without a Socket.IO disconnect first: the server gave up on
            # the connection (its ping went unanswered for ping_timeout) or is shutting down.
            self._fail(ConnectionError("closed by the server: an Engine.IO close packet"))
        elif self.closed_by == "socket.io":
            self._fail(ConnectionError("closed by the server: a Socket.IO disconnect"))
        elif self.ws.closed_by_server:
            self._fail(ConnectionError("closed by the server"))
        else:
            self._fail(ConnectionError("connection lost"))

    def _fail(self, error: Exception) -> None:
        if not self.connected.done():
            self.connected.set_exception(error)
        for future in self.acks.values():
            if not future.done():
                future.set_exception(error)
        self.close()

    def send(self, text: str) -> None:
        self.ws.send(text.encode())

    # Engine.IO and Socket.IO packets.
    def _on_text(self, text: str) -> None:
        received = self.last_data
        kind = text[0]
        if kind == "0":  # Engine.IO open: enter the namespace with the roadshow
            self.send(f"40{NS}," + json.dumps({"roadshow": self.roadshow}))
        elif kind == "2":
            self.send("3")
        elif kind == "1" and self.closed_by is None:
            self.closed_by = "engine.io"
        elif kind == "4":
            packet = text[1:]
            if packet.startswith("0"):
                self.connected_at = received
                if not self.connected.done():
                    self.connected.set_result(True)
            elif packet.startswith("4"):
                self._fail(ConnectionRefusedError(packet))
            elif packet.startswith("1") and self.closed_by is None:
                self.closed_by = "socket.io"
            elif packet.startswith("3"):
                rest = packet[1 + len(NS) + 1:]
                cut = rest.index("[")
                future = self.acks.pop(int(rest[:cut]), None)
                if future is not None and not future.done():
                    future.set_result((received, rest[cut:]))
            elif packet.startswith("2") and self.on_question is not None:
                match = QUESTION.search(packet)
                if match:
                    self.on_question(self, int(match.group(1)), float(match.group(2)), received)

    async def call(self, event: str, data: dict, timeout: float) -> tuple[float, str]:
        self.next_ack += 1
        future = asyncio.get_running_loop().create_future()
        self.acks[self.next_ack] = future
        self.send(f"42{NS},{self.next_ack}" + json.dumps([event, data], ensure_ascii=False))
        return await asyncio.wait_for(future, timeout)

    def close(self) -> None:
        if self.ws is not None and self.ws.transport is not None:
            self.ws.transport.close()


async def open_client(port: int, cookie: str, roadshow: int, timeout: float, on_question=None) -> Client:
    loop = asyncio.get_running_loop()
    client = Client(port, cookie, roadshow, on_question)
    await asyncio.wait_for(loop.create_connection(client.websocket, "127.0.0.1", port), timeout)
    await asyncio.wait_for(client.connected, timeout)
    return client


# --- the load generator (its own process) --------------------------------------------------------

def loadgen(pipe, port: int, cookies: list[str], roadshow: int, timeout: float) -> None:
    asyncio.run(_loadgen(pipe, port, cookies, roadshow, timeout))


async def _loadgen(pipe, port, cookies, roadshow, timeout):
    import gc

    gc.disable()  # the load generator's own pauses would count as the server's
    receipts: list[tuple[Client, float, float]] = []  # (client, sent, received)

    def on_question(client, _number, sent, received):
        # A broadcast may arrive before the namespace connect's answer (the server enters the
        # rooms before its handler ends); socket.io-client buffers it and hands it over then.
        receipts.append((client, sent, received))

    async def join(cookie):
        started = time.time()
        try:
            client = await open_client(port, cookie, roadshow, timeout, on_question)
            received, body = await client.call("sync", {"after": None}, timeout)
        except (OSError, ConnectionError, TimeoutError, ValueError) as error:
            return None, started, f"{type(error).__name__}: {error}"[:200]
        reply = json.loads(body)[0]
        if not reply.get("ok") or reply.get("mode") != "snapshot":
            client.close()
            return None, started, f"sync refused: {body[:200]}"
        return client, started, (client.connected_at, received, len(body))

    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, pipe.recv)  # "go"
    results = await asyncio.gather(*(join(cookie) for cookie in cookies))
    pipe.send(("joined", [(started, outcome) for _client, started, outcome in results]))
    await loop.run_in_executor(None, pipe.recv)  # "stop"
    joined = {id(client) for client, _started, _outcome in results if client is not None}
    for client, _started, _outcome in results:
        if client is not None:
            client.close()
    # Only the clients that joined: what one that failed got before it failed is neither
    # expected nor delivered (counting it made deliveries exceed 100 %).
    pipe.send(("receipts", [(id(client), client.connected_at, sent, received)
                             for client, sent, received in receipts if id(client) in joined]))


# --- one run -------------------------------------------------------------------------------------

async def ask(port: int, cookie: str, roadshow: int, rate: float, stop: asyncio.Event) -> list[float]:
    """Ask a question every 1/rate seconds until ``stop``; return the send times of the acked ones."""
    client = await open_client(port, cookie, roadshow, 30)
    await client.call("sync", {"after": None}, 30)
    sent: list[float] = []
    number = 0
    pending = []

    async def one(number, at):
        try:
            _received, body = await client.call(
                "ask", {"uuid": str(uuid.uuid4()), "text": f"storm {number} {at:.6f} {ASKED[:20]}"}, 30)
            if json.loads(body)[0].get("ok"):
                sent.append(at)
        except (TimeoutError, ConnectionError):
            pass

    while not stop.is_set():
        pending.append(asyncio.create_task(one(number, time.time())))
        number += 1
        try:
            await asyncio.wait_for(stop.wait(), 1 / rate)
        except TimeoutError:
            pass
    await asyncio.gather(*pending)
    client.close()
    return sent


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def storm(args, server: Server, data: dict) -> dict:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=loadgen, args=(child, server.port, data["cookies"][:args.clients],
                                                    data["roadshow"], args.timeout))
    process.start()
    loop = asyncio.get_running_loop()
    try:
        stop = asyncio.Event()
        asker = asyncio.create_task(ask(server.port, data["asker"], data["roadshow"], args.rate, stop)) \
            if args.rate > 0 else None
        await asyncio.sleep(1.0 if asker else 0)
        load = os.getloadavg()
        spy = None
        if args.profile:  # py-spy (pip install py-spy) samples the worker during the storm
            py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
            spy = subprocess.Popen([py_spy, "record",  # noqa: S603
                                    "-p", str(server.worker_pid()), "-r", "200", "--format", "raw",
                                    "-o", args.profile], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            await asyncio.sleep(1.0)
        if args.signal_profile:  # a --config whose worker starts and stops a profiler on SIGUSR2
            os.kill(server.worker_pid(), signal.SIGUSR2)
        cpu_before = server.cpu_seconds()
        parent.send("go")
        _, joined = await loop.run_in_executor(None, parent.recv)
        cpu = server.cpu_seconds() - cpu_before
        if args.signal_profile:
            os.kill(server.worker_pid(), signal.SIGUSR2)
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=30)
        await asyncio.sleep(args.grace)
        stop.set()
        sent = await asker if asker else []
        await asyncio.sleep(0.5)
        parent.send("stop")
        _, receipts = await loop.run_in_executor(None, parent.recv)
        process.join(timeout=30)
    finally:
        if process.is_alive():
            process.kill()
    return summarise(joined, receipts, sent, cpu, load, os.getloadavg())


def summarise(joined, receipts, sent, cpu, load_before, load_after) -> dict:
    ok = [(started, outcome) for started, outcome in joined if isinstance(outcome, tuple)]
    errors = [outcome for _started, outcome in joined if not isinstance(outcome, tuple)]
    first = min(started for started, _ in joined)
    per_join = [(outcome[1] - started) * 1000 for started, outcome in ok]
    wall = max(outcome[1] for _, outcome in ok) - first if ok else float("nan")
    # Every question sent after a client's namespace connect must reach it live.
    connected = sorted(outcome[0] for _, outcome in ok)
    expected = sum(sum(1 for at in connected if at < sent_at) for sent_at in sent)
    acked = {round(at, 6) for at in sent}
    live = {(client, round(sent_at, 6)): (received - sent_at) * 1000
            for client, connected_at, sent_at, received in receipts
            if round(sent_at, 6) in acked and sent_at > connected_at}
    latencies = [(received - sent_at) * 1000 for _c, _at, sent_at, received in receipts
                 if round(sent_at, 6) in acked]
    return {
        "joined": len(ok), "clients": len(joined), "errors": errors[:3], "wall_s": wall,
        "join_p50": percentile(per_join, 50), "join_p95": percentile(per_join, 95),
        "join_max": max(per_join) if per_join else float("nan"),
        "snapshot_bytes": percentile([outcome[2] for _, outcome in ok], 50),
        "questions": len(sent), "delivered": len(live), "expected": expected,
        "lat_p50": percentile(latencies, 50), "lat_p99": percentile(latencies, 99),
        "lat_max": max(latencies) if latencies else float("nan"),
        "server_cpu_s": cpu, "load_before": load_before, "load_after": load_after,
    }


def describe(result: dict) -> str:
    line = (f"joined {result['joined']}/{result['clients']} in {result['wall_s']:.2f} s "
            f"(per join p50 {result['join_p50']:.0f} ms, p95 {result['join_p95']:.0f} ms, max "
            f"{result['join_max']:.0f} ms; snapshot {result['snapshot_bytes'] / 1024:.1f} KiB); "
            f"server CPU {result['server_cpu_s']:.1f} s")
    if result["questions"]:
        share = 100 * result["delivered"] / max(1, result["expected"])
        line += (f"; {result['questions']} questions meanwhile: delivered {result['delivered']}/"
                 f"{result['expected']} ({share:.1f} %), latency p50 {result['lat_p50']:.0f} ms, p99 "
                 f"{result['lat_p99']:.0f} ms, max {result['lat_max']:.0f} ms")
    line += (f"; load average {result['load_before'][0]:.2f} before, "
             f"{result['load_after'][0]:.2f} after")
    if result["errors"]:
        line += f"\n  errors (first 3): {result['errors']}"
    return line


def run_once(args, run: int) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="bxqx-join-storm-"))
    name = f"bxqx_join_storm_{os.getpid()}_{run}"
    url = create_database(name)
    server = None
    try:
        data = build_database(url, args.clients)
        extra = {"SERVER_ROLE": args.role}
        if args.role != "all":
            extra["SOCKETIO_MESSAGE_QUEUE"] = args.redis
        for item in args.env:
            key, _, value = item.partition("=")
            extra[key] = value
        server = Server(url, workdir, extra, args.config)
        asyncio.run(_warm(server, data))
        result = asyncio.run(storm(args, server, data))
        if result["errors"]:  # what the server said about the failed joins
            print(server.log_path.read_text(errors="replace")[-3000:], file=sys.stderr)
        return result
    except Exception:
        if server is not None:
            print(server.log_path.read_text(errors="replace")[-3000:], file=sys.stderr)
        raise
    finally:
        if server is not None:
            server.stop()
        drop_database(name)
        shutil.rmtree(workdir, ignore_errors=True)


async def _warm(server: Server, data: dict) -> None:
    """One join first, so imports and the first queries are not counted."""
    client = await open_client(server.port, data["asker"], data["roadshow"], 30)
    await client.call("sync", {"after": None}, 30)
    client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rate", type=float, default=10.0, help="questions per second during the storm")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds a join may take")
    parser.add_argument("--grace", type=float, default=2.0, help="seconds of questions after the last join")
    parser.add_argument("--role", choices=("all", "live"), default="all",
                        help="SERVER_ROLE (live needs Redis, --redis)")
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"))
    parser.add_argument("--profile", help="write py-spy's samples of the storm (raw format) here")
    parser.add_argument("--config", default="gunicorn.conf.py", help="the server's gunicorn config")
    parser.add_argument("--signal-profile", action="store_true",
                        help="send the worker SIGUSR2 before and after the storm (for a --config "
                             "that starts and stops a profiler on it)")
    parser.add_argument("--env", action="append", default=[], help="KEY=VALUE for the server")
    args = parser.parse_args()
    for run in range(1, args.runs + 1):
        print(f"run {run}: {describe(run_once(args, run))}", flush=True)


if __name__ == "__main__":
    main()
