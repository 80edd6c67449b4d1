"""The production set-up on loopback, for the deploy check and the mixed-load benchmark.

``Stack`` starts what production runs (deploy/systemd, deploy/nginx), each on a free local port
and in a scratch directory: a fresh PostgreSQL database (created at 127.0.0.1:5432, migrated with
``flask db upgrade``, dropped at the end), Redis (a database number; keys of this run only carry
its id), an SMTP server (aiosmtpd) that keeps what it receives, two ``SERVER_ROLE=live`` and two
``SERVER_ROLE=pages`` gunicorn processes, one RQ worker (``flask jobs worker``) and nginx with
the configuration of deploy/nginx (deploy/run_local.py renders it). tests/test_deploy_check.py
(``make deploy-check``) drives it through nginx; bench/mixed.py puts load on it.

    .venv/bin/python deploy/check.py      # start it, print the addresses, Ctrl-C stops

Settings from the environment: ``DEPLOY_CHECK_DATABASE_URL`` (the PostgreSQL server, default
postgresql+psycopg://127.0.0.1:5432/test; a database of its own is created next to it) and
``DEPLOY_CHECK_REDIS_URL`` (default redis://127.0.0.1:6379/14).
"""

from __future__ import annotations

import email
import email.policy
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from deploy.run_local import LocalDeployment, free_port  # noqa: E402

DATABASE_URL = os.environ.get("DEPLOY_CHECK_DATABASE_URL", "postgresql+psycopg://127.0.0.1:5432/test")
REDIS_URL = os.environ.get("DEPLOY_CHECK_REDIS_URL", "redis://127.0.0.1:6379/14")
#: The session cookie key of every process (the live processes read the pages' login cookie).
SECRET = "deploy-check-secret-key-" + "y" * 24
#: Lets the check read each process's /metrics directly (nginx answers 404 there).
METRICS_TOKEN = "deploy-check-metrics-token"  # noqa: S105 - loopback only, a throw-away run


class Inbox:
    """aiosmtpd's handler: every message accepted, parsed, with its envelope recipients."""

    def __init__(self):
        self.messages: list = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.arrived:
            self.messages.append((list(envelope.rcpt_tos), message))
            self.arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, recipient: str, timeout: float = 30.0):
        """The first message to ``recipient`` (None if none came in time)."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while True:
                for recipients, message in self.messages:
                    if recipient in recipients:
                        return message
                if time.monotonic() > deadline:
                    return None
                self.arrived.wait(timeout=0.2)


def create_database(base_url: str) -> str:
    """A new, empty database on the server of ``base_url``; its URL."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    from marketplace.config import normalise_database_url

    url = make_url(normalise_database_url(base_url))
    name = f"bxqx_deploy_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_database(database_url: str) -> None:
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    finally:
        admin.dispose()


#: The RQ worker's niceness here (bxqx-worker.service: CPUWeight=20, the pages 100).
WORKER_NICENESS = 7


def lower_autogroup(pid: int, niceness: int) -> None:
    """Give the session of ``pid`` the scheduler's ``niceness`` as a whole.

    With the kernel's autogroups (``/proc/sys/kernel/sched_autogroup_enabled``, on in Debian), the
    CPU is shared between sessions first and a process's own niceness counts only within its
    session: the worker started in a session of its own with ``nice -n 7`` competed with the pages
    processes as an equal (bench/mixed.py: pages 2x slower while an import ran, and no better with
    ``nice -n 19``). The session's niceness is the autogroup's, set here. Under systemd the
    units' ``CPUWeight`` does this through cgroups.
    """
    autogroup = Path(f"/proc/{pid}/autogroup")
    try:
        autogroup.write_text(str(niceness))
    except OSError:  # no autogroups (the process niceness then applies), or not allowed
        pass


class Worker:
    """``flask jobs worker`` (bxqx-worker.service) with the stack's environment."""

    def __init__(self, env: dict, run_dir: Path, name: str):
        self.env, self.name = env, name
        self.log_path = run_dir / f"worker-{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603  (our interpreter, our command)
                # bxqx-worker.service's CPUWeight=20 against the pages' 100: under contention the
                # imports and PDFs get a fifth of a page process's share. Outside systemd, the
                # same through the scheduler's niceness (each step ~1.25x: 7 is about 5x).
                [shutil.which("nice") or "/usr/bin/nice", "-n", str(WORKER_NICENESS),
                 sys.executable, "-m", "flask", "--app", "marketplace", "jobs", "worker",
                 "--name", self.name], cwd=ROOT, env=self.env,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        lower_autogroup(self.process.pid, WORKER_NICENESS)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if not self.running():
            return
        os.killpg(self.process.pid, signal.SIGTERM)  # RQ: finish the job at hand, then stop
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""


