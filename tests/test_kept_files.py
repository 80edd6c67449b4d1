"""Documents that never change are built once and kept (marketplace/kept_files.py): a published
list version's PDF and XLSX, a submitted plan version's PDF, a signed agreement's PDF. With a
worker, the worker builds them when the record comes into being and a download only reads the
file; without one, the first download builds it. A download never builds a file in a web process
while a worker exists, and a signed agreement is the same file at every download."""

from datetime import date

import pytest
from sqlalchemy import select

from marketplace import kept_files, signing
from marketplace.accounts.models import Role
from marketplace.action import plan_files
from marketplace.action import services as action
from marketplace.action.models import Batch
from marketplace.extensions import db
from marketplace.jobs import queue
from marketplace.licences import agreement_pdf
from marketplace.licences.models import PaymentMethod
from marketplace.lists import export_files
from tests import factories
from tests.conftest import login, post, zh
from tests.licences_support import world  # noqa: F401
from tests.lists_support import add, new_list

PLAN_SECTIONS = {"basis": "学校现有有效发明专利一千余件。", "goals": "培育高价值专利组合二十项。",
                 "organisation": "成立由校长任组长的领导小组。", "mechanisms": "实施专利申请前评估制度。",
                 "measures": "设立高价值专利培育专项资金。", "expected_results": "形成可推广的转化新机制。"}


@pytest.fixture
def with_worker(monkeypatch):
    """REDIS_URL set: jobs go to the worker (in tests the job still runs inline, at once)."""
    monkeypatch.setattr(queue, "enabled", lambda app=None: True)


def refuse_to_build(monkeypatch, files: kept_files.KeptFiles):
    def refuse(*args, **kwargs):
        raise AssertionError("a file was built while serving a download")

    monkeypatch.setattr(files, "builders", dict.fromkeys(files.builders, refuse))


def download_before_the_worker_is_done(client, monkeypatch, files: kept_files.KeptFiles,
                                       url: str) -> tuple[str, list]:
    """GET ``url`` with a worker that takes jobs and has not finished them (the download waits
    0.3 s, then gives up): the retry page's HTML and the jobs asked for. No file is built here."""
    monkeypatch.setattr(queue, "enabled", lambda app=None: True)
    asked = []
    monkeypatch.setattr(kept_files.jobs, "submit", lambda name, payload, *a, **k: asked.append(payload))
    monkeypatch.setattr(kept_files, "WAIT_SECONDS", 0.3)
    refuse_to_build(monkeypatch, files)
    response = client.get(url)
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert zh("The file is being prepared") in html and zh("Download again") in html
    return html, asked


# --- Published lists ----------------------------------------------------------------------------

def published_list(client, tto):
    plist = new_list(client)
    add(client, plist, factories.listing(tto.organisation, title="一种锂离子电池正极材料"))
    assert post(client, f"/manage/lists/{plist.id}/publish").status_code == 302
    return plist


def test_without_a_worker_the_first_download_builds_the_file_and_the_next_serve_it(
        client, tto, monkeypatch):
    plist = published_list(client, tto)
    version = plist.versions[0]
    assert not export_files.FILES.path(version, "pdf").exists()  # no worker: nothing built at publish
    first = client.get(f"/lists/{plist.id}/versions/1.pdf")
    assert first.status_code == 200 and first.get_data().startswith(b"%PDF")
    assert export_files.FILES.path(version, "pdf").exists()
    refuse_to_build(monkeypatch, export_files.FILES)
    again = client.get(f"/lists/{plist.id}/versions/1.pdf")
    assert again.status_code == 200 and again.get_data() == first.get_data()


def test_with_a_worker_publishing_builds_both_files_and_downloads_only_read_them(
        app, client, tto, with_worker, monkeypatch):
    plist = published_list(client, tto)
    version = plist.versions[0]
    files = export_files.FILES
    assert files.path(version, "pdf").exists() and files.path(version, "xlsx").exists()
    refuse_to_build(monkeypatch, files)
    for kind, start in (("pdf", b"%PDF"), ("xlsx", b"PK")):
        response = client.get(f"/lists/{plist.id}/versions/1.{kind}")
        assert response.status_code == 200 and response.get_data().startswith(start)
        assert response.headers["Content-Disposition"].startswith("attachment")


def test_a_worker_that_has_not_built_the_file_yet_gets_a_retry_page(app, client, tto, monkeypatch):
    plist = published_list(client, tto)  # published without a worker: no file yet
    html, asked = download_before_the_worker_is_done(client, monkeypatch, export_files.FILES,
                                                     f"/lists/{plist.id}/versions/1.pdf")
    assert zh("Back to the list") in html
    assert f'href="/lists/{plist.id}/versions/1"' in html
    assert asked == [{"record_id": plist.versions[0].id}]


def test_a_new_public_url_makes_new_files(app, client, tto, monkeypatch):
    plist = published_list(client, tto)
    version = plist.versions[0]
    client.get(f"/lists/{plist.id}/versions/1.xlsx")
    before = export_files.FILES.path(version, "xlsx")
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://bxqx.example.gov.cn")
    after = export_files.FILES.path(version, "xlsx")
    assert before != after and before.exists() and not after.exists()
    assert client.get(f"/lists/{plist.id}/versions/1.xlsx").status_code == 200 and after.exists()


