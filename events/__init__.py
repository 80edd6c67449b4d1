"""Roadshows: universities host online events presenting their listings (an extension package).

``marketplace`` never imports this package; ``create_app`` loads it by name from
``EXTENSION_PACKAGES`` and calls :func:`init_app`. The live room is ``events.live``.
"""

from flask import Flask
from flask_babel import lazy_gettext as _l

from events import action_metrics as _action_metrics  # noqa: F401  (roadshow reach for the action)
from events import home as _home  # noqa: F401  (the roadshows on the home page)
from events import live, video
from events import manage_routes as _manage_routes  # noqa: F401  (the host's pages, on ``bp``)
from events import models as _models  # noqa: F401  (tables for the metadata and Alembic)
from events import permissions as _permissions  # noqa: F401  (registers the roadshow rules)
from events import report_routes as _report_routes  # noqa: F401  (after-event pages, on ``bp``)
from events import workbench as _workbench  # noqa: F401  (the roadshows' workbench sections)
from events.demo import load_demo
from events.routes import bp
from marketplace.accounts.models import Role
from marketplace.demo import EXTRA_LOADERS
from marketplace.main import nav


def init_app(app: Flask) -> None:
    """Register the roadshow blueprint, navigation entries, demo loader and live room with ``app``."""
    app.register_blueprint(bp)
    _add_nav_items()
    _add_demo_loader()
    live.init_app(app)
    video.init_app(app)


def _add_demo_loader() -> None:
    """``flask demo load`` also creates the demo roadshows."""
    if load_demo not in EXTRA_LOADERS:
        EXTRA_LOADERS.append(load_demo)


def _add_nav_items() -> None:
    """Add the roadshow pages to the platform's "Roadshows" menu (once per process)."""
    nav.add_items(
        "roadshows",
        nav.nav_item(_l("Roadshows"), "events.index", nav.ALL_ROLES, public=True),
        nav.nav_item(_l("My roadshows"), "events.mine", nav.MEMBER_ROLES),
        nav.nav_item(_l("Our roadshows"), "events.manage", frozenset({Role.TTO}), verified=True))
