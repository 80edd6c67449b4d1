"""Request ids and the log format: ``LOG_FORMAT`` is ``text`` (default) or ``json``.

Every request gets an id: the ``X-Request-ID`` header nginx (or another proxy) sent, when it is a
sane one (1–128 letters, digits and ``-_.:``), else a new random one. The response carries it back
in ``X-Request-ID``. A job submitted during a request stores the id (``Job.request_id``, set when
the row is inserted), and the job's log lines carry it when it runs, in whichever process.

With ``LOG_FORMAT=json`` every record of the app is one JSON object per line: ``time`` (UTC, ISO
8601), ``level``, ``logger``, ``message``, ``request_id`` (of the request or of the job that
logged it; absent outside both), ``process`` and, for errors, ``exception``.
"""

import contextvars
import json
import logging
import re
import sys
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask, g, has_request_context, request

from marketplace.jobs.models import Job

HEADER = "X-Request-ID"
FORMATS = ("text", "json")
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,128}")
#: The request id of the job this thread or greenlet runs (``bind_job``).
_job_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("job_request_id",
                                                                             default=None)


def current() -> str | None:
    """The id of the request being served, else of the job being run, else None."""
    if has_request_context():
        request_id = g.get("request_id")
        if request_id:
            return request_id
    return _job_request_id.get()


def bind_job(job: Job) -> None:
    """Called when a job starts running: its log lines carry the id of the request that submitted it."""
    _job_request_id.set(job.request_id)


def _assign() -> None:
    offered = request.headers.get(HEADER, "")
    g.request_id = offered if _SANE.fullmatch(offered) else uuid.uuid4().hex


def _return(response):
    request_id = g.get("request_id")
    if request_id:
        response.headers[HEADER] = request_id
    return response


@sa.event.listens_for(Job, "before_insert")
def _remember_request(_mapper, _connection, job: Job) -> None:
    if job.request_id is None and has_request_context():
        job.request_id = g.get("request_id")


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (None outside requests and jobs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "message": record.getMessage(),
                "process": record.process}
        request_id = getattr(record, "request_id", None)
        if request_id:
            line["request_id"] = request_id
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


class _JsonHandler(logging.StreamHandler):
    """The root handler ``LOG_FORMAT=json`` installs (one per process, replaced on reconfiguration)."""


def configure_logging(app: Flask, stream=None) -> None:
    """Set the app's log format and level from ``LOG_FORMAT`` and ``LOG_LEVEL``."""
    fmt = str(app.config.get("LOG_FORMAT") or "text").strip().lower()
    if fmt not in FORMATS:
        raise RuntimeError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {fmt!r}.")
    root = logging.getLogger()
    if fmt == "json":
        for handler in [h for h in root.handlers if isinstance(h, _JsonHandler)]:
            root.removeHandler(handler)
        handler = _JsonHandler(stream or sys.stderr)
        handler.setFormatter(JsonFormatter())
        handler.addFilter(RequestIdFilter())
        root.addHandler(handler)
        root.setLevel(app.config["LOG_LEVEL"])
    elif not app.debug and not app.testing:
        logging.basicConfig(level=app.config["LOG_LEVEL"])


def install(app: Flask) -> None:
    """Give every request of ``app`` an id and return it; set the log format."""
    app.before_request(_assign)
    app.after_request(_return)
    configure_logging(app)
