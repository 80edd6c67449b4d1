"""A small HTTP load generator for when ``wrk`` is not installed: threads with keep-alive
connections to 127.0.0.1 only, bounded by time and by a request count."""

import http.client
import threading
import time

MAX_REQUESTS = 200_000


def python_load(port: int, paths: list[str], seconds: int, connections: int, cookie: str) -> dict:
    """Requests/s, latency percentiles (ms) and errors, like the wrk figures."""
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def worker(offset: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, failed, n = [], 0, offset
        while time.monotonic() < deadline and len(mine) < MAX_REQUESTS // connections:
            n += 1
            started = time.perf_counter()
            connection.request("GET", paths[n % len(paths)], headers={"Cookie": cookie})
            response = connection.getresponse()
            response.read()
            mine.append((time.perf_counter() - started) * 1000)
            failed += response.status >= 400
        connection.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    ordered = sorted(latencies) or [0.0]

    def percentile(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    return {"rps": len(latencies) / elapsed, "p50": percentile(50), "p90": percentile(90),
            "p99": percentile(99), "errors": errors[0]}
