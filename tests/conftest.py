"""Fixtures: a migrated database per run (SQLite, or PostgreSQL via TEST_DATABASE_URL),
emptied after every test; app, client, and the builders of users and organisations
(tests/factories.py) as fixtures."""

import os
import re
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.globals import _cv_app
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy.engine import make_url
from werkzeug.routing.rules import Rule

from marketplace import create_app, pki
from marketplace.accounts.models import Role
from marketplace.config import TestConfig, normalise_database_url
from marketplace.extensions import db, limiter
from tests import factories
from tests.factories import PASSWORD
from tests.services import IN_CI, reachable

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _postgres_database(base_url: str):
    """Create a database just for this run; yield its URL; drop it afterwards."""
    url = make_url(normalise_database_url(base_url))
    if not reachable(url.host or "127.0.0.1", url.port or 5432):
        message = f"PostgreSQL is not reachable at {url.host}:{url.port}"
        if os.environ.get("SKIP_POSTGRES") == "1" and not IN_CI:
            pytest.exit(message + "; PostgreSQL lane skipped (SKIP_POSTGRES=1)", returncode=0)
        # Loud and non-zero: a lane that ran nothing must not read as a pass.
        raise pytest.UsageError(
            message + ": start it (README, \"Tests\"), or set SKIP_POSTGRES=1 to run without the "
            "PostgreSQL lane" + (" (CI=true: a missing service is a failure)" if IN_CI else ""))
    name = f"bxqx_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    base = os.environ.get("TEST_DATABASE_URL", "")
    if base.startswith("postgres"):
        yield from _postgres_database(base)
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def migrated(database_url):
    """Build the schema once per run, only through the migrations."""
    app = create_app({"CONFIG_CLASS": TestConfig, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return database_url


@sa.event.listens_for(sa.engine.Engine, "connect")
def _no_waiting_for_the_disk(dbapi_connection, _record) -> None:
    """Commits of the test databases do not wait for the disk (5 ms each on these machines).

    Durability after a power cut is all this gives up: locking, isolation and constraints are
    unchanged. Server processes the tests start keep the databases' defaults.
    """
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous = OFF")
    elif type(dbapi_connection).__module__.startswith("psycopg"):
        dbapi_connection.execute("SET synchronous_commit TO off")
        dbapi_connection.commit()


_compile_builder = Rule._compile_builder
_builders: dict = {}


def _shared_builder(rule: Rule, append_unknown: bool = True):
    """Werkzeug's URL builder for ``rule``, generated once per process for every app.

    Every test builds its app, and werkzeug generates and compiles two Python functions per route
    (about 0.1 s per app, 2,000 times a lane). The function depends only on the rule's parsed
    parts (it reads the converters through the rule it is bound to), so apps share it; rules
    with defaults (which converters resolve ahead of time) are generated as usual.
    """
    if rule.defaults:
        return _compile_builder(rule, append_unknown)
    key = (rule.rule, tuple(rule._trace), append_unknown)
    builder = _builders.get(key)
    if builder is None:
        builder = _builders[key] = _compile_builder(rule, append_unknown)
    return builder


Rule._compile_builder = _shared_builder


def _empty_all_tables() -> None:
    tables = [table for table in db.metadata.sorted_tables]
    if db.engine.dialect.name == "postgresql":
        # TRUNCATE costs about 10 ms per table, rows or not (new files for the table and its
        # indexes; CASCADE pulls in every referencing table), so find the tables the test wrote
        # to in one round trip and DELETE their few rows, children first.
        exists = "SELECT '{0}' WHERE EXISTS (SELECT 1 FROM \"{0}\")"  # our own table names
        probe = " UNION ALL ".join(exists.format(table.name) for table in tables)
        used = set(db.session.execute(sa.text(probe)).scalars())
        for table in reversed(tables):
            if table.name in used:
                db.session.execute(table.delete())
    else:
        for table in reversed(tables):
            db.session.execute(table.delete())
    db.session.commit()


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production, even while the test holds one.

    Without this, Flask reuses the test's app context, so ``g`` (Flask-Login's user, the CSRF
    token) would leak from one request to the next. After each request the test's session is
    expired so reads see what the request committed.
    """

    def open(self, *args, **kwargs):
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)
            if _cv_app.get(None) is not None:
                db.session.expire_all()


@pytest.fixture(scope="session", autouse=True)
def signing_settings(tmp_path_factory) -> Iterator[dict]:
    """The output of ``flask pki init`` (made once per run) as every test app's signing key, so
    agreements and certificates are signed as in the demo (marketplace/signing.py)."""
    folder = tmp_path_factory.mktemp("pki")
    pki.create(folder, key_size=2048)
    settings = {"SIGNING_CERT": str(folder / "signing-cert.pem"),
                "SIGNING_KEY": str(folder / "signing-key.pem"),
                "SIGNING_CHAIN": str(folder / "ca-cert.pem")}
    saved = {key: getattr(TestConfig, key) for key in settings}
    for key, value in settings.items():
        setattr(TestConfig, key, value)
    yield settings
    for key, value in saved.items():
        setattr(TestConfig, key, value)


@pytest.fixture
def app(migrated, tmp_path):
    app = create_app({
        "CONFIG_CLASS": TestConfig,
        "SQLALCHEMY_DATABASE_URI": migrated,
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
    })
    app.test_client_class = IsolatedClient
    with app.app_context():
        limiter.reset()
        yield app
        db.session.remove()
        _empty_all_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def another_app(app):
    """Build more app instances on the test's database (standing in for other processes)."""
    built = []

    def _build(**overrides):
        settings = {"CONFIG_CLASS": TestConfig,
                    "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                    "MAIL_OUTBOX_DIR": app.config["MAIL_OUTBOX_DIR"], **overrides}
        instance = create_app(settings)
        instance.test_client_class = IsolatedClient
        built.append(instance)
        return instance

    yield _build
    for instance in built:
        with instance.app_context():
            db.engine.dispose()
    limiter.init_app(app)  # the limiter is shared: hand it back to the test's own app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token(client, path: str = "/") -> str:
    """Read the session's CSRF token from a page with a form."""
    html = client.get(path).get_data(as_text=True)
    match = _TOKEN.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post(client, url: str, data: dict | None = None, **kwargs):
    """POST a form the way the browser does, CSRF token included."""
    payload = {"csrf_token": csrf_token(client)}
    payload.update(data or {})
    return client.post(url, data=payload, **kwargs)


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, email: str, password: str = PASSWORD, **extra):
        return post(self.client, "/auth/login", {"email": email, "password": password, **extra})

    def logout(self):
        return post(self.client, "/auth/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


def login(auth, user):
    """Log ``user`` in through ``auth``; the test fails if the login is refused."""
    response = auth.login(user.email)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return user


@pytest.fixture
def make_org(app):
    """Build organisations (tests/factories.py ``organisation``)."""
    return factories.organisation


@pytest.fixture
def make_user(app):
    """Build users (tests/factories.py ``user``): members get a verified organisation of the
    fitting kind unless given one."""
    return factories.user


@pytest.fixture
def tto(make_user, auth):
    """A technology-transfer officer of a verified university, logged in."""
    user = make_user(Role.TTO)
    auth.login(user.email)
    return user


@pytest.fixture
def outbox(app):
    """The messages the app has 'sent' in this test."""
    from marketplace.mail import read_outbox

    return lambda: read_outbox(Path(app.config["MAIL_OUTBOX_DIR"]))


_CATALOGUE = {}


def zh(msgid: str, **params) -> str:
    """The Chinese the interface shows for ``msgid``; fails if it has no translation."""
    if "zh" not in _CATALOGUE:
        from babel.support import Translations

        directory = Path(__file__).resolve().parent.parent / "marketplace" / "translations"
        mo = directory / "zh_Hans_CN" / "LC_MESSAGES" / "messages.mo"
        assert mo.exists(), "translations are not compiled: run `make translations`"
        _CATALOGUE["zh"] = Translations.load(str(directory), ["zh_Hans_CN"])
    text = _CATALOGUE["zh"].gettext(msgid)
    # ZH_ALLOW_UNTRANSLATED=1 lets a developer run new tests before the catalogue is updated.
    if not os.environ.get("ZH_ALLOW_UNTRANSLATED"):
        assert text != msgid, f"no Chinese translation for {msgid!r}"
    return text % params if params else text


def zhp(context: str, msgid: str, **params) -> str:
    """The Chinese for ``msgid`` in ``context`` (``pgettext``); fails if it has no translation."""
    zh("Save")  # loads the catalogue
    text = _CATALOGUE["zh"].pgettext(context, msgid)
    if not os.environ.get("ZH_ALLOW_UNTRANSLATED"):
        assert text != msgid, f"no Chinese translation for {msgid!r} in context {context!r}"
    return text % params if params else text


# --- Offline Stripe (payments): localstripe plus the Checkout Session boundary ------------------

@pytest.fixture(scope="session")
def stripe_boundary():
    """localstripe on loopback behind the Checkout Session boundary (tests/stripe_support.py)."""
    from tests.stripe_support import CheckoutBoundary, LocalStripe, localstripe_available

    if not localstripe_available():
        message = "localstripe is not installed (pip install -r requirements-dev.txt)"
        if IN_CI:
            pytest.fail(message + " (CI=true: a missing service is a failure)", pytrace=False)
        pytest.skip(message)
    server = LocalStripe()
    boundary = CheckoutBoundary(server)
    yield boundary
    boundary.stop()
    server.stop()


@pytest.fixture
def stripe_app(app, stripe_boundary):
    """The app configured for Stripe, with the API base pointing at the offline boundary."""
    from tests.stripe_support import SECRET_KEY, WEBHOOK_SECRET

    app.config.update(STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
                      STRIPE_API_BASE=stripe_boundary.url)
    return app