class Stack:
    """The whole deployment on loopback; ``start()`` then ``stop()`` (or use it as a context)."""

    def __init__(self, run_dir: Path, *, database: str = DATABASE_URL, redis: str = REDIS_URL,
                 live: int = 2, pages: int = 2, web_concurrency: int = 1, env: dict | None = None):
        self.run_dir = run_dir
        run_dir.mkdir(parents=True, exist_ok=True)
        self.base_database, self.redis_url = database, redis
        self.live_count, self.pages_count = live, pages
        self.web_concurrency = web_concurrency
        self.extra_env = env or {}
        self.run_id = uuid.uuid4().hex[:8]
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.public_url = self.url
        self.database_url: str | None = None
        self.inbox = Inbox()
        self.smtp = None
        self.deployment: LocalDeployment | None = None
        self.worker: Worker | None = None
        self.env: dict = {}

    # -- the parts -------------------------------------------------------------------------------

    def environment(self, smtp_port: int) -> dict:
        run = self.run_id
        env = {
            **os.environ,
            "APP_ENV": "development", "SECRET_KEY": SECRET, "DATABASE_URL": self.database_url,
            "PUBLIC_URL": self.public_url, "EXTRA_TRUSTED_HOSTS": "127.0.0.1",
            "PROXY_FIX_HOPS": "1", "INSTANCE_PATH": str(self.run_dir / "instance"),
            "UPLOAD_DIR": str(self.run_dir / "instance" / "uploads"),
            "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp_port), "MAIL_USE_TLS": "false",
            "MAIL_USE_SSL": "false", "MAIL_USERNAME": "", "LOG_LEVEL": "warning",
            "REDIS_URL": self.redis_url, "SOCKETIO_MESSAGE_QUEUE": self.redis_url,
            "SOCKETIO_CHANNEL": f"bxqx-deploy-{run}", "RATELIMIT_KEY_PREFIX": f"bxqx-deploy-{run}",
            "RATELIMIT_STORAGE_URI": "", "JOBS_QUEUE": f"bxqx-deploy-{run}",
            "LIVE_ALLOWED_ORIGINS": "", "METRICS_TOKEN": METRICS_TOKEN,
            "WEB_CONCURRENCY": str(self.web_concurrency), "FLASK_APP": "marketplace",
        }
        env.pop("SERVER_ROLE", None)
        env.update(self.extra_env)
        return env

    def flask(self, *command: str) -> None:
        result = subprocess.run(  # noqa: S603  (our interpreter, our command)
            [sys.executable, "-m", "flask", "--app", "marketplace", *command], cwd=ROOT,
            env={**self.env, "LOG_LEVEL": "warning"}, capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            raise RuntimeError(f"flask {' '.join(command)} failed:\n{result.stderr[-4000:]}")

    def migrate(self) -> None:
        """The schema, and the certificate that signs PDFs (licence certificates): production
        sets SIGNING_CERT and SIGNING_KEY; here a throw-away one in the instance folder."""
        self.flask("db", "upgrade")
        if not (self.env.get("SIGNING_PKCS12") or self.env.get("SIGNING_CERT")):
            self.flask("pki", "init")

    def start(self) -> Stack:
        from aiosmtpd.controller import Controller

        try:
            self.database_url = create_database(self.base_database)
            smtp_port = free_port()
            self.smtp = Controller(self.inbox, hostname="127.0.0.1", port=smtp_port)
            self.smtp.start()
            self.env = self.environment(smtp_port)
            self.migrate()
            self.deployment = LocalDeployment(self.run_dir / "run", self.env, live=self.live_count,
                                              pages=self.pages_count, port=self.port)
            self.worker = Worker(self.env, self.run_dir, f"deploy-{self.run_id}")
            self.worker.start()
            self.deployment.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.deployment is not None:
            self.deployment.stop()
        if self.worker is not None:
            self.worker.stop()
        if self.smtp is not None:
            self.smtp.stop()
            self.smtp = None
        if self.database_url is not None:
            drop_database(self.database_url)
            self.database_url = None
        self._forget_redis_keys()

    def _forget_redis_keys(self) -> None:
        """This run's keys (its queue, jobs, rate limits), so the Redis database stays small."""
        try:
            import redis

            client = redis.Redis.from_url(self.redis_url)
            keys = list(client.scan_iter(f"*deploy-{self.run_id}*", count=1000))
            if keys:
                client.delete(*keys)
            client.close()
        except Exception as error:  # noqa: BLE001 - tidying only; Redis may be gone
            print(f"deploy check: could not remove its Redis keys: {error}", file=sys.stderr)

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def live(self):
        return self.deployment.live

    @property
    def pages(self):
        return self.deployment.pages

    def logs(self) -> str:
        """The tail of every process's log, for a failure message."""
        parts = [f"--- {server.role} {server.port}\n{server.log()}" for server in self.deployment.servers]
        parts.append(f"--- worker\n{self.worker.log()}")
        error_log = self.deployment.nginx.error_log
        if error_log.exists():
            parts.append(f"--- nginx\n{error_log.read_text(errors='replace')[-2000:]}")
        return "\n".join(parts)


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run-dir", type=Path, default=ROOT / "instance" / "deploy-check")
    args = parser.parse_args()
    with Stack(args.run_dir) as stack:
        for server in stack.deployment.servers:
            print(f" * {server.role:5} process (pid {server.process.pid}) on {server.url}", flush=True)
        print(f" * worker (pid {stack.worker.process.pid}); SMTP on 127.0.0.1:{stack.env['MAIL_PORT']}")
        print(f" * nginx on {stack.url}/  database {stack.database_url}  (Ctrl-C stops)", flush=True)
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
