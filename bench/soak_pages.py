"""The page side of bench/soak.py: the routes loaded for the whole run (bench/loadgen.py's wrk or
Python load generator, one run per route, each in a thread), the tto's periodic XLSX imports
through the real upload form, and the load average sampled over the run.

Routes: uncached searches for a visitor, a new query every request (bench/visitors.py's
NewQueries, as bench/pages.py's new-query route), from several connections; and for the investor,
logged in through the login form: searches (new queries too), listing pages, and the pages of an
investor's account (dashboard, notifications, interests, recommendations, alerts). wrk counts a
redirect as a success, so every logged-in route is checked to be served logged in before and after
the run (a lost session would redirect to the login page).
"""

import io
import os
import random
import re
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from appserver import _stop_with_parent
from loadgen import python_load, wrk_load
from visitors import _TOKEN, Browser

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ACCOUNT_PAGES = ("/dashboard", "/notifications", "/interests", "/recommendations", "/alerts")
#: Seconds an upload or an import may take (a failure after that).
IMPORT_TIMEOUT = 300
_BATCH = re.compile(r"/manage/imports/(\d+)$")


@dataclass
class Route:
    name: str
    who: str  # "visitor" or "investor"
    paths: list[str]
    connections: int
    #: A single path checked to be served to ``who`` as it should (logged in or not).
    check: str = ""
    figures: dict = field(default_factory=dict)
    error: str = ""


def routes(args, fresh, listings: int) -> list[Route]:
    """The routes and their paths: new queries for ``args.seconds`` at a generous rate (with the
    search cache off a repeated one misses too; the report says if the list ran out)."""
    rng = random.Random(7)
    listed = [Route("search, new query, visitor", "visitor", fresh.take(min(60 * args.seconds, 40_000)),
                    args.search_connections),
              Route("search, new query, logged in", "investor", fresh.take(min(20 * args.seconds, 15_000)),
                    args.page_connections),
              Route("listing page, logged in", "investor",
                    [f"/listings/{rng.randint(1, listings)}" for _ in range(5000)], args.page_connections)]
    listed += [Route(f"{path}, logged in", "investor", [path], args.page_connections)
               for path in ACCOUNT_PAGES]
    for route in listed:
        route.check = route.paths[0]
    return [route for route in listed if route.connections > 0]


class PageLoad:
    """Each route loaded for ``seconds`` in a thread of its own (daemon: wrk, started with
    PR_SET_PDEATHSIG, ends with its thread if the benchmark dies)."""

    def __init__(self, port: int, listed: list[Route], browsers: dict, seconds: int, timeout: float,
                 loader: str, workdir: Path):
        self.threads = []
        for number, route in enumerate(listed):
            headers = browsers[route.who].headers()
            folder = workdir / f"route-{number}"
            folder.mkdir()

            def load(route=route, headers=headers, folder=folder):
                try:
                    if loader == "wrk":
                        route.figures = wrk_load(port, route.paths, seconds, route.connections, headers,
                                                 timeout, folder, preexec_fn=_stop_with_parent)
                    else:
                        route.figures = python_load(port, route.paths, seconds, route.connections,
                                                    headers, timeout)
                except Exception as error:  # reported as a failure of the route
                    route.error = f"{type(error).__name__}: {error}"
            self.threads.append(threading.Thread(target=load, daemon=True))
        for thread in self.threads:
            thread.start()

    def wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(thread.is_alive() for thread in self.threads)


@dataclass
class Imports:
    done: int = 0
    failed: list[str] = field(default_factory=list)
    rows: int = 0
    #: Seconds of the upload (the file checked row by row) and of the import (rows published).
    upload_s: list[float] = field(default_factory=list)
    import_s: list[float] = field(default_factory=list)
    #: (start, end) of each import, upload to status, in time.time().
    windows: list[tuple[float, float]] = field(default_factory=list)


