"""Prometheus metrics of the platform (PyPI ``prometheus_client``), the one home of every metric.

What is measured, and where:

- ``bxqx_request_seconds``: every HTTP request Flask serves, by endpoint name, method and status
  class (``2xx`` …): labels of few values, never a URL or an id (``install`` below);
- ``bxqx_live_connections``: the live rooms' open Socket.IO connections (``events/live/namespace.py``);
- ``bxqx_live_fanout_seconds``: how long a process takes to hand one broadcast to every connection
  of a room it holds (``events/live/fanout.py``);
- ``bxqx_jobs_queued``: jobs waiting in the Job table, counted when the metrics are read;
- ``bxqx_job_failures_total``: jobs that ended failed, by job name (``marketplace/jobs/services.py``);
- ``bxqx_mail_failures_total``: messages the mail server (or the outbox) did not take
  (``marketplace/mail.py``).

Several processes (gunicorn's workers, the live and the pages processes): with
``PROMETHEUS_MULTIPROC_DIR`` set in the environment before the process starts, every process
writes its values to files there and ``/metrics``, whichever process answers, reads them all
(prometheus_client's multiprocess mode). The folder must be empty when the server starts
(gunicorn.conf.py empties it) and is one per gunicorn server (its arbiter marks dead workers).

``/metrics`` (``main/health_routes.py``) answers only a request carrying ``Authorization: Bearer
<METRICS_TOKEN>``; without ``METRICS_TOKEN`` it does not exist (404).

``marketplace`` owns this module; ``events`` may import it, never the reverse.
"""

import functools
import os
import time

from flask import Flask, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

#: Seconds; the page goal is a p95 of 150 ms, so the buckets are fine around it.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
#: Seconds; the room goal is a p99 of 250 ms from question to every screen.
FANOUT_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)

REQUEST_SECONDS = Histogram(
    "bxqx_request_seconds", "Time to answer an HTTP request, by endpoint, method and status class.",
    ["endpoint", "method", "status"], buckets=REQUEST_BUCKETS)
LIVE_CONNECTIONS = Gauge(
    "bxqx_live_connections", "Open live-room connections (all processes together).",
    multiprocess_mode="livesum")
FANOUT_SECONDS = Histogram(
    "bxqx_live_fanout_seconds", "Time a process takes to hand one broadcast to its room's connections.",
    buckets=FANOUT_BUCKETS)
JOB_FAILURES = Counter("bxqx_job_failures", "Background jobs that ended failed, by job name.", ["job"])
MAIL_FAILURES = Counter("bxqx_mail_failures", "Mail messages the mail server or outbox did not take.")

#: The methods a label may name; anything else is counted as ``other``.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.environ.get("prometheus_multiproc_dir")


def job_failed(name: str) -> None:
    """Count one failed job (called where a job's failure is recorded)."""
    JOB_FAILURES.labels(job=name).inc()


def count_failures(counter: Counter):
    """Decorator: count a call that raises in ``counter`` (the error still propagates)."""
    def decorator(fn):
        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            with counter.count_exceptions():
                return fn(*args, **kwargs)
        return wrapped
    return decorator


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _observe(response):
    started = g.pop("metrics_started", None)
    if started is not None:
        method = request.method if request.method in _METHODS else "other"
        REQUEST_SECONDS.labels(endpoint=request.endpoint or "unmatched", method=method,
                               status=f"{response.status_code // 100}xx").observe(
            time.perf_counter() - started)
    return response


def install(app: Flask) -> None:
    """Time every request of ``app`` (error pages included: Flask runs ``after_request`` on them)."""
    app.before_request(_start_timer)
    app.after_request(_observe)


class _QueueDepth:
    """A collector reporting the number of QUEUED jobs, read when the metrics are scraped."""

    def __init__(self, depth: int | None):
        self.depth = depth

    def collect(self):
        family = GaugeMetricFamily("bxqx_jobs_queued", "Background jobs waiting to run (state QUEUED).")
        if self.depth is not None:
            family.add_metric([], self.depth)
        yield family


def render(queue_depth: int | None) -> tuple[bytes, str]:
    """The exposition text of every process's metrics plus the queue depth, and its content type."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    extra = CollectorRegistry()
    extra.register(_QueueDepth(queue_depth))
    return generate_latest(registry) + generate_latest(extra), CONTENT_TYPE_LATEST

