"""The deploy check (``make deploy-check``, and the PostgreSQL lane of ``make test``): production's
set-up on loopback (deploy/check.py: nginx with deploy/nginx, two live and two pages gunicorn
processes, an RQ worker, a fresh PostgreSQL database, Redis, an SMTP server), used only through
nginx as browsers, Stripe and mail readers use it. A live room spread over both live processes
loses one of them to SIGKILL: every attendee comes back through nginx and nothing acknowledged is
lost. An XLSX import runs in the worker, a signed Stripe webhook makes a licence effective, and a
password-reset mail arrives with its PUBLIC_URL link. One set-up for the module (about a minute)."""

import json
import os
import re
import socket
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

import brotli
import pytest
import requests
import socketio
from sqlalchemy import select

from events.live import log
from events.live.log import Viewer
from events.models import Registration, RegistrationStatus
from marketplace import create_app
from marketplace.accounts.models import Role
from marketplace.config import TestConfig
from marketplace.extensions import db
from marketplace.jobs.models import Job, JobState
from marketplace.licences.models import LicenceState, OpenLicence
from marketplace.listings.imports.models import ImportBatch, ImportState
from marketplace.listings.models import Listing, ListingState
from marketplace.orgs.models import OrgKind
from marketplace.payments.models import Payment, PaymentState
from tests import factories
from tests.conftest import zh
from tests.factories import PASSWORD
from tests.live_server import login, login_session, post_form
from tests.live_support import build_room
from tests.services import IN_CI, REDIS_URL, require, require_nginx

pytestmark = pytest.mark.redis

NS = "/live"
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_HASHED_CSS = re.compile(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"')


def _lane_database() -> str:
    """The PostgreSQL server: the lane's (TEST_DATABASE_URL) or DEPLOY_CHECK_DATABASE_URL."""
    lane = os.environ.get("TEST_DATABASE_URL", "")
    return os.environ.get("DEPLOY_CHECK_DATABASE_URL") or (lane if lane.startswith("postgres") else "")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """The deployment, localstripe behind the Checkout boundary, and an app on its database."""
    from deploy.check import Stack
    from tests.stripe_support import (
        SECRET_KEY,
        WEBHOOK_SECRET,
        CheckoutBoundary,
        LocalStripe,
        localstripe_available,
    )

    database = _lane_database()
    if not database:
        pytest.skip("the deploy check runs in the PostgreSQL lane (make deploy-check; make test)")
    require("PostgreSQL", "127.0.0.1", 5432)
    require("Redis", "127.0.0.1", 6379)
    require_nginx()
    if not localstripe_available():
        if IN_CI:
            pytest.fail("localstripe is not installed (CI=true)", pytrace=False)
        pytest.skip("localstripe is not installed (pip install -r requirements-dev.txt)")
    stripe_server = LocalStripe()
    boundary = CheckoutBoundary(stripe_server)
    stripe_env = {"STRIPE_SECRET_KEY": SECRET_KEY, "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
                  "STRIPE_API_BASE": boundary.url,
                  # Every import is parsed and imported by the worker, however small.
                  "IMPORT_BACKGROUND_ROWS": "1", "IMPORT_WORKER_PARSE_BYTES": "1"}
    redis_url = os.environ.get("DEPLOY_CHECK_REDIS_URL") or REDIS_URL
    deployment = Stack(tmp_path_factory.mktemp("deploy"), database=database, redis=redis_url,
                       env=stripe_env)
    try:
        deployment.start()
        app = create_app({"CONFIG_CLASS": TestConfig, "SQLALCHEMY_DATABASE_URI": deployment.database_url,
                          "STRIPE_SECRET_KEY": SECRET_KEY, "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
                          "STRIPE_API_BASE": boundary.url})
        with app.app_context():
            deployment.boundary = boundary
            yield deployment
            db.session.remove()
            db.engine.dispose()
    finally:
        deployment.stop()
        boundary.stop()
        stripe_server.stop()


def fresh(model, ident):
    """``model`` ``ident`` as the servers committed it."""
    db.session.rollback()
    db.session.expire_all()
    return db.session.get(model, ident)


def eventually(check, timeout: float = 60.0, what: str = "", stack=None):
    deadline = time.monotonic() + timeout
    while True:
        db.session.rollback()
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}\n{stack.logs() if stack else ''}")
        time.sleep(0.2)


