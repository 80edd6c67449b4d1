"""HTTP load for bench/pages.py: ``wrk`` (Debian package) or, without it, a small Python load
generator (threads with keep-alive connections to 127.0.0.1 only). Both return the same figures:
requests/s, latency percentiles (ms) and every failure, counted as wrk counts them:

- ``connect``, ``read``, ``write``: socket errors opening a connection, reading a response,
  sending a request (the connection is then opened again);
- ``timeout``: no complete response within ``timeout`` seconds;
- ``status``: a response that is not 2xx or 3xx.

Paths are taken in order from one shared sequence (wrk: each thread takes every n-th), so a
list of paths never requested before stays unrepeated while ``reused`` is False.
"""

import http.client
import itertools
import random
import re
import subprocess
import threading
import time
from pathlib import Path

ERRORS = ("connect", "read", "write", "timeout", "status")
MAX_REQUESTS = 500_000


def failures(figures: dict) -> int:
    return sum(int(figures[kind]) for kind in ERRORS)


def percentile(ordered: list[float], p: float) -> float:
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else float("nan")


# --- wrk -----------------------------------------------------------------------------------------

#: Each wrk thread has its own Lua state: thread k of n requests paths k, k + n, k + 2n, ...
_SCRIPT = """
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  step = tonumber(args[1])
  n = id
end
request = function()
  local path = paths[(n % #paths) + 1]
  n = n + step
  return wrk.format("GET", path)
end
"""
_LATENCY = re.compile(r"^\s+(50|90|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


def parse_wrk(output: str) -> dict:
    """Figures and failures from wrk's report (``--latency``)."""
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    if rate is None or total is None:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    figures = {f"p{p}": float(v) * _UNITS[unit] for p, v, unit in _LATENCY.findall(output)}
    figures.update(rps=float(rate.group(1)), requests=int(total.group(1)))
    sockets = _SOCKET.search(output)
    for kind, count in zip(ERRORS[:4], sockets.groups() if sockets else (0, 0, 0, 0), strict=True):
        figures[kind] = int(count)
    status = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    figures["status"] = int(status.group(1)) if status else 0
    return figures


def wrk_load(port: int, paths: list[str], seconds: int, connections: int, headers: dict,
             timeout: float, workdir: Path, preexec_fn=None) -> dict:
    """One wrk run; ``preexec_fn`` runs in the child before wrk (bench/soak.py: wrk ends with the
    thread that started it, even if the benchmark is killed)."""
    threads = min(2, connections)
    script = workdir / "paths.lua"
    quoted = ",\n".join('"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"' for p in paths)
    script.write_text("paths = {" + quoted + "}\n" + _SCRIPT)
    # wrk takes whole seconds.
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s",
               f"--timeout={max(1, round(timeout))}s", "--latency", "-s", str(script)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command += [f"http://127.0.0.1:{port}", "--", str(threads)]
    done = subprocess.run(command, capture_output=True, text=True,  # noqa: S603
                          timeout=seconds + timeout + 60, preexec_fn=preexec_fn)  # noqa: PLW1509
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    figures = parse_wrk(done.stdout)
    # A thread may have sent more than its share; in flight at the end: up to one per connection.
    figures["reused"] = figures["requests"] + connections > len(paths) // threads
    return figures


# --- the Python load generator -----------------------------------------------------------------

def python_load(port: int, paths: list[str], seconds: int, connections: int, headers: dict,
                timeout: float, think: float = 0.0, seed: int = 0) -> dict:
    """``connections`` users, each on a keep-alive connection. With ``think`` (seconds), a user
    pauses between two requests, for a time drawn from an exponential distribution of that mean
    (the first request after a uniform pause of up to ``think``, so the users do not all start at
    once), as a person reads a page before the next click; without it, the next request leaves as
    soon as the last is answered (a closed loop at full speed)."""
    deadline = time.monotonic() + seconds
    users = itertools.count()
    sequence = itertools.count()  # next() on it is atomic under the GIL
    latencies: list[float] = []
    timeline: list[tuple[float, float, str]] = []
    counts = dict.fromkeys(ERRORS, 0)
    lock = threading.Lock()

    def worker() -> None:
        mine, failed, moments = [], dict.fromkeys(ERRORS, 0), []
        connection = None
        rng = random.Random(seed * 100_003 + next(users))
        pause = rng.uniform(0, think) if think else 0.0
        while time.monotonic() < deadline and len(mine) < MAX_REQUESTS // connections:
            if pause:
                if time.monotonic() + pause >= deadline:
                    break
                time.sleep(pause)
            pause = rng.expovariate(1 / think) if think else 0.0
            if connection is None:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
                try:
                    connection.connect()
                except TimeoutError:
                    failed["timeout"] += 1
                    connection = None
                    continue
                except OSError:
                    failed["connect"] += 1
                    connection = None
                    time.sleep(0.01)
                    continue
            path = paths[next(sequence) % len(paths)]
            started = time.perf_counter()
            stage = "write"
            try:
                connection.request("GET", path, headers=headers)
                stage = "read"
                response = connection.getresponse()
                response.read()
            except TimeoutError:
                failed["timeout"] += 1
            except (OSError, http.client.HTTPException):
                failed[stage] += 1
            else:
                mine.append((time.perf_counter() - started) * 1000)
                moments.append((time.monotonic(), mine[-1], path))
                failed["status"] += not 200 <= response.status < 400
                if not response.will_close:
                    continue
            connection.close()
            connection = None
        if connection is not None:
            connection.close()
        with lock:
            latencies.extend(mine)
            timeline.extend(moments)
            for kind, count in failed.items():
                counts[kind] += count

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + timeout + 60)
    if any(thread.is_alive() for thread in threads):
        raise RuntimeError("the Python load generator did not stop")
    elapsed = time.monotonic() - started
    ordered = sorted(latencies)
    return {"rps": len(latencies) / elapsed, "requests": len(latencies),
            "p50": percentile(ordered, 50), "p90": percentile(ordered, 90),
            "p95": percentile(ordered, 95), "p99": percentile(ordered, 99), **counts,
            "reused": next(sequence) > len(paths),
            # (seconds since the start when the answer came, its latency in ms, the path), in
            # time order
            "timeline": sorted((moment - started, latency, path)
                               for moment, latency, path in timeline)}


