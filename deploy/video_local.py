"""nginx with the RTMP module on one machine, with the video set-up of deploy/nginx
(bxqx-rtmp.conf, bxqx-video-locations.conf) rendered for free local ports and a scratch
directory; every other path is proxied to one app server. For tests and bench/video_latency.py.
"""

import glob
import os
import re
import signal
import subprocess
import time
from pathlib import Path

from deploy.run_local import NGINX_DIR, find_nginx, free_port, port_open

#: Debian's libnginx-mod-rtmp.
RTMP_MODULES = ("/usr/lib/nginx/modules/ngx_rtmp_module.so",
                "/usr/lib64/nginx/modules/ngx_rtmp_module.so")
_MARKER = re.compile(r"@([A-Z_]+)@")


def find_rtmp_module() -> str | None:
    found = [path for path in RTMP_MODULES if os.path.exists(path)]
    return found[0] if found else next(iter(glob.glob("/usr/**/ngx_rtmp_module.so", recursive=True)), None)


def render(template: str, values: dict) -> str:
    """A deploy/nginx template with every @NAME@ marker replaced by its value (a marker
    without a value is an error)."""
    text = (NGINX_DIR / template).read_text()
    return _MARKER.sub(lambda match: str(values[match.group(1)]), text)


class VideoNginx:
    """nginx: RTMP on ``rtmp_port`` (application ``live``), HTTP on ``port`` with the HLS
    locations and everything else proxied to ``app_url``; callbacks go to ``callback_url``."""

    def __init__(self, run_dir: Path, app_url: str, *, callback_url: str | None = None,
                 port: int | None = None, rtmp_port: int | None = None):
        self.binary, self.module = find_nginx(), find_rtmp_module()
        if self.binary is None or self.module is None:
            raise RuntimeError("nginx with the RTMP module is needed "
                               "(Debian: apt-get install nginx-light libnginx-mod-rtmp)")
        self.run_dir = run_dir
        self.port, self.rtmp_port = port or free_port(), rtmp_port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.rtmp_url = f"rtmp://127.0.0.1:{self.rtmp_port}/live"
        self.hls_dir, self.record_dir, self.replay_dir = (
            run_dir / name for name in ("hls", "record", "replay"))
        for directory in (self.hls_dir, self.record_dir, self.replay_dir, run_dir / "temp"):
            directory.mkdir(parents=True, exist_ok=True)
        values = {"RTMP_LISTEN": f"127.0.0.1:{self.rtmp_port}", "CALLBACK": callback_url or app_url,
                  "HLS_DIR": self.hls_dir, "RECORD_DIR": self.record_dir, "REPLAY_DIR": self.replay_dir,
                  "LOG_DIR": run_dir, "APP": app_url}
        self.conf = run_dir / "nginx.conf"
        self.error_log = run_dir / "nginx-error.log"
        self.access_log = run_dir / "nginx-access.log"
        temp = run_dir / "temp"
        user = "user root;\n" if os.geteuid() == 0 else ""
        self.conf.write_text(f"""# Written by deploy/video_local.py from deploy/nginx's video templates.
load_module {self.module};
daemon off;
worker_processes 1;
pid {run_dir / "nginx.pid"};
error_log {self.error_log} warn;
{user}events {{ worker_connections 1024; }}
{render("bxqx-rtmp.conf", values)}
http {{
    access_log {self.access_log};
    client_body_temp_path {temp / "body"};
    proxy_temp_path {temp / "proxy"};
    map $http_upgrade $bxqx_connection {{ default upgrade; "" close; }}
    server {{
        listen 127.0.0.1:{self.port};
{render("bxqx-video-locations.conf", values)}
        location / {{
            proxy_pass {app_url};
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $bxqx_connection;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $http_host;
        }}
    }}
}}
""")
        self.process: subprocess.Popen | None = None

    @property
    def stat_url(self) -> str:
        return f"{self.url}/_rtmp_stat"

    def _command(self, *extra: str) -> list[str]:
        return [self.binary, "-p", str(self.run_dir), "-c", str(self.conf), "-e", str(self.error_log), *extra]

    def start(self, timeout: float = 15.0) -> None:
        check = subprocess.run(self._command("-t"), capture_output=True, text=True)  # noqa: S603
        if check.returncode != 0:
            raise RuntimeError(f"nginx refuses the configuration:\n{check.stderr}")
        with open(self.run_dir / "nginx-stderr.log", "ab") as log:
            self.process = subprocess.Popen(self._command(), stdout=log, stderr=subprocess.STDOUT,  # noqa: S603
                                            start_new_session=True)
        deadline = time.monotonic() + timeout
        while not (port_open(self.port) and port_open(self.rtmp_port)):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"nginx did not start:\n{self.error_log.read_text(errors='replace')}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGQUIT)  # graceful: nginx-rtmp finishes its recordings
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


def publish_command(rtmp_url: str, key: str, seconds: float, *, ffmpeg: str = "ffmpeg",
                    size: str = "640x360", rate: int = 25) -> list[str]:
    """ffmpeg publishing a test pattern with a burned-in wall clock (and its frame time) and a
    1 kHz tone, H.264 + AAC with a keyframe every second (the 1 s HLS fragments need it)."""
    font = next((path for path in ("/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf",
                                   "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
                 if os.path.exists(path)), None)
    clock = (f"drawtext=fontfile={font}:fontsize=24:fontcolor=white:box=1:boxcolor=black@0.6:x=16:y=16:"
             "text='%{localtime}  t=%{pts\\:hms}'")
    video = f"testsrc=size={size}:rate={rate}" + (f",{clock}" if font else "")
    return [ffmpeg, "-nostdin", "-loglevel", "error", "-re",
            "-f", "lavfi", "-i", video, "-re", "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=44100",
            "-t", str(seconds), "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency",
            "-pix_fmt", "yuv420p", "-g", str(rate), "-keyint_min", str(rate), "-sc_threshold", "0",
            "-b:v", "800k", "-c:a", "aac", "-b:a", "96k", "-ar", "44100",
            "-f", "flv", f"{rtmp_url}/{key}"]
