"""Work a page process does once before its first request, so that its first users do not wait
for it: every template compiled (164 of them: 1.2 s), the search dictionary loaded, and the facet
bitsets built from the listings (``facet_bitmaps``: 0.3 s at 20,000 listings, 1.3 s at 100,000).

gunicorn's ``post_worker_init`` hook calls ``warm_up`` in every pages worker (gunicorn.conf.py):
a worker is replaced every ``MAX_REQUESTS`` requests, and without it the requests that reached a
new worker first took several times their usual time (bench/mixed.py: p95 256 ms in the first
10 s against 50 ms later). A failure (the database not reachable yet) is logged and the worker
starts anyway: each part is built again on first use.
"""

import logging
import time

logger = logging.getLogger(__name__)


def warm_up(app) -> float:
    """Compile the templates and build the search state; return the seconds it took."""
    started = time.perf_counter()
    for name in app.jinja_env.list_templates(filter_func=lambda name: name.endswith((".html", ".txt"))):
        app.jinja_env.get_template(name)
    try:
        with app.app_context():
            from marketplace.extensions import db
            from marketplace.listings import facet_bitmaps, search

            search.tokens_for_query("电池")
            facet_bitmaps.current()
            db.session.remove()
    except Exception:  # noqa: BLE001 - warming is an optimisation; the first request builds it
        logger.warning("warm-up of the search state failed; the first search builds it",
                       exc_info=True)
    seconds = time.perf_counter() - started
    logger.info("worker warmed up in %.2f s", seconds)
    return seconds
