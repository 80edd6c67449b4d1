"""The production server for the benchmarks: ``gunicorn -c gunicorn.conf.py wsgi:app`` in its own
process group, its output (gunicorn's error log and the app's log) in a file, and what that file
says about the workers: a worker killed by a signal, exiting with an error, timed out by the
arbiter, or booted again (a replacement).

Used by bench/pages.py and bench/roadshow.py.
"""

import ctypes
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: gunicorn's arbiter on a worker that ended badly (gunicorn/arbiter.py), and on a new worker.
_DEATH = re.compile(r"Worker \(pid:\d+\) (was sent (?!SIGTERM)\S+|exited with code \d+)|WORKER TIMEOUT")
_BOOT = re.compile(r"Booting worker with pid")
#: What Python prints when a process crashes (faulthandler) or an exception is logged.
_TRACEBACK = re.compile(r"^(Fatal Python error|Traceback \(most recent call last\))", re.MULTILINE)


@dataclass
class LogEvents:
    """What a stretch of the server's output says about its workers."""

    deaths: list[str] = field(default_factory=list)
    boots: int = 0
    #: Python tracebacks and fatal errors in the output, and the first of them.
    tracebacks: int = 0
    first_traceback: str = ""

    def merge(self, other: "LogEvents") -> None:
        self.deaths += other.deaths
        self.boots += other.boots
        self.tracebacks += other.tracebacks
        self.first_traceback = self.first_traceback or other.first_traceback


def log_events(text: str) -> LogEvents:
    """Worker deaths (the arbiter's lines), worker boots and Python tracebacks in ``text``."""
    deaths = [line.strip() for line in text.splitlines() if _DEATH.search(line)]
    return LogEvents(deaths=deaths, boots=len(_BOOT.findall(text)),
                     tracebacks=len(_TRACEBACK.findall(text)), first_traceback=_first_traceback(text))


def _first_traceback(text: str) -> str:
    """The first traceback in ``text``: its first lines, its last lines and the exception."""
    found = _TRACEBACK.search(text)
    if found is None:
        return ""
    lines = text[found.start():].splitlines()
    end = next((i for i, line in enumerate(lines[1:], 1) if line and not line.startswith(" ")),
               len(lines) - 1)
    block = lines[:end + 1]
    return "\n".join(block if len(block) <= 16 else [*block[:3], "  ...", *block[-12:]])


def _stop_with_parent() -> None:
    """In the child before exec (Linux): SIGTERM when the benchmark process dies, even by SIGKILL,
    so no server outlives it."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class AppServer:
    """One gunicorn process (``workers = 1`` in gunicorn.conf.py) on 127.0.0.1:``port``."""

    def __init__(self, port: int, env: dict, log_path: Path, *, extra_args: tuple = (),
                 cpu: int | None = None, ready_path: str = "/healthz", ready_timeout: float = 60):
        self.port, self.url, self.log_path = port, f"http://127.0.0.1:{port}", log_path
        env = {**os.environ, **env, "HOST": "127.0.0.1", "PORT": str(port)}
        env.pop("ACCESS_LOG", None)  # no line per request in the log the benchmark reads
        command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", *extra_args, "wsgi:app"]
        if cpu is not None:
            command = ["taskset", "-c", str(cpu), *command]  # execs gunicorn in place: same pid
        self._log = open(log_path, "ab")  # noqa: SIM115  (closed in stop)
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self._log,  # noqa: S603
                                        stderr=subprocess.STDOUT, start_new_session=True,
                                        preexec_fn=_stop_with_parent)  # noqa: PLW1509
        self._read = 0
        #: Workers this benchmark killed on purpose (kill_worker).
        self.killed: list[int] = []
        try:
            self.wait_ready(ready_path, ready_timeout)
        except BaseException:
            self.stop()
            raise

    def wait_ready(self, path: str = "/healthz", timeout: float = 60) -> None:
        """Until ``path`` answers and a worker runs; fail at once if gunicorn exited."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn on {self.port} exited ({self.process.returncode}):\n"
                                   f"{self.tail()}")
            try:
                with urllib.request.urlopen(self.url + path, timeout=5):  # noqa: S310
                    if self.worker_pids():
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn on {self.port} did not answer {path} within {timeout:.0f} s:\n"
                           f"{self.tail()}")

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def worker_pid(self) -> int | None:
        pids = self.worker_pids()
        return pids[0] if pids else None

    def cpu_seconds(self, workers_only: bool = False) -> float:
        """User + system CPU seconds so far of the master (unless ``workers_only``) and workers."""
        total = 0
        for pid in self.worker_pids() + ([] if workers_only else [self.process.pid]):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.worker_pid()}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def new_events(self) -> LogEvents:
        """What the output says since the last call (the first: since the start)."""
        with open(self.log_path, "rb") as log:
            log.seek(self._read)
            text = log.read()
        self._read += len(text)
        return log_events(text.decode(errors="replace"))

    def tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    def kill_worker(self) -> None:
        """Crash the serving process (SIGKILL); the arbiter starts a new worker on the same port."""
        old = self.worker_pid()
        self.killed.append(old)
        os.kill(old, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.worker_pid() in (None, old):
            time.sleep(0.1)
        self.wait_ready()

    def stop(self) -> None:
        """SIGTERM to the process group, then SIGKILL to whatever is left of it; idempotent."""
        for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break  # nothing left in the group
            try:
                self.process.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                continue
        if not self._log.closed:
            self._log.close()
