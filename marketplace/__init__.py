"""The 百校千项 platform: application factory.

Importing the package imports every model (``marketplace.models``) and every blueprint with its
views (``marketplace.blueprints``) at the top, so an import cycle fails the first import, never a
request.
"""

import importlib
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, has_request_context, request
from flask_babel import lazy_gettext as _l
from werkzeug.middleware.proxy_fix import ProxyFix

from marketplace import (
    db_ping,
    delivery,
    metrics,
    public_urls,
    request_log,
    roles,
    security,
    signing,
    sqlite_mmap,
    sqlite_threads,
    template_helpers,
)
from marketplace import models as _models  # noqa: F401  (every table in the metadata, for Alembic)
from marketplace.accounts.cli import users_cli
from marketplace.accounts.models import User
from marketplace.alerts.services import alerts_cli
from marketplace.backup import backup_cli
from marketplace.blueprints import BLUEPRINTS
from marketplace.config import INSTANCE_DIR, Config, config_from_env
from marketplace.demo import demo_cli
from marketplace.extensions import babel, csrf, db, limiter, login_manager, migrate, socketio
from marketplace.http import IdConverter
from marketplace.i18n import babel_locale, select_timezone
from marketplace.jobs.cli import jobs_cli
from marketplace.licences.reminders import licences_cli
from marketplace.listings.reindex import search_cli
from marketplace.listings.search import include_object
from marketplace.needs import expiry as _need_expiry  # noqa: F401  (a periodic task)
from marketplace.notifications.services import load_user_with_unread
from marketplace.permissions import require_confirmed_email
from marketplace.pki import pki_cli
from marketplace.runtime import check_python

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: type[Config] | dict | None = None) -> Flask:
    """Build the application. ``config`` is a Config class, or a dict of overrides for tests."""
    check_python()
    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                instance_path=str(INSTANCE_DIR))
    app.url_map.converters["int"] = IdConverter
    if isinstance(config, dict):
        app.config.from_object(config.get("CONFIG_CLASS") or config_from_env())
        app.config.update({k: v for k, v in config.items() if k != "CONFIG_CLASS"})
    else:
        app.config.from_object(config or config_from_env())
    _check_production_secrets(app)
    signing.warn_if_unconfigured(app)
    public_urls.init_app(app)
    role = app.config["SERVER_ROLE"] = roles.check(app.config)
    if app.config["PROXY_FIX_HOPS"]:
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    _size_connection_pool(app)
    db.init_app(app)
    with app.app_context():
        sqlite_threads.install(db.engine)  # the gevent server only: SQLite calls off the loop
        sqlite_mmap.install(db.engine, app.config["SQLITE_MMAP_SIZE"])
        db_ping.install(db.engine, app.config["DB_PING_IDLE_SECONDS"])
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True,
                     compare_type=True, include_object=include_object)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    metrics.install(app)  # first: times everything the request runs
    request_log.install(app)  # before any handler that may log (the CSRF check logs)
    csrf.init_app(app)
    app.before_request(require_confirmed_email)
    babel.init_app(app, locale_selector=babel_locale, timezone_selector=select_timezone)
    app.config["RATELIMIT_ENABLED"] = app.config.get("RATELIMIT_ENABLED", True)
    limiter.init_app(app)
    socketio.init_app(app, async_mode=app.config["SOCKETIO_ASYNC_MODE"],
                      client_manager=roles.client_manager(app.config, role), manage_session=False)
    security.init_app(app)
    delivery.init_app(app)

    _register_blueprints(app)
    _init_extension_packages(app)
    template_helpers.init_app(app)
    _register_cli(app)
    roles.install(app, role)
    return app


def _size_connection_pool(app: Flask) -> None:
    """DB_POOL_SIZE and DB_MAX_OVERFLOW (marketplace/config.py), unless the database is in memory."""
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        "pool_size": app.config["DB_POOL_SIZE"], "max_overflow": app.config["DB_MAX_OVERFLOW"],
        **app.config["SQLALCHEMY_ENGINE_OPTIONS"]}


#: Shortest SECRET_KEY production accepts, in bytes (it signs sessions, remember cookies and tokens).
MIN_SECRET_KEY_BYTES = 32


def _check_production_secrets(app: Flask) -> None:
    if app.config.get("ENV_NAME") != "production":
        return
    key = app.config.get("SECRET_KEY") or ""
    raw = key.encode() if isinstance(key, str) else bytes(key)
    if raw.startswith((b"dev-only", b"change-me")):
        raise RuntimeError("Set SECRET_KEY to a long random value in production "
                           "(e.g. python3 -c 'import secrets; print(secrets.token_hex(32))').")
    if len(raw) < MIN_SECRET_KEY_BYTES:
        raise RuntimeError(f"SECRET_KEY is {len(raw)} bytes long; production needs at least "
                           f"{MIN_SECRET_KEY_BYTES} (e.g. python3 -c 'import secrets; "
                           f"print(secrets.token_hex(32))').")


def _register_blueprints(app: Flask) -> None:
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)


def _init_extension_packages(app: Flask) -> None:
    """Import each package named in EXTENSION_PACKAGES and call its ``init_app(app)``.

    This is how features outside ``marketplace`` (the ``events`` package) plug in without
    ``marketplace`` importing them: each registers its own models (so Alembic sees them),
    blueprints and socket handlers.
    """
    for name in app.config.get("EXTENSION_PACKAGES", ()):
        importlib.import_module(name).init_app(app)


def _register_cli(app: Flask) -> None:
    app.cli.add_command(demo_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(licences_cli)
    app.cli.add_command(alerts_cli)
    app.cli.add_command(search_cli)
    app.cli.add_command(pki_cli)
    app.cli.add_command(backup_cli)
    app.cli.add_command(jobs_cli)


@login_manager.user_loader
def load_user(identity: str):
    """Load the user named in the session; a rotated nonce invalidates old sessions.

    Pages load the bell's unread count with the user (one round trip); live-room events, which
    draw no bell, load the user alone.
    """
    user_id, _, nonce = identity.partition(":")
    if not user_id.isdigit():
        return None
    if has_request_context() and roles.is_socketio(request.path):
        user = db.session.get(User, int(user_id))
    else:
        user = load_user_with_unread(int(user_id))
    if user is None or user.session_nonce != nonce or not user.active:
        return None
    return user
