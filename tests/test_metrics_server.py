"""/metrics of a real gunicorn server with two page workers (prometheus_client's multiprocess
mode): what either worker counted is in the answer, whichever worker answers; /readyz checks
Redis; LOG_FORMAT=json writes the request id into the log (issue 17 point 5)."""

import json
import uuid

import pytest
import requests

from tests.live_server import ServerProcess
from tests.services import REDIS_URL, require
from tests.test_health_metrics import TOKEN, sample

pytestmark = pytest.mark.redis

REQUESTS = 24


def test_two_workers_metrics_add_up_and_readiness_checks_redis(migrated, tmp_path):
    require("Redis", "127.0.0.1", 6379)
    run = uuid.uuid4().hex[:8]
    folder = tmp_path / "prometheus"
    server = ServerProcess(migrated, tmp_path / "server", message_queue=REDIS_URL,
                           channel=f"bxqx-metrics-test-{run}", extra_env={
                               "SERVER_ROLE": "pages", "WEB_CONCURRENCY": "2", "REDIS_URL": REDIS_URL,
                               "RATELIMIT_KEY_PREFIX": f"bxqx-metrics-{run}",
                               "PROMETHEUS_MULTIPROC_DIR": str(folder), "METRICS_TOKEN": TOKEN,
                               "LOG_FORMAT": "json", "LOG_LEVEL": "info"})
    try:
        assert len(server.worker_pids()) == 2
        for n in range(REQUESTS):  # a new connection each: the kernel spreads them over the workers
            response = requests.get(server.url + "/healthz", headers={"X-Request-ID": f"probe-{n}"},
                                    timeout=10)
            assert response.status_code == 200 and response.headers["X-Request-ID"] == f"probe-{n}"
        ready = requests.get(server.url + "/readyz", timeout=10)
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["redis"] == {"ok": True}
        assert requests.get(server.url + "/metrics", timeout=10).status_code == 401
        text = requests.get(server.url + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"},
                            timeout=10).text
        assert sample(text, "bxqx_request_seconds_count", endpoint="main.healthz", method="GET",
                      status="2xx") == REQUESTS
        assert "bxqx_jobs_queued 0.0" in text
        assert sorted(path.name.split("_")[0] for path in folder.glob("*.db"))  # one file set per worker
        # A request the app logs: the login page's POST with a missing CSRF token is logged at
        # INFO by Flask-WTF, inside the request, with its id.
        requests.post(server.url + "/auth/login", data={}, headers={"X-Request-ID": "probe-csrf"},
                      timeout=10)
    finally:
        server.stop()
    lines = [json.loads(line) for line in server.log_path.read_text().splitlines()
             if line.startswith("{")]
    assert any(line.get("request_id") == "probe-csrf" for line in lines), lines[-5:]
