"""Which job failures are worth another attempt, and how long to wait before it.

Transient: the mail server down or answering 4xx, a database deadlock, serialization failure,
lock timeout or dropped connection, a network or Redis connection error. Everything else (a bug,
bad data, a 5xx refusal from the mail server) fails the job at once: retrying cannot help.
"""

import smtplib
from datetime import timedelta

from sqlalchemy.exc import DBAPIError, OperationalError

#: PostgreSQL SQLSTATEs worth retrying: serialization failure, deadlock, lock not available,
#: and the connection exceptions (class 08) and operator intervention (57P01-57P03).
_RETRY_SQLSTATES = {"40001", "40P01", "55P03", "57P01", "57P02", "57P03"}
#: SQLite's messages for another writer holding the database.
_SQLITE_BUSY = ("database is locked", "database is busy")


class TransientError(Exception):
    """Raised by a job for a failure that another attempt may not meet."""


def is_transient(error: BaseException) -> bool:
    """Whether another attempt of the job may succeed."""
    if isinstance(error, TransientError):
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    if isinstance(error, smtplib.SMTPException):  # disconnected, connect error, no reply
        return True
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        state = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
        if state and (state in _RETRY_SQLSTATES or state.startswith("08")):
            return True
        return isinstance(error, OperationalError) and any(
            text in str(error.orig).lower() for text in _SQLITE_BUSY)
    if _is_redis_connection_error(error):
        return True
    return isinstance(error, (ConnectionError, TimeoutError))


def _is_redis_connection_error(error: BaseException) -> bool:
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:  # pragma: no cover - redis is a runtime requirement
        return False
    return isinstance(error, (RedisConnectionError, RedisTimeoutError))


def backoff(attempts: int, config) -> timedelta:
    """The wait after the ``attempts``-th failed run: doubling from the base, up to the cap."""
    base = float(config["JOBS_RETRY_BASE_SECONDS"])
    cap = float(config["JOBS_RETRY_MAX_SECONDS"])
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), cap))


def describe(error: BaseException) -> str:
    """The error as stored on the job and shown to operators."""
    text = getattr(error, "message", None) or str(error) or type(error).__name__
    if isinstance(error, (smtplib.SMTPException, ConnectionError, TimeoutError, DBAPIError)):
        text = f"{type(error).__name__}: {text}"
    return str(text)[:2000]
