"""Production's split on one machine: live and pages processes behind nginx, for tests and demos.

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python deploy/run_local.py --port 8080

starts what the systemd units start (deploy/systemd): ``gunicorn -c gunicorn.conf.py wsgi:app``
with ``SERVER_ROLE=live`` and with ``SERVER_ROLE=pages``, each on a free local port, and nginx in
front with the production routing (deploy/nginx/bxqx-locations.conf and the map of
deploy/nginx/bxqx.conf), all in a scratch directory and as an ordinary user. The processes take
the rest of their settings (DATABASE_URL, SECRET_KEY, ...) from the environment, as the units
take them from /etc/bxqx/bxqx.env; PUBLIC_URL defaults to nginx's address. Like systemd's
``Restart=always``, a process that dies is started again a second later (try
``kill -9`` on the pages process: the live room goes on, the pages come back). Ctrl-C stops
everything. tests/test_live_split.py drives the same classes.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NGINX_DIR = ROOT / "deploy" / "nginx"
#: What the systemd units run after the gunicorn executable (deploy/systemd/bxqx-*@.service).
GUNICORN_ARGS = ["-c", "gunicorn.conf.py", "wsgi:app"]
#: The site's maps (WebSocket upgrade, the sticky-session key and cookie) and the live upstream's
#: balancing line, copied into the rendered configuration.
_MAPS = re.compile(r"^map .*?^\}", re.S | re.M)
_LIVE_BALANCING = re.compile(r"^upstream bxqx_live \{\s*(?P<line>[^\n]*;)", re.M)
#: Where the production files say the checkout is (deploy/systemd, the static root).
_CHECKOUT = "/srv/bxqx/"
#: nginx's connections per worker: a proxied WebSocket holds two (the browser's and the upstream's),
#: so Debian's default of 768 in /etc/nginx/nginx.conf stops near 380 attendees a worker
#: (docs/deployment.md, "nginx's own settings").
WORKER_CONNECTIONS = 8192
#: Debian's libnginx-mod-http-brotli-filter, when installed.
BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_filter_module.so")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def http_status(url: str, timeout: float = 5.0) -> int | None:
    """The status of a GET (None: no answer)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310  (our own URL)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def find_nginx() -> str | None:
    return shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(path, os.X_OK)), None)


class Server:
    """One ``gunicorn -c gunicorn.conf.py wsgi:app`` process of a role, on 127.0.0.1:port."""

    def __init__(self, role: str, port: int, env: dict, run_dir: Path):
        self.role, self.port, self.env, self.run_dir = role, port, env, run_dir
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = run_dir / f"{role}-{port}.log"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> None:
        """Start the process and wait until its /healthz answers 200."""
        self.spawn()
        self.wait_ready(timeout)

    def spawn(self) -> None:
        env = {**self.env, "SERVER_ROLE": self.role, "HOST": "127.0.0.1", "PORT": str(self.port)}
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603  (our interpreter, our config)
                [sys.executable, "-m", "gunicorn", *GUNICORN_ARGS],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while http_status(self.url + "/healthz", timeout=2) != 200:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.role} process exited:\n{self.log()}")
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"{self.role} process did not start:\n{self.log()}")
            time.sleep(0.1)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to the whole process group (arbiter and workers); with SIGKILL, wait until
        it is gone and its port closed."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass
        if sig == signal.SIGKILL:
            self.process.wait(timeout=10)
            deadline = time.monotonic() + 10
            while port_open(self.port) and time.monotonic() < deadline:  # workers still exiting
                time.sleep(0.05)

    def stop(self) -> None:
        """Stop gracefully (gunicorn's SIGTERM); kill what is left after 20 s."""
        if not self.running():
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # a worker the arbiter left behind
        except ProcessLookupError:
            pass

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""