# --- Implementation plans -----------------------------------------------------------------------

@pytest.fixture
def submitted_plan(app, make_user, tto):
    admin = make_user(Role.ADMIN)
    action.seed_batches(admin)
    batch = db.session.scalars(select(Batch).where(Batch.number == 2)).one()
    action.update_batch(admin, batch, {"ends_on": date(2026, 12, 31)})
    action.enrol(tto, batch)
    plan = action.enrolment_of(tto.organisation_id).plan
    action.update_plan(tto, plan, PLAN_SECTIONS)
    listing = factories.listing(tto.organisation, title="一种钠离子电池负极材料")
    action.save_project(tto, plan, {"title": "钠电池材料专利组合", "description": "面向储能产业。",
                                    "listing_ids": [listing.id]})

    def submit():
        action.submit_plan(tto, plan)
        return plan
    return submit


def test_a_submitted_plan_version_is_built_by_the_worker_and_downloads_read_it(
        client, submitted_plan, with_worker, monkeypatch):
    plan = submitted_plan()
    version = plan.latest
    assert plan_files.FILES.path(version, "pdf").exists()
    refuse_to_build(monkeypatch, plan_files.FILES)
    first = client.get(f"/action/plans/{plan.id}/versions/1.pdf")
    assert first.status_code == 200 and first.get_data().startswith(b"%PDF")
    assert client.get(f"/action/plans/{plan.id}/versions/1.pdf").get_data() == first.get_data()


def test_a_plan_pdf_the_worker_has_not_built_yet_gets_a_retry_page(client, submitted_plan, monkeypatch):
    plan = submitted_plan()  # without a worker: no file yet
    html, asked = download_before_the_worker_is_done(client, monkeypatch, plan_files.FILES,
                                                     f"/action/plans/{plan.id}/versions/1.pdf")
    assert zh("The PDF of version %(number)d of the implementation plan is being made: try again "
              "in a minute.", number=1) in html
    assert zh("Back to the plan") in html and f'href="/action/plans/{plan.id}/versions/1"' in html
    assert asked == [{"record_id": plan.latest.id}]


# --- Signed agreements --------------------------------------------------------------------------

def free_licence(world):  # noqa: F811
    declared = factories.declaration(world.tto, world.listing, payment_method=PaymentMethod.FREE,
                                     fee_amount=None)
    return factories.licence(world.buyer, declared)


def test_an_accepted_licence_s_agreement_is_signed_once_by_the_worker(
        client, auth, world, with_worker, monkeypatch):  # noqa: F811
    signatures = []
    real_sign = signing.sign
    monkeypatch.setattr(signing, "sign", lambda data, **kw: signatures.append(1) or real_sign(data, **kw))
    licence = free_licence(world)
    assert agreement_pdf.FILES.path(licence, "pdf").exists() and len(signatures) >= 1
    signed_so_far = len(signatures)
    login(auth, world.buyer)
    copies = [client.get(f"/licences/{licence.id}/agreement.pdf") for _ in range(2)]
    assert all(copy.status_code == 200 and copy.mimetype == "application/pdf" for copy in copies)
    # The same signed file every time, and no download signed anything.
    assert copies[0].get_data() == copies[1].get_data() and len(signatures) == signed_so_far
    assert signing.validate(copies[0].get_data()).state == "unchanged"


def test_a_new_signing_certificate_signs_the_agreement_again(
        app, client, auth, world, monkeypatch, tmp_path):  # noqa: F811
    from marketplace import pki

    licence = free_licence(world)
    login(auth, world.buyer)
    before = client.get(f"/licences/{licence.id}/agreement.pdf").get_data()
    old_path = agreement_pdf.FILES.path(licence, "pdf")
    pki.create(tmp_path / "pki", key_size=2048)
    monkeypatch.setitem(app.config, "SIGNING_CERT", str(tmp_path / "pki" / "signing-cert.pem"))
    monkeypatch.setitem(app.config, "SIGNING_KEY", str(tmp_path / "pki" / "signing-key.pem"))
    monkeypatch.setitem(app.config, "SIGNING_CHAIN", str(tmp_path / "pki" / "ca-cert.pem"))
    signing.reset(app)
    try:
        after = client.get(f"/licences/{licence.id}/agreement.pdf").get_data()
        assert agreement_pdf.FILES.path(licence, "pdf") != old_path and after != before
        assert signing.validate(after).state == "unchanged"  # signed with the new key
    finally:
        signing.reset(app)


def test_an_agreement_the_worker_has_not_signed_yet_gets_a_retry_page(
        client, auth, world, monkeypatch):  # noqa: F811
    licence = free_licence(world)  # without a worker: not signed yet
    login(auth, world.buyer)
    html, asked = download_before_the_worker_is_done(client, monkeypatch, agreement_pdf.FILES,
                                                     f"/licences/{licence.id}/agreement.pdf")
    assert zh("The signed PDF of the agreement is being made: try again in a minute.") in html
    assert zh("Back to the licence") in html and f'href="/licences/{licence.id}"' in html
    assert asked == [{"record_id": licence.id}]