# --- open-loop load and a health check beside it ----------------------------------------------------

def _one_request(port: int, path: str, headers: dict, timeout: float) -> tuple[float | None, str]:
    """One GET on a new connection: (latency in ms or None, the failure kind or "")."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    stage = "connect"
    try:
        connection.connect()
        stage = "write"
        connection.request("GET", path, headers=headers)
        stage = "read"
        response = connection.getresponse()
        response.read()
    except TimeoutError:
        return None, "timeout"
    except (OSError, http.client.HTTPException):
        return None, stage
    finally:
        connection.close()
    if not 200 <= response.status < 400:
        return None, "status"
    return (time.perf_counter() - started) * 1000, ""


def paced_load(port: int, paths: list[str], rate: float, seconds: float, headers: dict,
               timeout: float) -> dict:
    """``rate`` requests a second for ``seconds``, each sent on time whatever the ones before it
    are doing (open loop: a slow server does not slow the clients down, as with real users);
    the same figures as ``python_load``."""
    latencies: list[float] = []
    counts = dict.fromkeys(ERRORS, 0)
    lock = threading.Lock()

    def send(path: str) -> None:
        latency, failure = _one_request(port, path, headers, timeout)
        with lock:
            if failure:
                counts[failure] += 1
            else:
                latencies.append(latency)

    threads, started = [], time.monotonic()
    for n in range(int(rate * seconds)):
        time.sleep(max(0.0, started + n / rate - time.monotonic()))
        thread = threading.Thread(target=send, args=(paths[n % len(paths)],), daemon=True)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join(timeout + 5)
    elapsed = time.monotonic() - started
    ordered = sorted(latencies)
    return {"rps": len(latencies) / elapsed, "requests": len(latencies),
            "p50": percentile(ordered, 50), "p90": percentile(ordered, 90),
            "p99": percentile(ordered, 99), **counts, "reused": len(threads) > len(paths)}


class HealthProbe:
    """``/healthz`` every ``interval`` seconds on a new connection, as a load balancer checks a
    server, while something else loads it; ``figures()`` gives its latency percentiles (ms) and
    failures (an error, a timeout or a status other than 200 each count)."""

    def __init__(self, port: int, interval: float = 0.1, timeout: float = 10):
        self.port, self.interval, self.timeout = port, interval, timeout
        self.latencies: list[float] = []
        self.failed = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "HealthProbe":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(self.timeout + 5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            latency, failure = _one_request(self.port, "/healthz", {}, self.timeout)
            if failure:
                self.failed += 1
            else:
                self.latencies.append(latency)

    def figures(self) -> dict:
        ordered = sorted(self.latencies)
        return {"health_p50": percentile(ordered, 50), "health_p99": percentile(ordered, 99),
                "health_max": ordered[-1] if ordered else float("nan"),
                "health_checks": len(ordered) + self.failed, "health_failed": self.failed}