class Nginx:
    """nginx on 127.0.0.1:port with the production routing, in ``run_dir``."""

    def __init__(self, binary: str, port: int, live: list[Server], pages: list[Server], run_dir: Path):
        self.binary, self.port, self.run_dir = binary, port, run_dir
        self.url = f"http://127.0.0.1:{port}"
        self.conf = run_dir / "nginx.conf"
        self.error_log = run_dir / "nginx-error.log"
        self.conf.write_text(self.render(live, pages))
        self.process: subprocess.Popen | None = None

    def render(self, live: list[Server], pages: list[Server]) -> str:
        site = (NGINX_DIR / "bxqx.conf").read_text()
        temp = self.run_dir / "nginx-temp"
        temp.mkdir(parents=True, exist_ok=True)
        compiled = subprocess.run([self.binary, "-V"], capture_output=True, text=True).stderr  # noqa: S603
        lines = [f"{name}_temp_path {temp / name};"
                 for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
                 if f"--without-http_{name}_module" not in compiled]
        lines += _MAPS.findall(site)
        lines += ["upstream bxqx_live {", "    " + _LIVE_BALANCING.search(site).group("line")]
        lines += [f"    server 127.0.0.1:{server.port};" for server in live]
        lines += ["}", "upstream bxqx_pages {"]
        lines += [f"    server 127.0.0.1:{server.port} max_fails=1 fail_timeout=5s;" for server in pages]
        lines += ["    keepalive 8;", "}"]
        http = "\n".join("    " + line for block in lines for line in block.splitlines())
        # As root (CI) the workers stay root: they write temporary files under run_dir, which
        # nginx's default worker user may not enter.
        user = "user root;\n" if os.geteuid() == 0 else ""
        locations = (NGINX_DIR / "bxqx-locations.conf").read_text().replace(_CHECKOUT, f"{ROOT}/")
        brotli = ""
        if BROTLI_MODULE.exists():
            brotli = f"load_module {BROTLI_MODULE};\n"
            types = re.search(r"gzip_types([^;]*);", locations).group(1)
            locations = locations.replace(
                "    gzip on;\n", f"    gzip on;\n    brotli on;\n    brotli_types{types};\n")
        (self.run_dir / "bxqx-locations.conf").write_text(locations)
        return f"""# Written by deploy/run_local.py: the routing of deploy/nginx/, this machine's ports.
{brotli}daemon off;
worker_processes 1;
pid {self.run_dir / "nginx.pid"};
error_log {self.error_log} warn;
worker_rlimit_nofile {WORKER_CONNECTIONS * 2 + 1024};
{user}events {{ worker_connections {WORKER_CONNECTIONS}; }}
http {{
    # The time of each request at nginx and at the upstream (what bench/mixed.py's slow requests
    # are told apart by: a slow upstream, or time spent before or after it).
    log_format bxqx_timing '$msec $status rt=$request_time urt=$upstream_response_time '
                           'up=$upstream_addr "$request"';
    access_log {self.run_dir / "nginx-access.log"} bxqx_timing;
{http}
    server {{
        listen 127.0.0.1:{self.port};
        include {self.run_dir / "bxqx-locations.conf"};
    }}
}}
"""

    def _command(self, *extra: str) -> list[str]:
        return [self.binary, "-p", str(self.run_dir), "-c", str(self.conf), "-e", str(self.error_log), *extra]

    def start(self, timeout: float = 15.0) -> None:
        check = subprocess.run(self._command("-t"), capture_output=True, text=True)  # noqa: S603
        if check.returncode != 0:
            raise RuntimeError(f"nginx refuses the configuration:\n{check.stderr}\n{self.conf.read_text()}")
        with open(self.run_dir / "nginx-stderr.log", "ab") as log:
            self.process = subprocess.Popen(self._command(), stdout=log, stderr=subprocess.STDOUT,  # noqa: S603
                                            start_new_session=True)
        deadline = time.monotonic() + timeout
        while not port_open(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"nginx did not start:\n{self.error_log.read_text(errors='replace')}")
            time.sleep(0.05)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if not self.running():
            return
        self.process.send_signal(signal.SIGTERM)  # fast shutdown: open WebSockets are closed
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


class LocalDeployment:
    """``live`` live processes and ``pages`` pages processes, and nginx in front of them."""

    def __init__(self, run_dir: Path, env: dict | None = None, *, live: int = 1, pages: int = 1,
                 port: int | None = None, nginx: str | None = None):
        run_dir.mkdir(parents=True, exist_ok=True)
        self.run_dir = run_dir
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        base = {**os.environ, **(env or {})}
        base.setdefault("PUBLIC_URL", self.url)
        # The readiness checks go straight to each process's 127.0.0.1 address: in production
        # (TRUSTED_HOSTS from PUBLIC_URL) that host must be trusted too.
        base.setdefault("EXTRA_TRUSTED_HOSTS", "127.0.0.1")
        base.setdefault("PROXY_FIX_HOPS", "1")
        self.live = [Server("live", free_port(), base, run_dir) for _ in range(live)]
        self.pages = [Server("pages", free_port(), base, run_dir) for _ in range(pages)]
        binary = nginx or find_nginx()
        if binary is None:
            raise RuntimeError("nginx is not installed (Debian: apt-get install nginx-light)")
        self.nginx = Nginx(binary, self.port, self.live, self.pages, run_dir)

    @property
    def servers(self) -> list[Server]:
        return self.live + self.pages

    def start(self) -> None:
        try:
            for server in self.servers:
                server.spawn()
            for server in self.servers:
                server.wait_ready()
            self.nginx.start()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        self.nginx.stop()
        for server in self.servers:
            server.stop()

    def supervise(self, interval: float = 1.0) -> None:
        """Start again, after ``interval`` seconds, any process that died (until interrupted)."""
        while True:
            time.sleep(interval)
            for server in self.servers:
                if not server.running():
                    print(f"{server.role} process on port {server.port} exited; starting it again",
                          flush=True)
                    server.kill()  # whatever is left of its group
                    server.start()
            if not self.nginx.running():
                raise RuntimeError(f"nginx exited:\n{self.nginx.error_log.read_text(errors='replace')}")


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8080, help="nginx's port (default 8080)")
    parser.add_argument("--live", type=int, default=1, help="live processes (default 1)")
    parser.add_argument("--pages", type=int, default=1, help="pages processes (default 1)")
    parser.add_argument("--run-dir", type=Path, default=ROOT / "instance" / "run-local",
                        help="logs, nginx.conf and nginx's temporary files")
    args = parser.parse_args(argv)
    if not (os.environ.get("SOCKETIO_MESSAGE_QUEUE") or os.environ.get("REDIS_URL")):
        parser.error("set REDIS_URL (or SOCKETIO_MESSAGE_QUEUE): the live and pages processes "
                     "reach each other through it")
    deployment = LocalDeployment(args.run_dir, live=args.live, pages=args.pages, port=args.port)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        deployment.start()
        for server in deployment.servers:
            print(f" * {server.role:5} process (pid {server.process.pid}) on {server.url}", flush=True)
        print(f" * nginx on {deployment.url}/  (logs in {args.run_dir}; Ctrl-C stops)", flush=True)
        deployment.supervise()
    except KeyboardInterrupt:
        pass
    finally:
        deployment.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
