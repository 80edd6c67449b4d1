"""Configuration read from environment variables, with safe defaults for local use."""

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url: str) -> str:
    """Map plain postgres URLs to the psycopg 3 driver SQLAlchemy should use."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    """Settings for development and production; every value can come from the environment."""

    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-secret-key-change-me")
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'marketplace.db'}")
    )
    #: Connections per server process: a gevent worker runs many requests at once, and each holds
    #: a connection until it ends; with fewer connections than busy requests, the next request
    #: (a health check) waits for one however quick it is. PostgreSQL's default max_connections
    #: (100) allows two processes at the defaults.
    #: (Not for an in-memory SQLite database, which has one shared connection.)
    DB_POOL_SIZE = int(os.environ.get("DB_POOL_SIZE", "10"))
    DB_MAX_OVERFLOW = int(os.environ.get("DB_MAX_OVERFLOW", "30"))
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    #: A pooled connection idle longer than this is pinged before use (marketplace/db_ping.py).
    DB_PING_IDLE_SECONDS = float(os.environ.get("DB_PING_IDLE_SECONDS", "5"))
    #: SQLite: bytes of the database file read through memory-mapped I/O (marketplace/sqlite_mmap.py).
    SQLITE_MMAP_SIZE = int(os.environ.get("SQLITE_MMAP_SIZE", str(1 << 30)))
    REDIS_URL = os.environ.get("REDIS_URL", "")
    #: Requests per address to the whole public API (Flask-Limiter syntax).
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "120 per minute")
    #: Requests per address to the search boxes' suggestions (listings/suggest_routes.py).
    SUGGEST_RATE_LIMIT = os.environ.get("SUGGEST_RATE_LIMIT", "300 per minute")
    #: Seconds a process keeps the keyword statistics of needs matching (needs/matching.py).
    MATCH_TERM_STATS_SECONDS = float(os.environ.get("MATCH_TERM_STATS_SECONDS", "600"))
    #: Spreadsheets with this many rows or more are imported by the job worker (listings/imports/services.py).
    IMPORT_BACKGROUND_ROWS = int(os.environ.get("IMPORT_BACKGROUND_ROWS", "5000"))
    #: With a job worker (REDIS_URL), spreadsheets of this many bytes or more are parsed by the
    #: worker too, not by the web process that received them.
    IMPORT_WORKER_PARSE_BYTES = int(os.environ.get("IMPORT_WORKER_PARSE_BYTES", str(256 * 1024)))

    # Background jobs (marketplace/jobs): RQ when REDIS_URL is set, else the serving process.
    #: The RQ queue's name (``flask jobs worker`` serves it).
    JOBS_QUEUE = os.environ.get("JOBS_QUEUE", "bxqx-jobs")
    #: Runs of a job that fails transiently (mail server down, deadlock) before it is FAILED.
    JOBS_MAX_ATTEMPTS = int(os.environ.get("JOBS_MAX_ATTEMPTS", "5"))
    #: Wait before the second attempt; it doubles for each further one, up to the maximum.
    JOBS_RETRY_BASE_SECONDS = float(os.environ.get("JOBS_RETRY_BASE_SECONDS", "30"))
    JOBS_RETRY_MAX_SECONDS = float(os.environ.get("JOBS_RETRY_MAX_SECONDS", "3600"))
    #: A running job with no sign of life (start, progress) this long is taken for dead and
    #: requeued by ``flask jobs run-due``; RQ stops a job running longer.
    JOBS_VISIBILITY_TIMEOUT = int(os.environ.get("JOBS_VISIBILITY_TIMEOUT", "900"))
    #: A due queued job that no runner took within this many seconds is dispatched again.
    JOBS_QUEUED_GRACE = int(os.environ.get("JOBS_QUEUED_GRACE", "120"))

    # Payments (used from the payments feature on).
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")

    # Mail: SMTP when MAIL_SERVER is set, otherwise the console and an outbox folder.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "百校千项平台 <noreply@localhost>")
    #: The address users open: every absolute link that leaves the platform (mail, PDFs, .ics,
    #: the API, Stripe's return pages) is built on it, never on the request's Host; the live room
    #: accepts browsers of this origin. Unset: ``http://HOST:PORT`` (marketplace/public_urls.py).
    PUBLIC_URL = os.environ.get("PUBLIC_URL") or None
    #: Production answers only requests for PUBLIC_URL's host and these (comma-separated; e.g.
    #: ``127.0.0.1`` for health checks sent straight to a process); any other Host gets 400.
    EXTRA_TRUSTED_HOSTS = [name.strip() for name in os.environ.get("EXTRA_TRUSTED_HOSTS", "").split(",")
                           if name.strip()]
    MAIL_OUTBOX_DIR = os.environ.get("MAIL_OUTBOX_DIR", str(INSTANCE_DIR / "outbox"))

    # Internationalisation: Chinese first, English on request.
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh_CN": "中文", "en": "English"}
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "marketplace" / "translations")

    # Sessions and cookies.
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")
    SERVER_NAME = os.environ.get("SERVER_NAME") or None

    WTF_CSRF_TIME_LIMIT = 8 * 3600
    #: The one upload limit: the largest file, in bytes. Every upload form states it, the browser
    #: checks it before sending (static/js/uploads.js), marketplace/uploads.py enforces it.
    MAX_ATTACHMENT_BYTES = int(os.environ.get("MAX_ATTACHMENT_BYTES", str(10 * 1024 * 1024)))
    #: The largest request body, derived from it: two files (a claim's two documents) and the
    #: form's text. A larger request is refused unread (413, main/errors.py).
    MAX_CONTENT_LENGTH = 2 * MAX_ATTACHMENT_BYTES + 1024 * 1024

    # Accounts.
    PASSWORD_RESET_MAX_AGE = 3600
    INVITATION_MAX_AGE = 14 * 24 * 3600
    #: Seconds an e-mail confirmation link stays valid (the mail says three days).
    EMAIL_CONFIRM_MAX_AGE = 3 * 24 * 3600
    #: How often an account may ask for the confirmation link again (Flask-Limiter syntax).
    EMAIL_CONFIRM_RESEND_LIMIT = os.environ.get("EMAIL_CONFIRM_RESEND_LIMIT", "3 per hour")
    PASSWORD_HASH_METHOD = "scrypt"
    #: The login lockout (marketplace/accounts/lockout.py, kept in the database): failures in a
    #: row before an account is paused, the first pause (each further failure doubles it), the
    #: longest pause (a quiet spell this long also forgets the failures), and failures per network
    #: address per window (high: a whole campus may share one NAT address).
    LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
    LOGIN_FAILURE_WINDOW_MINUTES = int(os.environ.get("LOGIN_FAILURE_WINDOW_MINUTES", "15"))
    LOGIN_LOCKOUT_MAX_HOURS = int(os.environ.get("LOGIN_LOCKOUT_MAX_HOURS", "24"))
    LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("LOGIN_ADDRESS_FAILURE_LIMIT", "100"))
    #: Password-reset e-mails per address and per account, per hour.
    PASSWORD_RESET_ADDRESS_LIMIT = int(os.environ.get("PASSWORD_RESET_ADDRESS_LIMIT", "30"))
    PASSWORD_RESET_ACCOUNT_LIMIT = int(os.environ.get("PASSWORD_RESET_ACCOUNT_LIMIT", "5"))
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or REDIS_URL or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "bxqx")

    # Real time.
    SOCKETIO_ASYNC_MODE = os.environ.get("SOCKETIO_ASYNC_MODE") or None
    SOCKETIO_MESSAGE_QUEUE = os.environ.get("SOCKETIO_MESSAGE_QUEUE") or REDIS_URL or None
    #: What this process serves: ``all``, or in production ``live`` (the live rooms' Socket.IO)
    #: or ``pages`` (everything else); see marketplace/roles.py.
    SERVER_ROLE = os.environ.get("SERVER_ROLE", "all")

    #: Where uploaded attachments are stored (outside the static folder; served by a view).
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    #: Level of the app's log records (debug, info, warning, error, critical); gunicorn.conf.py
    #: reads the same variable for the server's own messages.
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "info").upper()
    #: ``text`` (Python's default lines) or ``json`` (one object per line, with the request id;
    #: marketplace/request_log.py).
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
    #: The bearer token ``/metrics`` asks for (``Authorization: Bearer …``); unset: no /metrics
    #: (404). Prometheus' multiprocess mode needs PROMETHEUS_MULTIPROC_DIR (marketplace/metrics.py).
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
    #: How many reverse proxies (nginx) set X-Forwarded-For/-Proto/-Host in front of the app.
    PROXY_FIX_HOPS = int(os.environ.get("PROXY_FIX_HOPS", "0"))
    #: Send Strict-Transport-Security; only behind TLS.
    SECURITY_HSTS = _bool("SECURITY_HSTS", False)
    #: Seconds a process keeps search results (listings.cache); 0 turns the cache off. Other
    #: processes see a change to the listings at most this late.
    SEARCH_CACHE_SECONDS = float(os.environ.get("SEARCH_CACHE_SECONDS", "30"))
    #: Compress text responses the browser accepts compressed (Brotli or gzip; marketplace/delivery.py).
    COMPRESS_RESPONSES = _bool("COMPRESS_RESPONSES", True)
    #: Smaller responses go out as they are (compressing them saves less than it costs).
    COMPRESS_MIN_BYTES = int(os.environ.get("COMPRESS_MIN_BYTES", "512"))
    #: Most search results (and rendered result fragments) a process keeps.
    SEARCH_CACHE_SIZE = int(os.environ.get("SEARCH_CACHE_SIZE", "512"))
    #: The TrueType font embedded (as a subset) in every PDF, and the faces of a collection used
    #: for text and for digests (marketplace/pdf.py; Debian's fonts-wqy-zenhei by default).
    PDF_FONT_FILE = os.environ.get("PDF_FONT_FILE", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
    PDF_FONT_INDEX = int(os.environ.get("PDF_FONT_INDEX", "0"))
    PDF_MONO_INDEX = int(os.environ.get("PDF_MONO_INDEX", "1"))
    #: The platform's document-signing key (marketplace/signing.py): PEM certificate and key, or a
    #: PKCS#12 file; unset, the development certificate of ``flask pki init`` (instance/pki/).
    SIGNING_CERT = os.environ.get("SIGNING_CERT", "")
    SIGNING_KEY = os.environ.get("SIGNING_KEY", "")
    SIGNING_KEY_PASSWORD = os.environ.get("SIGNING_KEY_PASSWORD", "")
    SIGNING_PKCS12 = os.environ.get("SIGNING_PKCS12", "")
    SIGNING_PKCS12_PASSWORD = os.environ.get("SIGNING_PKCS12_PASSWORD", "")
    #: PEM file of the issuing CA certificates: sent in each signature, trusted by /verify.
    SIGNING_CHAIN = os.environ.get("SIGNING_CHAIN", "")
    #: An RFC 3161 time-stamping server; when set, every signature carries its time stamp.
    TIMESTAMP_URL = os.environ.get("TIMESTAMP_URL", "")
    #: Top-level packages that extend the platform (``create_app`` imports each and calls its
    #: ``init_app(app)``, which registers its models, blueprints and handlers). They may import
    #: ``marketplace``; ``marketplace`` never imports them.
    EXTENSION_PACKAGES = ["events"]


class ProductionConfig(Config):
    """Production: secure cookies and HSTS by default; a real SECRET_KEY is required."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURITY_HSTS = _bool("SECURITY_HSTS", True)
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "https")


class TestConfig(Config):
    """Tests: a database given by the test harness, fast hashing, no real mail."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    RATELIMIT_STORAGE_URI = "memory://"
    SOCKETIO_ASYNC_MODE = "threading"
    SOCKETIO_MESSAGE_QUEUE = None
    SERVER_ROLE = "all"
    MAIL_SERVER = ""
    PUBLIC_URL = "http://127.0.0.1:5000"
    #: Background jobs run before ``submit`` returns, so tests see their outcome directly.
    JOBS_INLINE = True
    #: Werkzeug scrypt at reduced cost keeps the suite fast; production uses the default cost.
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"
    #: Searches hit the database every time unless a test turns the cache on.
    SEARCH_CACHE_SECONDS = 0


def config_from_env() -> type[Config]:
    """Pick the configuration class named by APP_ENV (development by default)."""
    name = os.environ.get("APP_ENV", "development").lower()
    return {"production": ProductionConfig, "testing": TestConfig}.get(name, Config)
