"""The benchmarks' failure accounting (bench/loadgen.py, bench/appserver.py, bench/roadshow_report.py,
bench/soak_accounting.py): a socket error, a timeout, a bad status, a dead worker or a lost delivery
is counted, never hidden. No timing is asserted."""

import importlib.util
import socket
import threading
import time
from argparse import Namespace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _module(name: str):
    """A bench module by its file (bench/ is not a package; its folder stays off sys.path)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


loadgen = _module("loadgen")
appserver = _module("appserver")
report = _module("roadshow_report")
soak = _module("soak_accounting")

WRK_OUTPUT = """Running 3s test @ http://127.0.0.1:8765
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    61.32ms   80.11ms 843.20ms   88.42%
  Latency Distribution
     50%   31.20ms
     75%   70.00ms
     90%  150.10ms
     99%    1.20s
  1234 requests in 3.00s, 5.00MB read
  Socket errors: connect 1, read 7, write 2, timeout 12
  Non-2xx or 3xx responses: 5
Requests/sec:    411.33
Transfer/sec:      1.67MB
"""


def test_wrk_socket_errors_timeouts_and_statuses_are_counted():
    figures = loadgen.parse_wrk(WRK_OUTPUT)
    assert (figures["connect"], figures["read"], figures["write"], figures["timeout"]) == (1, 7, 2, 12)
    assert figures["status"] == 5
    assert loadgen.failures(figures) == 27
    assert (figures["requests"], figures["rps"]) == (1234, 411.33)
    assert (figures["p50"], figures["p90"], figures["p99"]) == (31.2, 150.1, 1200.0)


def test_a_clean_wrk_run_has_no_failures_and_garbage_is_an_error():
    clean = WRK_OUTPUT.replace("  Socket errors: connect 1, read 7, write 2, timeout 12\n", "") \
        .replace("  Non-2xx or 3xx responses: 5\n", "")
    assert loadgen.failures(loadgen.parse_wrk(clean)) == 0
    with pytest.raises(RuntimeError):
        loadgen.parse_wrk("unable to connect to 127.0.0.1:8765 Connection refused")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802  (http.server's name)
        if self.path == "/slow":
            time.sleep(1.5)
        status = 500 if self.path == "/broken" else 200
        body = b"ok"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()
    thread.join()


def test_the_python_loader_counts_bad_statuses_and_timeouts(http_server):
    figures = loadgen.python_load(http_server, ["/ok", "/broken"], 1, 2, {}, timeout=5)
    assert figures["requests"] > 0
    assert figures["status"] > 0 and figures["status"] <= figures["requests"]
    slow = loadgen.python_load(http_server, ["/slow"], 1, 1, {}, timeout=0.3)
    assert slow["timeout"] >= 1
    assert slow["requests"] == 0


def test_the_python_loader_counts_connection_failures():
    with socket.socket() as probe:  # a port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    figures = loadgen.python_load(port, ["/"], 1, 1, {}, timeout=1)
    assert figures["connect"] > 0 and figures["requests"] == 0


def test_the_python_loader_says_when_a_list_of_new_paths_ran_out(http_server):
    assert loadgen.python_load(http_server, ["/a", "/b"], 1, 1, {}, timeout=5)["reused"]
    assert not loadgen.python_load(http_server, [f"/{n}" for n in range(100_000)], 1, 1, {},
                                   timeout=5)["reused"]


def test_the_paced_loader_sends_on_time_however_slow_the_answers(http_server):
    """Open loop: a server that takes 1.5 s per request still gets the planned requests/s."""
    started = time.monotonic()
    figures = loadgen.paced_load(http_server, ["/slow"], rate=8, seconds=1, headers={}, timeout=5)
    assert figures["requests"] == 8 and loadgen.failures(figures) == 0
    assert time.monotonic() - started < 3  # not 8 x 1.5 s one after another
    broken = loadgen.paced_load(http_server, ["/broken"], rate=4, seconds=1, headers={}, timeout=5)
    assert broken["status"] == 4 and broken["requests"] == 0


def test_the_health_probe_times_each_check_and_counts_the_failed_ones(http_server):
    with loadgen.HealthProbe(http_server, interval=0.05, timeout=5) as probe:
        time.sleep(0.6)
    figures = probe.figures()
    assert figures["health_checks"] >= 5 and figures["health_failed"] == 0
    assert 0 < figures["health_p50"] <= figures["health_p99"] <= figures["health_max"] < 1000
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with loadgen.HealthProbe(port, interval=0.05, timeout=1) as dead:
        time.sleep(0.3)
    assert dead.figures()["health_failed"] >= 3


GUNICORN_LOG = """[2026-12-06 12:31:00 +0000] [1] [INFO] Booting worker with pid: 2
[2026-12-06 12:31:05 +0000] [1] [WARNING] Worker (pid:2) was sent SIGSEGV!
[2026-12-06 12:31:05 +0000] [1] [INFO] Booting worker with pid: 3
[2026-12-06 12:31:09 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:3)
[2026-12-06 12:31:09 +0000] [1] [ERROR] Worker (pid:3) exited with code 1.
[2026-12-06 12:31:10 +0000] [1] [INFO] Booting worker with pid: 4
Traceback (most recent call last):
  File "x.py", line 1, in <module>
