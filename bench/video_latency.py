"""Glass-to-glass latency of the roadshow video: RTMP in, low-latency HLS out (deploy/nginx).

    .venv/bin/python bench/video_latency.py               # 30 s stream, measured in Chromium too
    .venv/bin/python bench/video_latency.py --seconds 20 --no-browser

nginx runs with the video templates of deploy/nginx (deploy/video_local.py); a small stand-in for
the platform accepts the publish and every HLS request (the access check is not what is measured).
ffmpeg publishes a test pattern in real time (-re, burned-in clock, tone, a keyframe a second),
like OBS with the settings docs/video.md gives. Time 0 is when ffmpeg was started: no frame is
captured earlier, so the figure errs on the high side (by ffmpeg's start-up and RTMP handshake).

Two parts, added:
- ingest: for each HLS fragment, when it appeared in the playlist (polled every 20 ms) less
  when its last frame was captured (time 0 + the frame's timestamp, from ffprobe): what the
  encoder, RTMP and nginx's segmenting cost before a player can have the frame;
- player: how far behind the newest available frame Chromium plays with the room's hls.js
  settings (static/js/video.js: ``hls.latency``, sampled every 200 ms after the first 8 s).
Goal (issue 20): glass-to-glass <= 6 s (classic HLS: 10-20 s).
"""

import argparse
import http.server
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deploy.video_local import VideoNginx, publish_command  # noqa: E402

GOAL_SECONDS = 6.0
HLS_JS = ROOT / "marketplace" / "static" / "vendor" / "hls.light.min.js"
#: The live settings of static/js/video.js.
PAGE = """<!doctype html><meta charset="utf-8"><video muted autoplay playsinline></video>
<script src="/hls.js"></script><script>
const video = document.querySelector("video");
window.hls = new Hls({ lowLatencyMode: true, liveSyncDuration: 2, liveMaxLatencyDuration: 5,
                       maxLiveSyncPlaybackRate: 1.5, backBufferLength: 30 });
window.hls.loadSource("/hls/rs1/index.m3u8");
window.hls.attachMedia(video);
</script>"""


class StandIn(http.server.BaseHTTPRequestHandler):
    """The platform's part: accept the publish, allow every HLS request (nginx's auth_request),
    serve the player page (through nginx, so that /hls/ is the same origin)."""

    def do_POST(self):  # noqa: N802
        self.send_response(204)
        self.end_headers()

    def do_GET(self):  # noqa: N802
        if self.path == "/bench.html":
            body, kind = PAGE.encode(), "text/html"
        elif self.path == "/hls.js":
            body, kind = HLS_JS.read_bytes(), "application/javascript"
        else:
            self.send_response(204)  # /video/auth: everyone may watch here
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def fragment_start(path: Path) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=start_time",  # noqa: S603, S607
                          "-of", "json", str(path)], capture_output=True, text=True, check=True).stdout
    return float(json.loads(out)["format"]["start_time"])


def watch_fragments(playlist: Path, stop: threading.Event, seen: list[tuple[float, float, float]]) -> None:
    """Note (duration, wall time, first timestamp) of each fragment when it first appears in the
    playlist (probed at once: nginx removes old fragments)."""
    known = set()
    while not stop.is_set():
        try:
            lines = playlist.read_text().splitlines()
        except FileNotFoundError:
            lines = []
        now = time.time()
        for index, line in enumerate(lines):
            if line.endswith(".ts") and line not in known:
                known.add(line)
                duration = float(lines[index - 1].split(":")[1].rstrip(","))
                seen.append((duration, now, fragment_start(playlist.parent / line)))
        time.sleep(0.02)


def browser_latency(url: str, seconds: float) -> list[float]:
    from playwright.sync_api import sync_playwright

    samples = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto(url + "/bench.html")
        page.wait_for_function("document.querySelector('video').currentTime > 0", timeout=20_000)
        time.sleep(8)  # hls.js settles on its target distance
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            latency = page.evaluate("window.hls.latency")
            if latency:
                samples.append(latency)
            time.sleep(0.2)
        browser.close()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=30, help="length of the test stream")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium part")
    args = parser.parse_args()

    run = Path(tempfile.mkdtemp(prefix="bxqx-video-bench-"))
    stand_in = http.server.ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    threading.Thread(target=stand_in.serve_forever, daemon=True).start()
    app_url = f"http://127.0.0.1:{stand_in.server_port}"
    nginx = VideoNginx(run, app_url)
    nginx.start()
    stop, seen = threading.Event(), []
    playlist = nginx.hls_dir / "rs1" / "index.m3u8"
    watcher = threading.Thread(target=watch_fragments, args=(playlist, stop, seen), daemon=True)
    watcher.start()
    launched = time.time()  # no frame is captured before this: a conservative time 0
    encoder = subprocess.Popen(publish_command(nginx.rtmp_url, "rs1?k=bench", args.seconds),  # noqa: S603
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    samples: list[float] = []
    try:
        if not args.no_browser and Path("/usr/bin/chromium").exists():
            deadline = time.monotonic() + 15
            while not playlist.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            samples = browser_latency(nginx.url, max(5.0, args.seconds - 14))
        encoder.wait(timeout=args.seconds + 30)
        time.sleep(1.5)
        stop.set()
        watcher.join()
        ingest = [appeared - (launched + first + duration) for duration, appeared, first in seen]
    finally:
        if encoder.poll() is None:
            encoder.kill()
        nginx.stop()
        stand_in.shutdown()
        shutil.rmtree(run, ignore_errors=True)

    print(f"stream {args.seconds} s, 640x360 25 fps, keyframe every 1 s; hls_fragment 1s, "
          f"hls_playlist_length 6s; {len(ingest)} fragments measured")
    if not ingest:
        sys.exit("no fragment measured (is ffmpeg installed, and nginx's RTMP module?)")
    ingest_median = statistics.median(ingest)
    print(f"ingest (capture of a fragment's last frame -> listed in the playlist): "
          f"median {ingest_median:.2f} s, max {max(ingest):.2f} s")
    if samples:
        player = statistics.median(samples)
        print(f"player (hls.js in Chromium, behind the newest frame): median {player:.2f} s, "
              f"max {max(samples):.2f} s over {len(samples)} samples")
    else:
        player = 2.0 + 0.5 + statistics.median(duration for duration, _a, _f in seen) / 2
        print(f"player (not measured: liveSyncDuration 2 s + half a fragment + playlist poll): "
              f"about {player:.2f} s")
    total = ingest_median + player
    verdict = "within" if total <= GOAL_SECONDS else "OVER"
    print(f"glass-to-glass: {total:.2f} s ({verdict} the {GOAL_SECONDS:.0f} s goal)")


if __name__ == "__main__":
    main()
