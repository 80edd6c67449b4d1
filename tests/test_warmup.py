"""A pages worker's warm-up (marketplace/warmup.py, gunicorn's post_worker_init): templates
compiled and the search bitsets built before the first request; a database that cannot be
reached yet leaves the worker starting, with a warning."""

import logging

import sqlalchemy as sa

from marketplace import warmup
from marketplace.extensions import db
from marketplace.listings import facet_bitmaps
from tests import factories


def test_warm_up_compiles_every_template_and_builds_the_search_bitsets(app):
    org = factories.organisation()
    factories.listing(org, title="一种钠离子电池正极材料")
    facet_bitmaps._snapshots.clear()
    app.jinja_env.cache.clear()
    warmup.warm_up(app)
    compiled = {name for _, name in app.jinja_env.cache}
    assert {"base.html", "listings/search.html", "listings/detail.html", "main/index.html"} <= compiled
    key = db.engine.url.render_as_string(hide_password=True)
    assert facet_bitmaps._snapshots[key].published.bit_count() == 1


def test_a_database_down_at_boot_is_logged_and_the_worker_starts(app, monkeypatch, caplog):
    def refuse():
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(facet_bitmaps, "current", refuse)
    with caplog.at_level(logging.WARNING, logger="marketplace.warmup"):
        assert warmup.warm_up(app) >= 0
    assert "warm-up of the search state failed" in caplog.text
