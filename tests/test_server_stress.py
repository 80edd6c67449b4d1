"""The production server stays up under concurrent uncached search (issue 12).

gunicorn with gunicorn.conf.py (one gevent WebSocket worker, as in production) serves a
PostgreSQL database of synthetic listings with the search cache off. Sixteen connections ask for
searches no cache has seen (common and rare words, filters, sorts, pages, browsing), whose
facets count thousands of matches, and open listing pages, for at least a minute. Any worker
that dies, is killed by a signal or times out, and any request that fails, fails the test.

On CPython 3.11 this load killed the worker with SIGSEGV several times a minute
(docs/performance.md, "The worker SIGSEGV"); this test is what would catch it coming back.
"""

import os
import re
import threading
import time
from itertools import cycle, product
from urllib.parse import quote

import pytest
import requests

from marketplace.extensions import db
from marketplace.listings import bulk
from tests.live_server import ServerProcess

#: Seconds of load (at least the issue's 60); STRESS_SECONDS may lengthen it.
SECONDS = max(60, int(os.environ.get("STRESS_SECONDS", "60")))
CONNECTIONS = 16
LISTINGS = 6000
WORDS = ("电池", "锂离子电池", "传感器", "芯片", "机器人", "储能系统", "故障诊断", "正极材料", "疫苗", "水稻",
         "深度学习", "石墨烯", "污水", "激光雷达", "自动驾驶", "薄荷")
FILTERS = ("", "&grade=A", "&grade=B&sort=newest", "&mode=open_licence", "&kind=invention&page=2",
           "&trl=6", "&sort=newest&page=3")
#: Lines gunicorn's arbiter writes when a worker dies or is replaced.
WORKER_TROUBLE = re.compile(r"was sent SIG\w+|exited with code|WORKER TIMEOUT|Worker failed to boot")

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"),
    reason="runs in the PostgreSQL lane (make test-postgresql)")


def _paths(listing_ids: list[int]):
    """Every search once (words × filters, then browsing), interleaved with listing pages."""
    searches = [f"/listings?q={quote(word)}{extra}" for word, extra in product(WORDS, FILTERS)]
    searches += ["/listings", "/listings?field=energy", "/listings?grade=A&trl=6", "/listings?sort=newest"]
    listings = cycle(f"/listings/{listing_id}" for listing_id in listing_ids)
    for index, path in enumerate(cycle(searches)):
        yield path
        if index % 3 == 0:
            yield next(listings)


class Load:
    """CONNECTIONS threads, each a keep-alive session, for ``seconds``; counts what went wrong."""

    def __init__(self, base_url: str, paths, seconds: float):
        self.base_url, self.seconds = base_url, seconds
        self._paths, self._lock = paths, threading.Lock()
        self.done = 0
        self.failures: list[str] = []

    def _next(self) -> str:
        with self._lock:
            return next(self._paths)

    def _client(self, deadline: float) -> None:
        with requests.Session() as session:
            while time.monotonic() < deadline:
                path = self._next()
                try:
                    response = session.get(self.base_url + path, timeout=30)
                    ok = response.status_code == 200
                    problem = f"{path}: HTTP {response.status_code}"
                except requests.RequestException as error:
                    ok, problem = False, f"{path}: {type(error).__name__}: {error}"
                with self._lock:
                    self.done += ok
                    if not ok:
                        self.failures.append(problem)

    def run(self) -> None:
        deadline = time.monotonic() + self.seconds
        threads = [threading.Thread(target=self._client, args=(deadline,), daemon=True)
                   for _ in range(CONNECTIONS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=self.seconds + 60)


def test_concurrent_uncached_search_kills_no_worker(app, migrated, tmp_path):
    bulk.load(LISTINGS)
    listing_ids = list(range(1, LISTINGS + 1, 97))
    db.session.remove()
    server = ServerProcess(migrated, tmp_path / "instance", extra_env={
        "APP_ENV": "production", "SEARCH_CACHE_SECONDS": "0", "SESSION_COOKIE_SECURE": "0",
        "PYTHONFAULTHANDLER": "1"})
    try:
        worker_pids = server.worker_pids()
        load = Load(server.url, _paths(listing_ids), SECONDS)
        load.run()
        still_serving = requests.get(server.url + "/healthz", timeout=10).status_code == 200
        after = server.worker_pids()
    finally:
        server.stop()
    log = server.log_path.read_text(errors="replace")
    trouble = WORKER_TROUBLE.findall(log)
    assert not trouble, f"worker trouble under load: {trouble}\n{server.log()}"
    assert after == worker_pids, f"the worker was replaced ({worker_pids} -> {after})\n{server.log()}"
    assert not load.failures, f"{len(load.failures)} failed requests, first: {load.failures[:5]}"
    assert still_serving
    assert load.done >= CONNECTIONS * 10, f"only {load.done} requests in {SECONDS} s"