ValueError: boom
[2026-12-06 12:32:00 +0000] [1] [INFO] Worker (pid:4) was sent SIGTERM!
"""


def test_worker_deaths_boots_and_tracebacks_are_read_from_gunicorns_log():
    events = appserver.log_events(GUNICORN_LOG)
    assert len(events.deaths) == 3  # SIGSEGV, the timeout, the exit code; not the SIGTERM at the stop
    assert "SIGSEGV" in events.deaths[0]
    assert events.boots == 3
    assert events.tracebacks == 1 and "ValueError: boom" in events.first_traceback
    assert appserver.log_events("[INFO] Booting worker with pid: 9\n").deaths == []


def _storm(observer_receipts, joiner_receipts, joiner_snapshot):
    """One observer (client 0) and one joiner (client 1); questions 0-3 sent at t = 10, 11, 12, 13
    and acked 0.1 s later; the joiner sent its sync at 11.5 and got the answer at 12.5."""
    asked = {"sent": {n: 10.0 + n for n in range(4)}, "acked_at": {n: 10.1 + n for n in range(4)}}
    joins = [{"joined": True, "sync_sent_at": 9.0, "synced_at": 9.5, "snapshot": [], "errors": []},
             {"joined": True, "sync_sent_at": 11.5, "synced_at": 12.5, "snapshot": joiner_snapshot,
              "errors": []}]
    receipts = [[(n, 20.0, 1) for n in observer_receipts], [(n, 20.0, 1) for n in joiner_receipts]]
    done = {"joins": joins, "receipts": receipts}
    return report.summarise_storm({0}, done, asked, {"started": 11.0})


def test_a_join_storm_with_every_delivery_loses_nothing():
    # The joiner: 0 and 1 were acked before its sync (snapshot); 3 was sent after its answer
    # (live); 2, sent in between, may come either way.
    result = _storm(range(4), [3], [0, 1])
    assert result["lost"] == 0 and result["checked"] == 4 + 3
    assert result["joined"] == 1 and result["join_s"] == pytest.approx(1.5)


@pytest.mark.parametrize(("observer", "joiner", "snapshot"), [
    ([0, 1, 3], [3], [0, 1]),  # the observer missed question 2
    (range(4), [], [0, 1]),  # the joiner did not get question 3 live
    (range(4), [3], [0]),  # question 1 was acked before the joiner's sync, not in its snapshot
])
def test_a_join_storm_counts_every_lost_delivery(observer, joiner, snapshot):
    result = _storm(observer, joiner, snapshot)
    assert result["lost"] == 1
    args = Namespace(churn=False, processes=1)
    base = {"client_errors": [], "disconnected": 0, "connected": 2, "clients": 2, "cross": (0, 0),
            "asker_errors": [], "unacked": 0, "asker_timeouts": 0, "deaths": [], "tracebacks": 0}
    found = report.problems(args, {**base, **result})
    assert found == ["1 of 7 deliveries lost during the join storm"]
    assert report.problems(args, {**base, **_storm(range(4), [3], [0, 1])}) == []


def _soak_room(receipts_of):
    """Numbers 1-3: a question asked by asker 0 (client 1), its approval, its answer, each sent at
    t = 10, 11, 12; clients: 0 the host (moderator), 1 the asker, 2 an attendee. ``receipts_of``
    gives each client's (number, type, arrival time) receipts."""
    receipts = soak.Receipts(3)
    for client, received in enumerate(receipts_of):
        hook = receipts.hook(client)
        for number, kind, at in received:
            hook(number, kind, at)
    actions = {1: ("ask", 10.0, 0), 2: ("approve", 11.0, None), 3: ("answer", 12.0, None)}
    return receipts.account(actions, 0, 3, authors={0: 1}, moderators=frozenset({0}))


EVERY_VIEW = [
    [(1, "question.created", 10.1), (2, "question.updated", 11.1), (3, "question.updated", 12.1)],
    [(1, "question.created", 10.1), (1, "noop", 10.2), (2, "question.updated", 11.1),
     (3, "question.updated", 12.1)],
    [(1, "noop", 10.2), (2, "question.updated", 11.2), (3, "question.updated", 12.3)],
]


def test_the_soak_counts_every_number_each_client_should_get_in_its_view():
    account = _soak_room(EVERY_VIEW)
    assert (account["expected"], account["delivered"], account["missing"], account["wrong"]) == (9, 9, 0, 0)
    assert account["latency"]["answer"] == {100: 2, 300: 1}
    assert account["unattributed"] == 0


def test_the_soak_counts_a_lost_number_and_a_view_the_client_may_not_see():
    lost = [EVERY_VIEW[0], EVERY_VIEW[1], EVERY_VIEW[2][:2]]  # the attendee never got number 3
    account = _soak_room(lost)
    assert (account["delivered"], account["missing"]) == (8, 1)
    assert account["examples"] == ["client 2 missed number 3"]
    leaked = [EVERY_VIEW[0], EVERY_VIEW[1], [(1, "question.created", 10.1), *EVERY_VIEW[2][1:]]]
    assert _soak_room(leaked)["wrong"] == 1  # a pending question reached an attendee who is not its author
    merged = soak.merge_accounts([_soak_room(lost), _soak_room(EVERY_VIEW)])
    assert (merged["expected"], merged["delivered"], merged["missing"]) == (18, 17, 1)
    assert soak.percentile(merged["latency"]["ask"], 50) == 100


def test_the_soak_tells_recycled_workers_from_deaths():
    recycled = "[INFO] Autorestarting worker after current request.\n[INFO] Booting worker with pid: 7\n"
    assert soak.worker_deaths([], 1, recycled) == []
    assert soak.worker_deaths([], 2, recycled) == ["2 worker boot(s) after the start, 1 of them after "
                                                   "MAX_REQUESTS"]
    killed = "Worker (pid:6) was sent SIGKILL!"
    assert soak.worker_deaths([killed], 1, "") == [killed]
    assert soak.worker_deaths([], 0, "", [5], [9]) == ["worker pid changed: [5] -> [9]"]
