"""deploy/: the systemd units, the nginx site and the one-machine runner describe one set-up."""

import configparser
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.live_server import ROOT
from tests.services import IN_CI, require_nginx

DEPLOY = ROOT / "deploy"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read_string((DEPLOY / "systemd" / name).read_text())
    return parser


def upstream_ports(site: str, name: str) -> list[int]:
    block = re.search(rf"upstream {name} \{{(.*?)\}}", site, re.S).group(1)
    return [int(port) for port in re.findall(r"server 127\.0\.0\.1:(\d+)", block)]


@pytest.mark.parametrize("role", ["live", "pages"])
def test_each_unit_runs_gunicorn_with_its_role(role):
    service = unit(f"bxqx-{role}@.service")["Service"]
    assert shlex.split(service["Environment"]) == [f"SERVER_ROLE={role}", "PORT=%i"]
    assert service["Restart"] == "always"
    assert service["EnvironmentFile"] == "/etc/bxqx/bxqx.env"


def test_the_live_processes_come_first_when_the_machine_is_short():
    live, pages = unit("bxqx-live@.service")["Service"], unit("bxqx-pages@.service")["Service"]
    assert int(live["OOMScoreAdjust"]) < 0 < int(pages["OOMScoreAdjust"])
    assert int(live["CPUWeight"]) > int(pages["CPUWeight"])
    assert "MemoryMax" in pages and "MemoryMax" not in live
    # A reload restarts the workers: fine for pages, it would drop every attendee of a live one.
    assert "ExecReload" in pages and "ExecReload" not in live


def test_the_target_starts_the_processes_the_nginx_site_sends_to():
    wanted = unit("bxqx.target")["Unit"]["Wants"].split()
    site = (DEPLOY / "nginx" / "bxqx.conf").read_text()
    for role, upstream in (("live", "bxqx_live"), ("pages", "bxqx_pages")):
        ports = [int(name.split("@")[1].split(".")[0]) for name in wanted if name.startswith(f"bxqx-{role}@")]
        assert ports and ports == upstream_ports(site, upstream), role
    assert re.search(r"upstream bxqx_live \{\s*hash \$bxqx_live_key consistent;", site), \
        "long-polling needs sticky sessions"


def test_the_environment_example_leaves_role_and_port_to_the_units():
    names = [line.split("=", 1)[0] for line in (DEPLOY / "bxqx.env.example").read_text().splitlines()
             if line and not line.startswith("#")]
    assert "SERVER_ROLE" not in names and "PORT" not in names  # an EnvironmentFile would win
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "PUBLIC_URL", "PROXY_FIX_HOPS"} <= set(names)


def test_the_worker_and_the_scheduler_run_the_jobs_commands():
    """The worker runs `flask jobs worker` for good; a timer runs `flask jobs run-due` every
    minute as a one-shot service; the target starts both."""
    worker = unit("bxqx-worker.service")["Service"]
    assert shlex.split(worker["ExecStart"]) == ["/srv/bxqx/.venv/bin/flask", "jobs", "worker"]
    assert worker["Restart"] == "always" and worker["EnvironmentFile"] == "/etc/bxqx/bxqx.env"
    service = unit("bxqx-scheduler.service")["Service"]
    assert service["Type"] == "oneshot" and "Restart" not in service
    assert shlex.split(service["ExecStart"]) == ["/srv/bxqx/.venv/bin/flask", "jobs", "run-due"]
    for section in (worker, service):
        assert section["Environment"] == "FLASK_APP=marketplace"
    timer = unit("bxqx-scheduler.timer")["Timer"]
    assert timer["OnCalendar"] == "*-*-* *:*:00" and timer["Unit"] == "bxqx-scheduler.service"
    assert timer["Persistent"] == "true"
    wanted = unit("bxqx.target")["Unit"]["Wants"].split()
    assert {"bxqx-worker.service", "bxqx-scheduler.timer"} <= set(wanted)


def test_the_scheduler_command_exists_and_lists_its_tasks():
    """What the timer runs is a real command of the app (not a typo that fails every minute)."""
    result = subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "marketplace",  # noqa: S603
                             "jobs", "run-due", "--list"], capture_output=True, text=True,
                            cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert {"alerts.run", "licences.reminders", "needs.expiry", "jobs.recover"} <= {
        line.split("\t")[0] for line in result.stdout.splitlines()}


def test_the_runner_starts_what_the_units_start():
    from deploy.run_local import GUNICORN_ARGS

    for role in ("live", "pages"):
        command = shlex.split(unit(f"bxqx-{role}@.service")["Service"]["ExecStart"])
        assert command[0] == "/srv/bxqx/.venv/bin/gunicorn" and command[1:] == GUNICORN_ARGS


def test_nginx_accepts_the_production_site(tmp_path):
    """``nginx -t`` on deploy/nginx/bxqx.conf as installed, with a throw-away certificate."""
    nginx = require_nginx()
    openssl = shutil.which("openssl")
    if openssl is None:
        if IN_CI:
            pytest.fail("openssl is not installed (CI=true: a missing tool is a failure)", pytrace=False)
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",  # noqa: S603
                    "-nodes", "-days", "1", "-subj", "/CN=bxqx.example.gov.cn",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    site = (DEPLOY / "nginx" / "bxqx.conf").read_text()
    site = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {cert};", site)
    site = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};", site)
    site = site.replace("include snippets/bxqx-locations.conf;",
                        f"include {DEPLOY / 'nginx' / 'bxqx-locations.conf'};")
    (tmp_path / "site.conf").write_text(site)
    temp = "\n".join(f"{name}_temp_path {tmp_path / name};"
                     for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'};\nevents {{}}\n"
        f"http {{\n{temp}\ninclude {tmp_path / 'site.conf'};\n}}\n")
    result = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),  # noqa: S603
                             "-e", str(tmp_path / "error.log")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_systemd_accepts_the_units(tmp_path):
    """``systemd-analyze verify`` on the units as installed (instances of the target's ports)."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        if IN_CI:
            pytest.fail("systemd-analyze is not installed (CI=true: a missing tool is a failure)",
                        pytrace=False)
        pytest.skip("systemd-analyze is not installed")
    venv = Path(sys.executable).parent  # /srv/bxqx/.venv/bin here
    for name in ("bxqx-live@.service", "bxqx-pages@.service", "bxqx.target", "bxqx-worker.service",
                 "bxqx-scheduler.service", "bxqx-scheduler.timer"):
        text = (DEPLOY / "systemd" / name).read_text()
        (tmp_path / name).write_text(text.replace("/srv/bxqx/.venv/bin", str(venv)))
    units = [str(tmp_path / name) for name in ("bxqx-live@8101.service", "bxqx-pages@8201.service",
                                               "bxqx-worker.service", "bxqx-scheduler.service",
                                               "bxqx-scheduler.timer", "bxqx.target")]
    result = subprocess.run([analyze, "verify", "--man=no", *units], capture_output=True, text=True,  # noqa: S603
                            cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == "", result.stderr
