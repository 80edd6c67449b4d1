"""Real server processes for the live-room tests: gunicorn with the gevent WebSocket worker
(gunicorn.conf.py, as in production), on a database the test prepared, optionally over Redis;
and a real Socket.IO client of the room."""

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests
import socketio

ROOT = Path(__file__).resolve().parent.parent
SECRET = "live-test-secret-key-" + "x" * 20
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServerProcess:
    """``gunicorn -c gunicorn.conf.py wsgi:app`` on 127.0.0.1:port; stops on ``stop()``."""

    def __init__(self, database_url: str, instance: Path, *, port: int | None = None,
                 message_queue: str | None = None, channel: str | None = None,
                 allowed_origins: list[str] = (), extra_env: dict | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        instance.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ, "APP_ENV": "development", "SECRET_KEY": SECRET, "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(instance), "PUBLIC_URL": self.url, "HOST": "127.0.0.1",
            "PORT": str(self.port), "REDIS_URL": "", "RATELIMIT_STORAGE_URI": "memory://",
            "LIVE_ALLOWED_ORIGINS": ",".join(allowed_origins), "MAIL_SERVER": "",
            "MAIL_OUTBOX_DIR": str(instance / "outbox"), "LOG_LEVEL": "warning",
        }
        env.pop("SOCKETIO_MESSAGE_QUEUE", None)
        if message_queue:
            env["SOCKETIO_MESSAGE_QUEUE"] = message_queue
        if channel:
            env["SOCKETIO_CHANNEL"] = channel
        env.update(extra_env or {})
        self.log_path = instance / f"server-{self.port}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115  (closed in stop)
        self.process = subprocess.Popen(  # noqa: S603  (our own interpreter and config)
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 40.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log()}")
            try:
                if requests.get(self.url + "/auth/login", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server did not start: {self.log()}")

    def worker_pids(self) -> list[int]:
        """The arbiter's children now (Linux /proc): one gevent worker per process."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return sorted(int(pid) for pid in children.read_text().split()) if children.exists() else []

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._log.close()


def login_session(base_url: str, email: str, password: str) -> requests.Session:
    """Log in over HTTP; return the session (its cookies are the login)."""
    session = requests.Session()
    page = session.get(base_url + "/auth/login", timeout=10).text
    token = _TOKEN.search(page).group(1)
    response = session.post(base_url + "/auth/login", data={"csrf_token": token, "email": email,
                                                            "password": password},
                            allow_redirects=False, timeout=10)
    assert response.status_code == 302, f"login of {email} failed: {response.status_code}"
    return session


def login(base_url: str, email: str, password: str) -> str:
    """Log in over HTTP; return the Cookie header a Socket.IO client sends."""
    session = login_session(base_url, email, password)
    return "; ".join(f"{name}={value}" for name, value in session.cookies.items())


def post_form(session: requests.Session, base_url: str, page: str, action: str,
              data: dict | None = None) -> requests.Response:
    """Submit a form of ``page`` to ``action`` as the browser does, with the page's CSRF token."""
    token = _TOKEN.search(session.get(base_url + page, timeout=10).text).group(1)
    return session.post(base_url + action, data={"csrf_token": token, **(data or {})},
                        allow_redirects=False, timeout=10)


class Attendee:
    """A python-socketio client in the room, collecting the events it receives and its
    disconnections (with their reason)."""

    def __init__(self, base_url: str, email: str, roadshow_id: int, *, password: str,
                 transport: str = "websocket"):
        self.events: list[dict] = []
        self.disconnects: list[str] = []
        self.arrived = threading.Condition()
        # websocket-client would add an Origin of its own beside ours.
        self.client = socketio.Client(reconnection=False,
                                      websocket_extra_options={"suppress_origin": True})
        self.client.on("event", self._on_event, namespace="/live")
        self.client.on("disconnect", self._on_disconnect, namespace="/live")
        cookie = login(base_url, email, password)
        self.client.connect(base_url, headers={"Cookie": cookie, "Origin": base_url},
                            auth={"roadshow": roadshow_id}, namespaces=["/live"],
                            transports=[transport], wait_timeout=10)

    def _on_event(self, event):
        with self.arrived:
            self.events.append(event)
            self.arrived.notify_all()

    def _on_disconnect(self, reason=None):
        with self.arrived:
            self.disconnects.append(str(reason))
            self.arrived.notify_all()

    def call(self, event: str, data: dict) -> dict:
        return self.client.call(event, data, namespace="/live", timeout=10)

    def wait_for(self, predicate, timeout: float = 10.0) -> dict:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while True:
                found = next((event for event in self.events if predicate(event)), None)
                if found is not None or time.monotonic() > deadline:
                    return found
                self.arrived.wait(timeout=0.2)

    def wait_disconnected(self, timeout: float = 10.0) -> list[str]:
        """The reasons of this client's disconnections, once there is one (empty: none came)."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while not self.disconnects and time.monotonic() < deadline:
                self.arrived.wait(timeout=0.2)
            return list(self.disconnects)

    def applied(self) -> list[dict]:
        """The events as the client applies them: the first one of each number, in order."""
        with self.arrived:
            first = {}
            for event in self.events:
                first.setdefault(event["seq"], event)
        return [first[seq] for seq in sorted(first)]

    def close(self):
        self.client.disconnect()
