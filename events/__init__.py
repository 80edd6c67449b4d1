"""Roadshows: universities host online events presenting their listings (an extension package).

``marketplace`` never imports this package; ``create_app`` loads it by name from
``EXTENSION_PACKAGES`` and calls :func:`init_app`. The live room lives in ``events.live``: when
that subpackage exists, its models are imported with ours and its ``init_app(app)`` is called.
"""

import importlib
import importlib.util

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the roadshow models, blueprint, audit events and demo data with ``app``."""
    from events import models as _models  # noqa: F401  (tables for the metadata and Alembic)

    if importlib.util.find_spec("events.routes") is not None:
        from events.routes import bp

        app.register_blueprint(bp)
    if importlib.util.find_spec("events.live") is not None:
        if importlib.util.find_spec("events.live.models") is not None:
            importlib.import_module("events.live.models")
        live = importlib.import_module("events.live")
        if hasattr(live, "init_app"):
            live.init_app(app)
