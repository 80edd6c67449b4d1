"""Health, readiness and metrics for load balancers, systemd and Prometheus (views on main).

- ``/healthz``: liveness, the process answers; touches nothing else (a database outage must not
  make a supervisor restart healthy processes).
- ``/readyz``: readiness, ``marketplace/readiness.py``: 200 when ready, 503 otherwise, JSON both ways.
- ``/metrics``: Prometheus text (``marketplace/metrics.py``), only with ``Authorization: Bearer
  <METRICS_TOKEN>``; 404 when no token is configured, 401 for a missing or wrong one.
"""

import hmac

from flask import Response, abort, current_app, jsonify, request

from marketplace import metrics, readiness
from marketplace.main.routes import bp


@bp.route("/healthz")
def healthz():
    """Liveness for load balancers and systemd: the process is up (no database)."""
    response = jsonify(status="ok")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/readyz")
def readyz():
    """Readiness: database, Redis (when configured), migrations at head; the queue depth."""
    ready, report = readiness.check()
    response = jsonify(report)
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def _authorised(token: str) -> bool:
    scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(offered.strip().encode(), token.encode())


@bp.route("/metrics")
def metrics_page():
    """Prometheus metrics of every process of this server, for a bearer of METRICS_TOKEN."""
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        abort(404)
    if not _authorised(token):
        return Response("A valid bearer token is required.\n", status=401, mimetype="text/plain",
                        headers={"WWW-Authenticate": 'Bearer realm="metrics"', "Cache-Control": "no-store"})
    body, content_type = metrics.render(readiness.current_queue_depth())
    return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})