# --- nginx --------------------------------------------------------------------------------------

def test_nginx_serves_static_files_itself_compressed_and_cached_for_a_year(stack):
    home = requests.get(stack.url + "/", timeout=10)
    assert home.status_code == 200
    # The request id nginx made is the one the app used (32 hex digits: nginx's $request_id).
    assert re.fullmatch(r"[0-9a-f]{32}", home.headers["X-Request-ID"])
    css = _HASHED_CSS.search(home.text).group(1)
    response = requests.get(stack.url + css, headers={"Accept-Encoding": "gzip"}, timeout=10)
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert "immutable" in response.headers["Cache-Control"]
    assert response.headers["Expires"].endswith("2037 23:55:55 GMT")  # nginx's `expires max`
    disk = Path(__file__).resolve().parent.parent / "marketplace" / "static" / "css" / "app.css"
    assert response.content == disk.read_bytes()
    assert "X-Request-ID" not in response.headers  # not the app: it tags every answer
    # Brotli for browsers that take it, with Debian's module (.ci/run installs it).
    from deploy.run_local import BROTLI_MODULE

    if not BROTLI_MODULE.exists():
        message = "nginx's Brotli module is not installed (apt-get install libnginx-mod-http-brotli-filter)"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        return
    response = requests.get(stack.url + css, headers={"Accept-Encoding": "br, gzip"}, timeout=10,
                            stream=True)
    assert response.headers["Content-Encoding"] == "br" and "Accept-Encoding" in response.headers["Vary"]
    compressed = response.raw.read()
    assert brotli.decompress(compressed) == disk.read_bytes() and len(compressed) < len(disk.read_bytes()) / 3


