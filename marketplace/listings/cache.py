"""An in-process, size-bounded cache of search results with a short time to live.

What is cached: the data a search computes (page ids, total, facet counts), the rendered
results fragment of the search page, and the whole search page per viewer (visitors share one;
a logged-in user's is keyed by what the layout shows of them) with a hole where the session's
CSRF token goes (``page``: the token is put in on every request; pages with messages waiting to
be flashed are always rendered). ``SEARCH_CACHE_SECONDS`` is the time to live (0 turns the cache
off; tests run with it off unless a test turns it on); ``SEARCH_CACHE_SIZE`` bounds the number
of entries (least recently used entries go first).

Staleness bound: the process that changes the index (``search.index`` / ``search.unindex``)
drops every entry at once and again when that transaction commits, so its own pages are never
stale. Other processes (more gunicorn processes behind the load balancer, the job worker) keep
what they cached until it expires: a search there may miss a change for at most
``SEARCH_CACHE_SECONDS``. The same bound holds in every process for what a rendered result block
shows besides the listings themselves (an organisation renamed), since that does not touch the
index.

A value computed while the index changed (the generation moved between ``generation()`` and
``put``) is not stored, so a slow search that read the old index cannot outlive an invalidation.
"""

import random
import secrets
import threading
import time
from collections import OrderedDict

from flask import current_app, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy.orm import Session

from marketplace.extensions import db
from marketplace.jobs import after_commit
from marketplace.main.nav import viewer_key

DEFAULT_SECONDS = 30
DEFAULT_SIZE = 512
#: The part of the time to live by which an entry's expiry is spread (drawn anew per entry).
EXPIRY_SPREAD = 0.25

#: How long a request waits for another one computing the same entry before computing it itself.
FLIGHT_WAIT_SECONDS = 10

_lock = threading.Lock()
_entries: OrderedDict = OrderedDict()
_flights: dict = {}
_state = {"generation": 0, "hits": 0, "misses": 0}
#: Stands for the session's CSRF token in a cached page: random per process, so no content has it.
_TOKEN_HOLE = "csrf-token-" + secrets.token_hex(16)


def _settings() -> tuple[float, int]:
    config = current_app.config
    return (float(config.get("SEARCH_CACHE_SECONDS", DEFAULT_SECONDS) or 0),
            int(config.get("SEARCH_CACHE_SIZE", DEFAULT_SIZE)))


def enabled() -> bool:
    return _settings()[0] > 0


def scope() -> str:
    """What keys must include besides the query: the database the results come from."""
    return db.engine.url.render_as_string(hide_password=True)


def generation() -> int:
    """Read before computing a value; hand it to ``put``."""
    return _state["generation"]


def get(key):
    """The live value cached under ``key``, or None."""
    seconds, _ = _settings()
    if seconds <= 0:
        return None
    now = time.monotonic()
    with _lock:
        entry = _entries.get(key)
        if entry is None or entry[0] <= now:
            if entry is not None:
                del _entries[key]
            _state["misses"] += 1
            return None
        _entries.move_to_end(key)
        _state["hits"] += 1
        return entry[1]


def put(key, value, computed_at_generation: int) -> None:
    """Keep ``value`` for ``SEARCH_CACHE_SECONDS`` unless the index changed while computing it."""
    seconds, size = _settings()
    if seconds <= 0 or size <= 0:
        return
    with _lock:
        if computed_at_generation != _state["generation"]:
            return
        # A lifetime drawn between 3/4 and all of the setting: entries made together (a process's
        # first minute, right after an invalidation) do not all expire in the same second and
        # send their searches to the database at once (bench/mixed.py: p95 241 ms in the 10 s
        # they expired, 50 ms around them). The staleness bound stays SEARCH_CACHE_SECONDS.
        _entries[key] = (time.monotonic() + seconds * random.uniform(1 - EXPIRY_SPREAD, 1), value)
        _entries.move_to_end(key)
        while len(_entries) > size:
            _entries.popitem(last=False)


def cached(key, compute):
    """The value under ``key``, computing and keeping it on a miss.

    Concurrent misses of one key compute it once: the first caller computes while the others
    (threads or gevent greenlets) wait for its result, instead of all running the same expensive
    search together when a popular entry expires.
    """
    value = get(key)
    if value is not None or not enabled():
        return value if value is not None else compute()
    with _lock:
        flight = _flights.get(key)
        leader = flight is None
        if leader:
            flight = _flights[key] = threading.Event()
    if not leader:
        flight.wait(FLIGHT_WAIT_SECONDS)
        value = get(key)
        return value if value is not None else compute()
    try:
        computed_at = generation()
        value = compute()
        put(key, value, computed_at)
        return value
    finally:
        with _lock:
            _flights.pop(key, None)
        flight.set()


def yield_to_others() -> None:
    """Let other requests run: a page served from the cache does no I/O, so one gevent worker
    would otherwise keep serving the same keep-alive connection while the others wait (measured:
    p90 0.4-0.9 s at 4-16 connections, against 34 ms with this). Under threads it costs nothing."""
    time.sleep(0)


def page(render) -> str | None:
    """The page ``render(**overrides)`` makes, from the cache.

    The page is kept per database, language, URL and viewer (``nav.viewer_key``: nobody for
    visitors; for a logged-in user, everything the layout shows of them, so their name, role or
    unread count changing renders the page anew), rendered with a random marker where the CSRF
    token goes, replaced by this session's token on every request. None (render it yourself) when
    messages wait to be flashed, and with the cache off.
    """
    if not enabled() or session.get("_flashes"):
        return None
    # The raw query bytes: `request.full_path` decodes them and fails on a malformed query.
    key = ("page", scope(), str(get_locale()), request.script_root, request.path,
           request.query_string, viewer_key(current_user))
    page = cached(key, lambda: render(csrf_token=lambda: _TOKEN_HOLE))
    return page.replace(_TOKEN_HOLE, generate_csrf())


def render_block(template_name: str, block: str, **context) -> Markup:
    """One block of a template, with the app's context processors, and no layout around it."""
    app = current_app._get_current_object()
    template = app.jinja_env.get_or_select_template(template_name)
    app.update_template_context(context)
    # The template autoescapes, so its output is safe HTML.
    return Markup("".join(template.blocks[block](template.new_context(context))))  # noqa: S704


def invalidate(session: Session | None = None) -> None:
    """Drop every cached result; with a session, drop them again when it commits."""
    with _lock:
        _state["generation"] += 1
        _entries.clear()
    if session is not None:
        after_commit.call(invalidate, what="drop cached search results", key=invalidate,
                          session=session)


def stats() -> dict:
    """Hits, misses and entries since the process started (for tests and diagnostics)."""
    with _lock:
        return {"hits": _state["hits"], "misses": _state["misses"], "entries": len(_entries)}

