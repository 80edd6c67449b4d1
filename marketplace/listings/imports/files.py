"""Bulk import files: reading uploaded XLSX or CSV files without risk to the web process.

The upload is read up to a size limit here; everything else is done by ``parse`` in a
child process with a memory limit (RLIMIT_AS), a CPU limit and a wall-clock timeout, which this
process waits for without blocking (gevent's subprocess when gevent serves, so every other
request, ``/healthz`` included, goes on meanwhile). The child's zip-bomb checks, row limit
(every row counts, empty or not) and formula handling are described in ``parse``; its
refusals arrive here as codes and leave as translated messages.
"""

import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from gevent import sleep
from gevent import subprocess as cooperative

from marketplace import uploads
from marketplace.errors import ServiceError
from marketplace.listings.imports import parse
from marketplace.sqlite_threads import gevent_patched

DEFAULTS = {
    #: Most data rows in one file (every row counts, empty or not).
    "IMPORT_MAX_ROWS": 20_000,
    #: Largest total size the members of an XLSX file may unpack to.
    "IMPORT_MAX_UNPACKED_BYTES": 100 * 1024 * 1024,
    #: Highest compression ratio of a large XLSX member (real workbooks stay far below).
    "IMPORT_MAX_RATIO": 200,
    #: Most text the rows of one file may hold once read, in bytes.
    "IMPORT_MAX_TEXT_BYTES": 64 * 1024 * 1024,
    #: Seconds the child process may take to read a file (wall clock) before it is killed.
    "IMPORT_PARSE_SECONDS": 20,
    #: Address space the child process may use, in MB.
    "IMPORT_PARSE_MEMORY_MB": 1024,
}
_PARSER = Path(parse.__file__)
#: Rows decoded between two yields to the event loop.
_YIELD_EVERY = 500


def setting(name: str) -> int:
    return int(current_app.config.get(name, DEFAULTS[name]))


@dataclass
class Table:
    """A file's header row and its non-empty data rows, every cell a string or None."""

    headers: list[str | None]
    #: (row number as the spreadsheet shows it, cells).
    rows: list[tuple[int, list[str | None]]] = field(default_factory=list)


def read_upload(stream) -> bytes:
    """Read an uploaded file, refusing empty and oversize ones."""
    limit = uploads.max_bytes()  # the one upload limit, as every upload form states it
    content = stream.read(limit + 1)
    if not content:
        raise ServiceError(_("The file is empty."))
    if len(content) > limit:
        raise ServiceError(uploads.too_large_message())
    return content


def _message(code: str, params: dict) -> str:
    """The uploader's message for a refusal code of the parser (or of this module)."""
    seconds = setting("IMPORT_PARSE_SECONDS")
    messages = {
        "xls": lambda: _("This is an old Excel (.xls) file: save it as XLSX or CSV and upload it "
                         "again."),
        "bad_xlsx": lambda: _("The file could not be read as an XLSX workbook."),
        "zip_size": lambda: _("The workbook unpacks to more than %(mb)d MB; it is refused as a "
                              "possible zip bomb.", mb=int(params.get("mb", 0))),
        "zip_ratio": lambda: _("The workbook is compressed far more than a real spreadsheet; it "
                               "is refused as a possible zip bomb."),
        "not_text": lambda: _("The file could not be read as text: save it as CSV in UTF-8 "
                              "(or GB18030)."),
        "bad_csv": lambda: _("The file could not be read as CSV."),
        "too_many_rows": lambda: _("The file has more than %(n)d rows; split it into smaller "
                                   "files.", n=int(params.get("n", 0))),
        "no_rows": lambda: _("The file has no rows to import."),
        "too_much_text": lambda: _("The file holds more than %(mb)d MB of text; split it into "
                                   "smaller files.", mb=int(params.get("mb", 0))),
        "memory": lambda: _("Reading the file needs more memory than an import may use; split it "
                            "into smaller files or save it as CSV."),
        "timeout": lambda: _("Reading the file took longer than %(seconds)d seconds, so it was "
                             "stopped; split it into smaller files or save it as CSV.",
                             seconds=seconds),
    }
    return messages.get(code, messages["bad_xlsx"])()


def _limits() -> dict:
    seconds = setting("IMPORT_PARSE_SECONDS")
    return {"max_rows": setting("IMPORT_MAX_ROWS"),
            "max_unpacked_bytes": setting("IMPORT_MAX_UNPACKED_BYTES"),
            "max_ratio": setting("IMPORT_MAX_RATIO"),
            "max_output_bytes": setting("IMPORT_MAX_TEXT_BYTES"),
            "memory_bytes": setting("IMPORT_PARSE_MEMORY_MB") * 1024 * 1024,
            "cpu_seconds": seconds + 1}


def _subprocess():
    """gevent's subprocess module when gevent serves (waiting in it lets the loop go on)."""
    if gevent_patched():
        return cooperative
    return subprocess


def pause() -> None:
    """Let the event loop serve other requests for a moment (under gevent; otherwise nothing).

    Checking or importing a row is CPU work that never waits on a socket: thousands of them in a
    row held every other request of the worker, ``/healthz`` included, for seconds (a 4,000-row
    file: 7.9 s). The loops of the import call this every few rows. ``sleep(0)`` is not enough:
    it runs the greenlets that are ready but lets the loop go up to a second without polling
    for I/O, so new requests still waited; a timer makes it poll.
    """
    if gevent_patched():
        sleep(0.001)


def _run_parser(content: bytes) -> tuple[bytes, int]:
    """Run ``parse`` on ``content`` in a child process; (its output, its exit status)."""
    module = _subprocess()
    # -I: isolated (no user site, no PYTHON* variables); -S is not used: openpyxl lives in site.
    # openpyxl parses with the standard library's XML parser, as the limits were set for: with
    # lxml (installed for pyHanko) a failed allocation is an XML syntax error, not a MemoryError,
    # and a file too big for the memory limit would be reported as unreadable.
    environment = {**os.environ, "OPENPYXL_LXML": "False"}
    child = module.Popen([sys.executable, "-I", str(_PARSER), json.dumps(_limits())],
                         stdin=module.PIPE, stdout=module.PIPE, stderr=module.DEVNULL,
                         close_fds=True, env=environment)
    try:
        output, _errors = child.communicate(content, timeout=setting("IMPORT_PARSE_SECONDS"))
    except module.TimeoutExpired:
        child.kill()
        child.communicate()
        raise ServiceError(_message("timeout", {})) from None
    except BaseException:
        child.kill()
        child.wait()
        raise
    return output, child.returncode


def read_table(content: bytes) -> Table:
    """Parse XLSX or CSV content (recognised by its first bytes, not its name) in a child process."""
    output, status = _run_parser(content)
    lines = output.splitlines()
    try:
        result = json.loads(lines[-1]) if lines else {}
    except ValueError:
        result = {}
    if not isinstance(result, dict) or not result.get("end"):
        code = result.get("error") if isinstance(result, dict) else None
        if code is None:  # killed: by RLIMIT_CPU (SIGXCPU) or for memory (SIGKILL, SIGSEGV, ...)
            code = "timeout" if status == -signal.SIGXCPU else "memory" if status < 0 else "bad_xlsx"
        raise ServiceError(_message(code, result if isinstance(result, dict) else {}))
    table = None
    for done, line in enumerate(lines[:-1], 1):
        number, cells = json.loads(line)
        if table is None:
            table = Table(headers=cells)
        else:
            table.rows.append((number, cells))
        if done % _YIELD_EVERY == 0:
            pause()  # a large file's rows are decoded without holding up other requests
    return table
