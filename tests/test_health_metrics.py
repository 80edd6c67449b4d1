"""Operations: /healthz and /readyz, Prometheus metrics behind a token, request ids and JSON logs
(issue 17 point 5). The multi-process server side is in tests/test_metrics_server.py."""

import io
import json
import logging
import re
import time
from email.message import EmailMessage

import pytest
import sqlalchemy as sa

from marketplace import create_app, readiness, request_log
from marketplace.config import TestConfig
from marketplace.extensions import db
from marketplace.jobs import services as jobs
from marketplace.jobs.models import Job, JobState
from marketplace.mail import send_mail
from tests.live_server import free_port
from tests.live_support import ack, build_room, connect, new_uuid

TOKEN = "metrics-test-token-0123456789"


def scrape(client, token: str = TOKEN) -> str:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"].startswith("text/plain")
    return response.get_data(as_text=True)


def sample(text: str, name: str, **labels) -> float:
    """The value of one sample of the exposition ``text`` (0 when absent)."""
    wanted = {f'{key}="{value}"' for key, value in labels.items()}
    for line in text.splitlines():
        match = re.match(rf"^{re.escape(name)}(?:{{(.*)}})? (\S+)$", line)
        if match and wanted <= set(filter(None, (match.group(1) or "").split(","))):
            return float(match.group(2))
    return 0.0


def _message() -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "noreply@localhost", "a@example.com", "测试"
    message.set_content("正文")
    return message


@pytest.fixture
def metered(app):
    app.config["METRICS_TOKEN"] = TOKEN
    return app


# --- health and readiness -------------------------------------------------------------------

def test_liveness_does_not_touch_the_database_and_readiness_reports_it_down():
    app = create_app({"CONFIG_CLASS": TestConfig,
                      "SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://bxqx@127.0.0.1:{free_port()}/none",
                      "DB_PING_IDLE_SECONDS": 0})
    client = app.test_client()
    live = client.get("/healthz")
    assert live.status_code == 200 and live.json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json["status"] == "unavailable"
    assert ready.json["checks"]["database"] == {"ok": False, "error": "unreachable"}
    assert ready.headers["Cache-Control"] == "no-store"


def test_ready_when_the_schema_is_at_head_and_the_queue_depth_is_counted(app, client):
    db.session.add_all([Job(name="mail.deliver", payload={}), Job(name="mail.deliver", payload={}),
                        Job(name="mail.deliver", payload={}, state=JobState.FAILED)])
    db.session.commit()
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    body = response.json
    assert body["status"] == "ok" and body["queue_depth"] == 2
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["migrations"]["ok"] is True
    assert body["checks"]["migrations"]["database"] == sorted(readiness.script_heads())
    assert "redis" not in body["checks"]  # REDIS_URL is not set in tests


def test_not_ready_when_the_database_is_behind_the_migrations(app, client):
    (head,) = readiness.script_heads()
    # An older revision: the code was deployed, `flask db upgrade` not yet run.
    db.session.execute(sa.text("UPDATE alembic_version SET version_num = 'a4c7d2e9b513'"))
    db.session.commit()
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        migrations = response.json["checks"]["migrations"]
        assert migrations["ok"] is False and migrations["head"] == [head]
    finally:
        db.session.execute(sa.text("UPDATE alembic_version SET version_num = :head"), {"head": head})
        db.session.commit()
    assert client.get("/readyz").status_code == 200


def test_not_ready_when_redis_is_configured_but_down(app, client):
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    started = time.monotonic()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["redis"] == {"ok": False, "error": "unreachable"}
    assert response.json["checks"]["database"]["ok"] is True
    assert time.monotonic() - started < 5


# --- /metrics ---------------------------------------------------------------------------------

def test_metrics_need_a_configured_token_and_the_right_bearer(app, client):
    assert client.get("/metrics").status_code == 404  # no METRICS_TOKEN: no such page
    app.config["METRICS_TOKEN"] = TOKEN
    refused = client.get("/metrics")
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"}).status_code == 401
    assert "bxqx_request_seconds" in scrape(client)


def test_request_latency_by_endpoint_method_and_status_class(metered, client):
    before = scrape(client)
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert client.get("/no-such-page").status_code == 404
    after = scrape(client)

    def count(text, **labels):
        return sample(text, "bxqx_request_seconds_count", **labels)

    assert count(after, endpoint="main.healthz", method="GET", status="2xx") \
        - count(before, endpoint="main.healthz", method="GET", status="2xx") == 3
    assert count(after, endpoint="unmatched", method="GET", status="4xx") \
        - count(before, endpoint="unmatched", method="GET", status="4xx") == 1
    assert "/no-such-page" not in after  # labels are endpoint names, never paths


