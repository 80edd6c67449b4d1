"""A published version's PDF and XLSX are built once and kept (marketplace/lists/export_files.py):
by the worker when the list is published, if there is one; else by the first download. A
download never builds a file in a web process while a worker exists."""

import pytest

from marketplace.accounts.models import Role
from marketplace.jobs import queue
from marketplace.lists import export_files
from tests import factories
from tests.conftest import post, zh
from tests.lists_support import add, new_list


@pytest.fixture
def tto(make_user, auth):
    user = make_user(Role.TTO)
    auth.login(user.email)
    return user


def published_list(client, tto):
    plist = new_list(client)
    add(client, plist, factories.listing(tto.organisation, title="一种锂离子电池正极材料"))
    assert post(client, f"/manage/lists/{plist.id}/publish").status_code == 302
    return plist


def refuse_to_build(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a file was built while serving a download")

    monkeypatch.setattr(export_files, "KINDS", {"pdf": refuse, "xlsx": refuse})


def test_without_a_worker_the_first_download_builds_the_file_and_the_next_serve_it(
        client, tto, monkeypatch):
    plist = published_list(client, tto)
    version = plist.versions[0]
    assert not export_files.path(version, "pdf").exists()  # no worker: nothing built at publish
    first = client.get(f"/lists/{plist.id}/versions/1.pdf")
    assert first.status_code == 200 and first.get_data().startswith(b"%PDF")
    assert export_files.path(version, "pdf").exists()
    refuse_to_build(monkeypatch)
    again = client.get(f"/lists/{plist.id}/versions/1.pdf")
    assert again.status_code == 200 and again.get_data() == first.get_data()


def test_with_a_worker_publishing_builds_both_files_and_downloads_only_read_them(
        app, client, tto, monkeypatch):
    monkeypatch.setattr(queue, "enabled", lambda app=None: True)  # jobs run inline in tests
    plist = published_list(client, tto)
    version = plist.versions[0]
    assert export_files.path(version, "pdf").exists() and export_files.path(version, "xlsx").exists()
    refuse_to_build(monkeypatch)
    for kind, start in (("pdf", b"%PDF"), ("xlsx", b"PK")):
        response = client.get(f"/lists/{plist.id}/versions/1.{kind}")
        assert response.status_code == 200 and response.get_data().startswith(start)
        assert response.headers["Content-Disposition"].startswith("attachment")


def test_a_worker_that_has_not_built_the_file_yet_gets_a_retry_page(app, client, tto, monkeypatch):
    plist = published_list(client, tto)  # published without a worker: no file yet
    monkeypatch.setattr(queue, "enabled", lambda app=None: True)
    asked = []
    monkeypatch.setattr(export_files.jobs, "submit", lambda name, payload, *a, **k: asked.append(payload))
    monkeypatch.setattr(export_files, "WAIT_SECONDS", 0.3)
    refuse_to_build(monkeypatch)
    response = client.get(f"/lists/{plist.id}/versions/1.pdf")
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert zh("The file is being prepared") in response.get_data(as_text=True)
    assert asked == [{"version_id": plist.versions[0].id}]


def test_a_new_public_url_makes_new_files(app, client, tto, monkeypatch):
    plist = published_list(client, tto)
    version = plist.versions[0]
    client.get(f"/lists/{plist.id}/versions/1.xlsx")
    before = export_files.path(version, "xlsx")
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://bxqx.example.gov.cn")
    after = export_files.path(version, "xlsx")
    assert before != after and before.exists() and not after.exists()
    assert client.get(f"/lists/{plist.id}/versions/1.xlsx").status_code == 200 and after.exists()
