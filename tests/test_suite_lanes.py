"""The PostgreSQL lane with no PostgreSQL to reach fails loudly, unless SKIP_POSTGRES=1 says to
run without it (and never on CI)."""

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _lane(tmp_path, **env) -> subprocess.CompletedProcess:
    with socket.socket() as probe:  # a port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environ = {key: value for key, value in os.environ.items()
               if key not in ("CI", "SKIP_POSTGRES", "PYTEST_ADDOPTS")}
    environ.update(TEST_DATABASE_URL=f"postgresql+psycopg://127.0.0.1:{port}/test", **env)
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
         "tests/test_db_ping.py", "-k", "moments_ago"],
        cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120)


def test_the_postgresql_lane_without_postgresql_fails_and_says_why(tmp_path):
    run = _lane(tmp_path)
    assert run.returncode != 0
    assert "PostgreSQL is not reachable" in run.stdout + run.stderr
    assert "SKIP_POSTGRES=1" in run.stdout + run.stderr


def test_skip_postgres_runs_without_the_lane_but_not_on_ci(tmp_path):
    skipped = _lane(tmp_path, SKIP_POSTGRES="1")
    assert skipped.returncode == 0
    assert "PostgreSQL lane skipped (SKIP_POSTGRES=1)" in skipped.stdout + skipped.stderr
    on_ci = _lane(tmp_path, SKIP_POSTGRES="1", CI="true")
    assert on_ci.returncode != 0 and "a missing service is a failure" in on_ci.stdout + on_ci.stderr
