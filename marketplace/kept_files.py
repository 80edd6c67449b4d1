"""Documents built once from a record that never changes, and kept as files.

A published list's version, a submitted implementation plan and a signed open-licence agreement
never change, so their downloads (PDF, XLSX) are built once and kept under the uploads folder
(``kept/<folder>/``). Building one takes from tens of milliseconds (a plan) to seconds of CPU (a
long list, or an agreement whose signature asks a time-stamping authority over the network); in a
web process that held every other request of the process meanwhile.

With a worker (``REDIS_URL`` set: ``flask jobs worker``), the worker builds the files: as soon as
the record exists (``prepare``, called after the commit), and again when a download finds a file
missing (a record from before, a new ``PUBLIC_URL``, a new signing key, files lost). The download
then waits for the file, polling (a gevent worker serves other requests meanwhile); if the worker
has not finished within ``WAIT_SECONDS``, ``content`` returns None and the view tells the user to
try again shortly (503 with Retry-After). Without a worker (``make run``, the tests), the first
download builds the file in the process that serves it.

A file's name carries a key of everything its content depends on (``key``: the record's
fingerprint, the layout's ``format``, and for instance ``PUBLIC_URL``), so a change of any of them
makes a new file rather than serving a stale one. Files are written under a temporary name and
renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import make_response, render_template

from marketplace import uploads
from marketplace.extensions import db
from marketplace.jobs import queue
from marketplace.jobs import services as jobs

#: How long a download waits for the worker to build a missing file.
WAIT_SECONDS = 20.0
POLL_SECONDS = 0.25


class KeptFiles:
    """The kept files of one kind of record.

    ``builders`` maps a file kind (``"pdf"``) to the function that makes its bytes from a record;
    ``key(record)`` is a string of everything the content depends on; ``stem(record)`` starts the
    file's name. ``job`` is the worker's job name (registered here)."""

    def __init__(self, *, job: str, folder: str, model: type, builders: dict[str, Callable[[Any], bytes]],
                 key: Callable[[Any], str], stem: Callable[[Any], str], format: int = 1):  # noqa: A002
        self.job, self.folder, self.model, self.builders = job, folder, model, builders
        self.key, self.stem, self.format = key, stem, format
        jobs.register(job)(self._run)

    def path(self, record, kind: str) -> Path:
        digest = hashlib.sha256(f"{self.format}|{self.key(record)}".encode()).hexdigest()[:16]
        return uploads.upload_dir() / "kept" / self.folder / f"{self.stem(record)}-{digest}.{kind}"

    def _build(self, record, kind: str) -> bytes:
        """Make the file and keep it; return its content."""
        target = self.path(record, kind)
        content = self.builders[kind](record)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{os.getpid()}.part")
        partial.write_bytes(content)
        partial.replace(target)
        return content

    def _run(self, job, record_id: int) -> dict:
        """The worker's job: every missing file of the record."""
        record = db.session.get(self.model, record_id)
        if record is None:
            return {"built": []}
        built = [kind for kind in self.builders if not self.path(record, kind).exists()]
        for kind in built:
            self._build(record, kind)
        return {"built": built}

    def prepare(self, record) -> None:
        """After the record is committed: with a worker, have it build the files now."""
        if queue.enabled():
            jobs.submit(self.job, {"record_id": record.id})

    def content(self, record, kind: str) -> bytes | None:
        """The file's content, or None when a worker was asked for it and has not built it in
        time."""
        target = self.path(record, kind)
        if target.exists():
            return target.read_bytes()
        if not queue.enabled():
            return self._build(record, kind)
        jobs.submit(self.job, {"record_id": record.id})
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            if target.exists():
                return target.read_bytes()
            time.sleep(POLL_SECONDS)  # cooperative under gevent: the process serves others meanwhile
        return target.read_bytes() if target.exists() else None


def pending(message: str, back_url: str, back_label: str):
    """The answer to a download whose file the worker has not built yet: 503, try again shortly."""
    response = make_response(render_template("errors/file_pending.html", message=message,
                                             back_url=back_url, back_label=back_label), 503)
    response.headers["Retry-After"] = "30"
    return response
