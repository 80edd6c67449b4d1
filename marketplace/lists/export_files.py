"""A published version's downloads (PDF and XLSX), built once and kept as files.

A version never changes once published, so its files are built once: by the worker when the list
is published (``REDIS_URL`` set: ``flask jobs worker`` runs the ``lists.build_exports`` job), and
a download serves the file. A large list's PDF takes seconds of CPU; in a web process it held
every other request of that process meanwhile. Without a worker (``make run``, the tests), the
first download builds the file in the process that serves it, as before.

A download that finds no file while a worker exists (a version published before this existed, a
new ``PUBLIC_URL``, files lost) asks the worker and waits for the file, polling (a gevent worker
serves other requests meanwhile); if the worker has not finished within ``WAIT_SECONDS``, the
user is told to try again shortly (503 with Retry-After).

The file name carries a key of what the content depends on: the version's fingerprint, the
export format (``FORMAT``, raised when the layout changes) and ``PUBLIC_URL`` (every link in the
files is built on it). Files are written under a temporary name and renamed, so a reader never
sees half a file.
"""

import hashlib
import os
import time
from pathlib import Path

from flask import current_app

from marketplace import uploads
from marketplace.extensions import db
from marketplace.jobs import queue
from marketplace.jobs import services as jobs
from marketplace.lists import exports
from marketplace.lists.models import ListVersion

JOB = "lists.build_exports"
#: Raised when the files' layout changes: files built before are then built again.
FORMAT = 1
#: How long a download waits for the worker to build a missing file.
WAIT_SECONDS = 20.0
POLL_SECONDS = 0.25
KINDS = {"pdf": exports.version_pdf, "xlsx": exports.version_xlsx}


def path(version: ListVersion, kind: str) -> Path:
    base = current_app.config["PUBLIC_URL"]
    key = hashlib.sha256(f"{FORMAT}|{version.sha256}|{base}".encode()).hexdigest()[:16]
    return uploads.upload_dir() / "exports" / f"list-{version.list_id}-v{version.number}-{key}.{kind}"


def _build(version: ListVersion, kind: str) -> bytes:
    """Make the file and keep it; return its content."""
    target = path(version, kind)
    content = KINDS[kind](version, current_app.config["PUBLIC_URL"])
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    partial.write_bytes(content)
    partial.replace(target)
    return content


@jobs.register(JOB)
def build_job(job, version_id: int) -> dict:
    """The worker's job: every missing file of a version."""
    version = db.session.get(ListVersion, version_id)
    if version is None:
        return {"built": []}
    built = [kind for kind in KINDS if not path(version, kind).exists()]
    for kind in built:
        _build(version, kind)
    return {"built": built}


def published(version: ListVersion) -> None:
    """After a version is published and committed: with a worker, have it build the files now."""
    if queue.enabled():
        jobs.submit(JOB, {"version_id": version.id})


def content(version: ListVersion, kind: str) -> bytes | None:
    """The file's content, or None when a worker was asked for it and has not built it in time."""
    target = path(version, kind)
    if target.exists():
        return target.read_bytes()
    if not queue.enabled():
        return _build(version, kind)
    jobs.submit(JOB, {"version_id": version.id})
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if target.exists():
            return target.read_bytes()
        time.sleep(POLL_SECONDS)  # cooperative under gevent: the process serves others meanwhile
    return target.read_bytes() if target.exists() else None
