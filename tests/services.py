"""Reaching the real services the suite needs; with CI=true a missing one fails the run."""

import os
import socket

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def reachable(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def require(name: str, host: str, port: int) -> None:
    """Skip when a service is down on a developer machine; fail under CI."""
    if reachable(host, port):
        return
    message = f"{name} is not reachable on {host}:{port}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: a missing service is a failure)", pytrace=False)
    pytest.skip(message)


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def require_nginx() -> str:
    """The nginx binary (Debian: nginx-light); skipped without it, except under CI."""
    from deploy.run_local import find_nginx

    binary = find_nginx()
    if binary is not None:
        return binary
    message = "nginx is not installed (apt-get install nginx-light)"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: a missing service is a failure)", pytrace=False)
    pytest.skip(message)