def test_metrics_are_not_public_and_bodies_are_limited(stack):
    from deploy.check import METRICS_TOKEN

    assert requests.get(stack.url + "/metrics", timeout=10,
                        headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).status_code == 404
    direct = requests.get(stack.pages[0].url + "/metrics", timeout=10,
                          headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert direct.status_code == 200 and "bxqx_request_seconds" in direct.text
    # A body over nginx's limit is refused on its Content-Length, before it is sent.
    with socket.create_connection(("127.0.0.1", stack.port), timeout=10) as raw:
        raw.sendall(b"POST /manage/imports/new HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    b"Content-Type: application/octet-stream\r\nContent-Length: 40000000\r\n\r\n")
        assert raw.recv(200).startswith(b"HTTP/1.1 413")


# --- the live room over both live processes, and one of them killed -----------------------------

class RoomClient:
    """A browser in the room, as room.js behaves: Socket.IO over a WebSocket through nginx, with
    nginx's sticky cookie; on every connect ``sync {after: last contiguous number}``; reconnects
    by itself (python-socketio's reconnection, 0.5-2 s apart)."""

    def __init__(self, stack, user, roadshow_id: int, sticky: str):
        self.user, self.sticky = user, sticky
        self.events: dict[int, dict] = {}
        self.disconnects: list[str] = []
        self.connects = 0
        self.lock = threading.Condition()
        self.synced = threading.Event()
        self.sync_errors: list = []
        self.client = socketio.Client(reconnection=True, reconnection_delay=0.5,
                                      reconnection_delay_max=2, reconnection_attempts=0,
                                      websocket_extra_options={"suppress_origin": True})
        self.client.on("connect", self._on_connect, namespace=NS)
        self.client.on("disconnect", self._on_disconnect, namespace=NS)
        self.client.on("event", self._on_event, namespace=NS)
        cookie = login(stack.url, user.email, PASSWORD) + f"; bxqx_live={sticky}"
        self.client.connect(stack.url, headers={"Cookie": cookie, "Origin": stack.url},
                            auth={"roadshow": roadshow_id}, namespaces=[NS],
                            transports=["websocket"], wait_timeout=10)
        assert self.synced.wait(15), f"{user.email} did not sync: {self.sync_errors}"

    def last(self) -> int:
        """The last number this client holds with every number before it."""
        with self.lock:
            seq = 0
            while seq + 1 in self.events:
                seq += 1
            return seq

    def _on_connect(self):
        with self.lock:
            self.connects += 1
        self.client.start_background_task(self._sync)

    def _sync(self):
        try:
            reply = self.client.call("sync", {"after": self.last()}, namespace=NS, timeout=10)
        except Exception as error:  # noqa: BLE001 - recorded; the test reports it
            self.sync_errors.append(repr(error))
            return
        if not reply.get("ok") or reply.get("mode") != "replay":
            self.sync_errors.append(reply)
            return
        for event in reply["events"]:
            self._on_event(event)
        self.synced.set()

    def _on_disconnect(self, reason=None):
        self.synced.clear()
        with self.lock:
            self.disconnects.append(str(reason))
            self.lock.notify_all()

    def _on_event(self, event):
        with self.lock:
            self.events.setdefault(event["seq"], event)
            self.lock.notify_all()

    def wait_seq(self, seq: int, timeout: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout
        while self.last() < seq:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def call(self, event: str, data: dict) -> dict:
        return self.client.call(event, data, namespace=NS, timeout=10)

    def applied(self) -> list[dict]:
        with self.lock:
            return [self.events[seq] for seq in sorted(self.events)]


def live_process_of(stack, key: str) -> int:
    """Which live process nginx sends the browser with sticky cookie ``key`` to: open an Engine.IO
    session through nginx, then close it on the process that knows it."""
    handshake = requests.get(stack.url + "/socket.io/?EIO=4&transport=polling",
                             headers={"Cookie": f"bxqx_live={key}"}, timeout=10)
    assert handshake.status_code == 200 and "Set-Cookie" not in handshake.headers
    sid = json.loads(handshake.text[1:])["sid"]
    owners = [index for index, server in enumerate(stack.live)
              if requests.post(f"{server.url}/socket.io/?EIO=4&transport=polling&sid={sid}",
                               data="1", timeout=10).status_code == 200]
    assert len(owners) == 1, owners
    return owners[0]


def sticky_keys(stack) -> list[str]:
    """One sticky-cookie value per live process (nginx's hash picks the process)."""
    keys: dict[int, str] = {}
    for _attempt in range(64):
        key = uuid.uuid4().hex
        keys.setdefault(live_process_of(stack, key), key)
        if len(keys) == len(stack.live):
            return [keys[index] for index in range(len(stack.live))]
    pytest.fail(f"nginx sent 64 keys to the same live process: {keys}")


def test_a_first_socketio_request_gets_the_sticky_cookie(stack):
    response = requests.get(stack.url + "/socket.io/?EIO=4&transport=polling", timeout=10)
    assert response.status_code == 200
    cookie = response.headers["Set-Cookie"]
    assert re.match(r"bxqx_live=[0-9a-f]{32}; Path=/socket\.io/; HttpOnly; SameSite=Lax$", cookie)
    # The same cookie, the same process, every time.
    key = cookie.split(";")[0].split("=")[1]
    assert len({live_process_of(stack, key) for _ in range(4)}) == 1


def test_killing_a_live_process_loses_no_acknowledged_event(stack):
    room = build_room(factories.user)
    rid = room.roadshow.id
    others = [factories.user(Role.INVESTOR, name=f"观众{n}") for n in range(5)]
    for user in others:
        db.session.add(Registration(roadshow_id=rid, user_id=user.id,
                                    status=RegistrationStatus.CONFIRMED))
    db.session.commit()
    keys = sticky_keys(stack)
    people = [room.host, room.alice, room.bob, *others]
    clients = [RoomClient(stack, person, rid, keys[n % 2]) for n, person in enumerate(people)]
    host = clients[0]
    on_killed = [client for client in clients if client.sticky == keys[0]]
    survivors = [client for client in clients if client.sticky == keys[1]]
    acked: list[int] = []

    def ask(client: RoomClient, text: str) -> None:
        reply = client.call("ask", {"uuid": str(uuid.uuid4()), "text": text})
        assert reply["ok"], reply
        acked.append(reply["seq"])

    try:
        assert host.call("go_live", {})["ok"] and host.call("moderation", {"on": False})["ok"]
        ask(clients[1], "两个直播进程都能收到吗？")
        ask(clients[2], "粘性会话靠什么实现？")
        assert all(client.wait_seq(acked[-1]) for client in clients)
        assert all(client.disconnects == [] for client in clients)

        # One live process dies outright, arbiter and worker.
        killed_at = time.monotonic()
        stack.live[0].kill()
        for client in on_killed:
            with client.lock:
                assert client.lock.wait_for(lambda c=client: c.disconnects, timeout=30), \
                    "a client of the killed process did not notice"
        # The room goes on meanwhile on the other process.
        for n in range(3):
            ask(survivors[n % len(survivors)], f"进程挂了以后的第{n + 1}个问题")
        # Everyone is back through nginx, on the surviving process, and caught up.
        deadline = time.monotonic() + 30
        for client in on_killed:
            assert client.synced.wait(max(0.1, deadline - time.monotonic())), \
                f"{client.user.email} did not come back: {client.sync_errors}\n{stack.logs()}"
        back_after = time.monotonic() - killed_at
        ask(on_killed[0], "我重连回来了，刚才的问题都在吗？")
        final = acked[-1]
        assert all(client.wait_seq(final) for client in clients), \
            [(client.user.email, client.last()) for client in clients]

        assert all(client.disconnects == [] for client in survivors)
        assert all(len(client.disconnects) >= 1 and client.connects >= 2 for client in on_killed)
        assert back_after < 30
        # Nothing lost: each client holds every number up to the last, and each one's list is
        # the room's log as that person may see it; every acknowledged question is in it.
        db.session.rollback()
        assert log.current_seq(rid) == final
        for client, person in zip(clients, people, strict=True):
            viewer = Viewer(person.id, moderator=person.id == room.host.id)
            assert client.applied() == log.replay(rid, 0, viewer), person.email
            assert set(acked) <= {event["seq"] for event in client.applied()}
        print(f"failover: {len(on_killed)} of {len(clients)} clients were on the killed process; "
              f"all back through nginx {back_after:.1f} s after the kill; {len(acked)} acknowledged "
              f"questions, every client holds all {final} events")  # pytest -s shows it
    finally:
        for client in clients:
            client.client.disconnect()
        restart_live(stack, 0, keys[0])


def restart_live(stack, index: int, key: str) -> None:
    """Start live process ``index`` again, as systemd's Restart=always does, and wait until nginx
    sends ``key`` to it again (it skips a failed server for fail_timeout), so that the module's
    deployment is whole for the tests that run after this one, in whatever order."""
    server = stack.live[index]
    if not server.running():
        server.kill()  # whatever is left of its process group
        server.start()
    deadline = time.monotonic() + 30
    while live_process_of(stack, key) != index:
        assert time.monotonic() < deadline, f"nginx did not send {key} back to live process {index}"
        time.sleep(0.5)


# --- the worker, Stripe and mail, through nginx -------------------------------------------------

def test_an_xlsx_import_is_run_by_the_worker_and_its_listings_appear(stack):
    from tests.imports_support import good_rows, xlsx

    tto = factories.user(Role.TTO)
    session = login_session(stack.url, tto.email, PASSWORD)
    token = _TOKEN.search(session.get(stack.url + "/manage/imports/new", timeout=10).text).group(1)
    uploaded = session.post(stack.url + "/manage/imports/new", data={"csrf_token": token},
                            files={"file": ("成果.xlsx", xlsx(good_rows()))},
                            allow_redirects=False, timeout=30)
    assert uploaded.status_code == 302, uploaded.text[:500]
    batch_id = int(re.search(r"/manage/imports/(\d+)", uploaded.headers["Location"]).group(1))
    eventually(lambda: fresh(ImportBatch, batch_id).state is ImportState.VALIDATED,
               what="the worker to check the file", stack=stack)
    page = f"/manage/imports/{batch_id}"
    started = post_form(session, stack.url, page, f"{page}/import", {"publish": "y"})
    assert started.status_code == 302
    eventually(lambda: fresh(ImportBatch, batch_id).state is ImportState.IMPORTED,
               what="the worker to import the rows", stack=stack)

    jobs = db.session.scalars(select(Job).order_by(Job.id)).all()
    mine = [job for job in jobs if job.request_id in (uploaded.headers["X-Request-ID"],
                                                      started.headers["X-Request-ID"])]
    assert len(mine) == 2 and all(job.state is JobState.SUCCEEDED for job in mine)
    listings = db.session.scalars(select(Listing).where(
        Listing.organisation_id == tto.organisation_id)).all()
    assert len(listings) == 3 and {listing.state for listing in listings} == {ListingState.PUBLISHED}
    shown = requests.get(f"{stack.url}/listings/{listings[0].id}", timeout=10)
    assert shown.status_code == 200 and listings[0].title in shown.text


def test_a_signed_stripe_webhook_makes_the_licence_effective(stack):
    university = factories.organisation(OrgKind.UNIVERSITY, name="华东理工科技大学")
    tto = factories.user(Role.TTO, org=university)
    buyer = factories.user(Role.COMPANY, org=factories.organisation(OrgKind.COMPANY, name="青禾新材料"))
    declaration = factories.declaration(tto, factories.patent(university, tto),
                                        fee_amount=Decimal("8800.50"))
    licence = factories.licence(buyer, declaration)
    session = login_session(stack.url, buyer.email, PASSWORD)
    paying = post_form(session, stack.url, "/", f"/licences/{licence.id}/pay", {"method": "stripe"})
    assert paying.status_code in (302, 303), paying.text[:500]
    db.session.rollback()
    payment = db.session.scalars(select(Payment).where(Payment.subject_id == licence.id)).one()
    from tests.stripe_support import signed_event

    paid = stack.boundary.pay(payment.provider_session_id)
    payload, signature = signed_event("checkout.session.completed", paid)
    answer = requests.post(stack.url + "/payments/webhooks/stripe", data=payload, timeout=30,
                           headers={"Stripe-Signature": signature,
                                    "Content-Type": "application/json"})
    assert answer.status_code == 200 and answer.json()["received"] is True, \
        f"{answer.text}\n{stack.logs()}"
    forged = requests.post(stack.url + "/payments/webhooks/stripe", data=payload, timeout=30,
                           headers={"Stripe-Signature": signature.replace("v1=", "v1=0"),
                                    "Content-Type": "application/json"})
    assert forged.status_code == 400
    assert fresh(Payment, payment.id).state is PaymentState.SUCCEEDED
    assert fresh(OpenLicence, licence.id).state is LicenceState.EFFECTIVE
    # The agreement's signed PDF: the pages process finds no file, asks the worker, and serves
    # what the worker signed and kept; the next download is the same file.
    copies = [session.get(f"{stack.url}/licences/{licence.id}/agreement.pdf", timeout=60)
              for _ in range(2)]
    assert [copy.status_code for copy in copies] == [200, 200], f"{copies[0].text[:300]}\n{stack.logs()}"
    assert copies[0].content.startswith(b"%PDF") and copies[0].content == copies[1].content
    signed_by = db.session.scalars(select(Job).where(Job.name == "licences.sign_agreement_pdf")).all()
    assert [(job.state, job.result) for job in signed_by] == [(JobState.SUCCEEDED, {"built": ["pdf"]})]


def test_a_reset_mail_arrives_with_a_link_from_public_url(stack):
    user = factories.user(Role.COMPANY, locale="zh_CN")
    session = requests.Session()
    token = _TOKEN.search(session.get(stack.url + "/auth/reset", timeout=10).text).group(1)
    asked = session.post(stack.url + "/auth/reset", data={"csrf_token": token, "email": user.email},
                         allow_redirects=False, timeout=10)
    assert asked.status_code == 302
    message = stack.inbox.wait_for(user.email, timeout=60)
    assert message is not None, f"no mail arrived\n{stack.logs()}"
    assert message["Subject"] == zh("Reset your password")
    body = message.get_body(("plain",)).get_content()
    link = re.search(r"(\S+/auth/reset/\S+)", body).group(1)
    assert link.startswith(stack.public_url + "/auth/reset/")
    opened = requests.get(link, timeout=10)
    assert opened.status_code == 200 and 'name="password"' in opened.text