def test_queue_depth_job_failures_and_mail_failures(metered, client):
    @jobs.register("tests.ops_always_fails")
    def _fails(job):
        raise RuntimeError("disk full")

    db.session.add(Job(name="mail.deliver", payload={}))
    db.session.commit()
    before = scrape(client)
    assert sample(before, "bxqx_jobs_queued") == 1
    failed = jobs.submit("tests.ops_always_fails", {})
    assert db.session.get(Job, failed.id).state is JobState.FAILED

    metered.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_USE_TLS=False)
    with pytest.raises(OSError):
        send_mail(_message())
    after = scrape(client)
    assert sample(after, "bxqx_job_failures_total", job="tests.ops_always_fails") \
        - sample(before, "bxqx_job_failures_total", job="tests.ops_always_fails") == 1
    assert sample(after, "bxqx_mail_failures_total") - sample(before, "bxqx_mail_failures_total") == 1


def test_live_room_connections_and_fanout(metered, client, make_user):
    room = build_room(make_user)
    before = scrape(client)
    host = connect(metered, room.host, room.roadshow.id)
    alice = connect(metered, room.alice, room.roadshow.id)
    assert host.is_connected() and alice.is_connected()
    during = scrape(client)
    assert sample(during, "bxqx_live_connections") - sample(before, "bxqx_live_connections") == 2
    assert ack(host, "go_live")["ok"]
    assert ack(alice, "ask", {"uuid": new_uuid(), "text": "量产成本是多少？", "anonymous": False})["ok"]
    alice.disconnect()
    after = scrape(client)
    assert sample(after, "bxqx_live_connections") - sample(before, "bxqx_live_connections") == 1
    assert sample(after, "bxqx_live_fanout_seconds_count") \
        - sample(before, "bxqx_live_fanout_seconds_count") >= 2  # go_live and the question
    host.disconnect()


# --- request ids and JSON logs ------------------------------------------------------------------

def test_request_id_is_taken_when_sane_and_made_otherwise(client):
    given = client.get("/healthz", headers={"X-Request-ID": "nginx-7f3a.01"})
    assert given.headers["X-Request-ID"] == "nginx-7f3a.01"
    for bad in ("", "a b", "x" * 129, "<script>", "id\u00e9"):
        made = client.get("/healthz", headers={"X-Request-ID": bad} if bad else {})
        assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-ID"]), bad
    first = client.get("/healthz").headers["X-Request-ID"]
    assert client.get("/healthz").headers["X-Request-ID"] != first


@pytest.fixture
def json_log(app):
    """LOG_FORMAT=json on the test's app, its lines written to a buffer (parsed by ``lines()``)."""
    stream = io.StringIO()
    app.config["LOG_FORMAT"] = "json"
    request_log.configure_logging(app, stream)
    root = logging.getLogger()
    handler = next(h for h in root.handlers if isinstance(h, request_log._JsonHandler))
    level = root.level
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(level)


def test_json_log_lines_carry_the_request_id_also_in_the_job_it_submits(app, json_log):
    @jobs.register("tests.ops_logs")
    def _logs(job):
        logging.getLogger("tests.ops").warning("导入第 %d 行", 3)

    with app.test_request_context("/", headers={"X-Request-ID": "req-from-nginx-42"}):
        app.preprocess_request()
        logging.getLogger("tests.ops").warning("in the request")
        job = jobs.submit("tests.ops_logs", {}, run_inline=False)  # a background thread
    deadline = time.monotonic() + 10
    while db.session.get(Job, job.id).state is not JobState.SUCCEEDED:
        assert time.monotonic() < deadline, "the job did not run"
        time.sleep(0.05)
        db.session.expire_all()
    assert db.session.get(Job, job.id).request_id == "req-from-nginx-42"
    logging.getLogger("tests.ops").warning("outside")
    lines = [line for line in json_log() if line["logger"] == "tests.ops"]
    assert [(line["message"], line.get("request_id")) for line in lines] == [
        ("in the request", "req-from-nginx-42"), ("导入第 3 行", "req-from-nginx-42"), ("outside", None)]
    assert {"time", "level", "process"} <= set(lines[0]) and lines[0]["level"] == "WARNING"


def test_unknown_log_format_is_refused():
    with pytest.raises(RuntimeError, match="LOG_FORMAT"):
        create_app({"CONFIG_CLASS": TestConfig, "LOG_FORMAT": "xml"})