class Importer:
    """The tto: every ``every`` seconds a file of ``rows`` new listings through the upload form,
    then "import and publish" on its report, then its status; each must end ``imported``."""

    def __init__(self, browser: Browser, files, rows: int, every: float):
        self.browser, self.files, self.rows, self.every = browser, files, rows, every
        self.result = Imports()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self, seconds: float) -> None:
        """Imports for ``seconds`` (none with ``rows`` 0)."""
        self.deadline = time.monotonic() + seconds
        if self.rows > 0:
            self.thread.start()

    def wait(self, timeout: float) -> bool:
        """Until the last import has ended; False if it is still running after ``timeout``."""
        if self.thread.is_alive():
            self.thread.join(timeout)
        return not self.thread.is_alive()

    def _run(self) -> None:
        number = 0
        started = time.monotonic()
        while not self.stop.is_set() and time.monotonic() < self.deadline:
            began = time.time()
            try:
                self.one(number)
            except Exception as error:
                self.result.failed.append(f"import {number}: {type(error).__name__}: {error}"[:300])
            self.result.windows.append((began, time.time()))
            number += 1
            self.stop.wait(max(0.0, min(started + number * self.every, self.deadline) - time.monotonic()))

    def one(self, number: int) -> None:
        from werkzeug.datastructures import FileStorage
        from werkzeug.test import encode_multipart

        content = self.files.make(self.rows)
        started = time.monotonic()
        _, form, _ = self.browser.get("/manage/imports/new")
        fields = {"csrf_token": _token(form),
                  "file": FileStorage(io.BytesIO(content), f"soak-{number}.xlsx", content_type=XLSX)}
        boundary, body = encode_multipart(fields)
        landed, report = _post(self.browser, "/manage/imports/new", body,
                               f"multipart/form-data; boundary={boundary}")
        batch = _BATCH.search(landed)
        if batch is None:
            raise RuntimeError(f"the upload landed on {landed}")
        status = self.status(batch.group(1))
        if status["state"] != "validated":
            raise RuntimeError(f"after the upload the import is {status['state']}, not validated")
        self.result.upload_s.append(time.monotonic() - started)
        started = time.monotonic()
        form = urllib.parse.urlencode({"csrf_token": _token(report), "publish": "y"}).encode()
        _post(self.browser, f"/manage/imports/{batch.group(1)}/import", form,
              "application/x-www-form-urlencoded")
        status = self.status(batch.group(1))
        if status["state"] != "imported" or not status["done"]:
            raise RuntimeError(f"the import ended {status['state']} ({status.get('job')})")
        self.result.import_s.append(time.monotonic() - started)
        self.result.done += 1
        self.result.rows += self.rows

    def status(self, batch: str) -> dict:
        import json

        _, body, _ = self.browser.get(f"/manage/imports/{batch}/status.json")
        return json.loads(body)


def _post(browser: Browser, path: str, body: bytes, content_type: str) -> tuple[str, str]:
    """A form's POST in ``browser`` (cookies, User-Agent), redirects followed: (URL, page)."""
    request = urllib.request.Request(browser.base + path, data=body,  # noqa: S310  (our server)
                                     headers={"Content-Type": content_type})
    with browser.opener.open(request, timeout=IMPORT_TIMEOUT) as response:
        return response.geturl(), response.read().decode()


def _token(page: str) -> str:
    found = _TOKEN.search(page)
    if found is None:
        raise RuntimeError("no CSRF token on the page")
    return found.group(1)


class LoadSampler:
    """The 1-minute load average every ``every`` seconds, in a thread."""

    def __init__(self, every: float = 5.0):
        self.samples: list[tuple[float, float]] = []
        self.stop = threading.Event()
        self.started = time.monotonic()
        self.thread = threading.Thread(target=self._run, args=(every,), daemon=True)
        self.thread.start()

    def _run(self, every: float) -> None:
        while True:
            self.samples.append((time.monotonic() - self.started, os.getloadavg()[0]))
            if self.stop.wait(every):
                return

    def summary(self) -> str:
        self.stop.set()
        self.thread.join(5)
        if not self.samples:
            return "no samples"
        middle = self.samples[len(self.samples) // 2]
        peak = max(load for _, load in self.samples)
        return (f"start {self.samples[0][1]:.2f}, middle {middle[1]:.2f} (at {middle[0]:.0f} s), "
                f"end {self.samples[-1][1]:.2f} (at {self.samples[-1][0]:.0f} s), highest {peak:.2f}")
