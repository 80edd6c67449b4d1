"""Bulk import: template, report by row and column, valid rows only, atomicity, jobs, access."""

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.audit.models import AuditEvent
from marketplace.extensions import db
from marketplace.jobs import services as jobs
from marketplace.jobs.models import Job, JobState
from marketplace.listings import services as listing_services
from marketplace.listings.imports.models import ImportBatch, ImportState
from marketplace.listings.models import Listing, ListingState
from tests.conftest import post, zh
from tests.imports_support import (
    ABSTRACT,
    HEADERS,
    NAMES,
    bad_row,
    batch_of,
    csv_text,
    good_rows,
    upload,
    xlsx,
)

CHECK_MSG = "The check character (after the dot) does not match; please check the number."
TRL_MSG = "Give a whole number from 1 to 9."


def listing_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Listing))


@pytest.fixture
def template(client, tto) -> bytes:
    response = client.get("/manage/imports/template.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert response.headers["Content-Disposition"].startswith("attachment")
    return response.get_data()


def test_template_documents_every_column(template):
    workbook = load_workbook(io.BytesIO(template))
    data, guide = workbook.worksheets[0], workbook.worksheets[1]
    assert [cell.value for cell in data[1]] == [zh(HEADERS[name]) for name in NAMES]
    assert workbook.worksheets[2].sheet_state == "hidden"  # the drop-down values
    assert len(data.data_validations.dataValidation) == 5  # type, field, status, grade, modes
    documented = "\n".join(str(cell.value) for row in guide.iter_rows() for cell in row if cell.value)
    for name in NAMES:
        assert zh(HEADERS[name]) in documented
    assert zh("Granted and in force") in documented and "201710601862.3" in documented
    workbook.close()


def test_tto_imports_good_rows_reads_report_and_adds_the_bad_one_by_hand(client, tto, template):
    response = upload(client, xlsx([*good_rows(), bad_row()], template))
    assert response.status_code == 302
    batch = batch_of(tto)
    assert (batch.state, batch.total_rows, batch.valid_rows) == (ImportState.VALIDATED, 4, 3)
    assert batch.problems == [
        {"row": 5, "column": zh("Application number"), "message": zh(CHECK_MSG)},
        {"row": 5, "column": zh(HEADERS["trl"]), "message": zh(TRL_MSG)},
    ]
    assert listing_count() == 0  # nothing is written before the tto decides

    report = client.get(response.headers["Location"]).get_data(as_text=True)
    assert zh(CHECK_MSG) in report and zh(TRL_MSG) in report and "<td class=\"nowrap\">5</td>" in report
    assert f"/manage/imports/{batch.id}/import" in report

    response = post(client, f"/manage/imports/{batch.id}/import")
    assert response.status_code == 302
    db.session.refresh(batch)
    assert (batch.state, batch.imported_rows, batch.rows) == (ImportState.IMPORTED, 3, [])
    listings = db.session.scalars(select(Listing).order_by(Listing.id)).all()
    assert [listing.title for listing in listings] == [row["title"] for row in good_rows()]
    assert {listing.state for listing in listings} == {ListingState.DRAFT}
    first = listings[0]
    assert str(first.application_date) == "2017-07-20" and first.asking_price == 200000
    assert {mode.mode.value for mode in first.modes} == {"ordinary_licence", "transfer"}
    assert first.contact_phone == "+86 10 6278 2000"
    assert listings[2].contact_email == tto.email  # empty contact cells take the uploader's
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "import.completed"))
    assert event.target_id == batch.id and event.details == {"imported": 3, "skipped": 1}

    fixed = {**bad_row(), "application_number": "201810234567.3", "trl": "6"}
    form = {name: fixed[name] for name in ("title", "abstract", "inventors", "application_number",
                                          "application_date", "grant_date", "grade", "trl",
                                          "contact_name", "contact_email")}
    form.update({"kind": "invention", "field": "materials", "legal_status": "granted",
                 "modes": ["ordinary_licence"], "application_date": "2018-05-02"})
    assert post(client, "/manage/listings/new", form).status_code == 302
    assert listing_count() == 4
    assert post(client, f"/manage/imports/{batch.id}/import").status_code == 302
    assert listing_count() == 4  # a batch is imported once


def test_publish_immediately(client, tto):
    upload(client, xlsx(good_rows()))
    batch = batch_of(tto)
    post(client, f"/manage/imports/{batch.id}/import", {"publish": "y"})
    listings = db.session.scalars(select(Listing).order_by(Listing.id)).all()
    assert {listing.state for listing in listings} == {ListingState.PUBLISHED}
    assert f"/listings/{listings[2].id}" in client.get("/listings?q=污水").get_data(as_text=True)


def test_import_is_all_or_nothing_when_a_row_conflicts(client, tto):
    upload(client, xlsx(good_rows()))
    batch = batch_of(tto)
    # After the check, someone writes a listing with row 3's application number by hand.
    data = {"kind": "utility_model", "title": "手工录入", "abstract": ABSTRACT, "field": "other",
            "inventors": "张伟", "application_number": "201720123456.6", "legal_status": "pending",
            "grade": "B", "trl": "4", "modes": ["transfer"], "contact_name": "王",
            "contact_email": "a@example.edu.cn"}
    assert post(client, "/manage/listings/new", data).status_code == 302
    response = post(client, f"/manage/imports/{batch.id}/import", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert zh("A listing with this application number already exists.") in page
    assert [listing.title for listing in db.session.scalars(select(Listing))] == ["手工录入"]
    db.session.refresh(batch)
    assert batch.state is ImportState.FAILED and batch.imported_rows == 0
    assert batch.problems[-1]["row"] == 3
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.event == "import.completed")) is None


def test_unexpected_failure_mid_import_writes_nothing(client, tto, monkeypatch):
    upload(client, xlsx(good_rows()))
    batch = batch_of(tto)
    original, calls = listing_services.create_listing, []

    def flaky(actor, data, **kwargs):
        calls.append(data["title"])
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return original(actor, data, **kwargs)

    monkeypatch.setattr(listing_services, "create_listing", flaky)
    response = post(client, f"/manage/imports/{batch.id}/import", follow_redirects=True)
    assert zh("An unexpected error stopped the import.") in response.get_data(as_text=True)
    assert len(calls) == 3 and listing_count() == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.event == "listing.created")) == 0
    db.session.refresh(batch)
    assert batch.state is ImportState.FAILED


def test_large_file_is_validated_by_a_background_job(client, tto, monkeypatch):
    calls = []
    original = jobs.report_progress
    monkeypatch.setattr(jobs, "report_progress",
                        lambda job, done, total=None: (calls.append((done, total)),
                                                       original(job, done, total)))
    row = good_rows()[2]
    rows = [{**row, "title": f"成果 {n}"} for n in range(5000)]
    rows[4321] = {**row, "trl": 0}
    upload(client, csv_text(rows).encode("utf-8"), "big.csv")
    batch = batch_of(tto)
    job = db.session.get(Job, batch.job_id)
    assert job.name == "listings.import_validate" and job.state is JobState.SUCCEEDED
    assert (job.progress, job.total, job.percent) == (5000, 5000, 100)
    assert (0, 5000) in calls and (2500, 5000) in calls and len(calls) >= 20
    assert (batch.state, batch.total_rows, batch.valid_rows) == (ImportState.VALIDATED, 5000, 4999)
    assert batch.problems == [{"row": 4323, "column": zh(HEADERS["trl"]), "message": zh(TRL_MSG)}]
    status = client.get(f"/manage/imports/{batch.id}/status.json").get_json()
    assert status["done"] is True and status["job"]["percent"] == 100


def test_many_valid_rows_are_imported_by_a_background_job(client, tto, app):
    app.config["IMPORT_BACKGROUND_ROWS"] = 3
    upload(client, xlsx(good_rows()))
    batch = batch_of(tto)
    assert db.session.get(Job, batch.job_id).name == "listings.import_validate"
    response = post(client, f"/manage/imports/{batch.id}/import")
    assert response.status_code == 302
    db.session.refresh(batch)
    job = db.session.get(Job, batch.job_id)
    assert job.name == "listings.import_rows" and job.state is JobState.SUCCEEDED
    assert job.result == {"imported": 3} and batch.state is ImportState.IMPORTED
    assert listing_count() == 3


def test_running_job_shows_a_progress_bar_that_polls(client, tto):
    batch = ImportBatch(organisation_id=tto.organisation_id, created_by_id=tto.id, filename="big.xlsx",
                        state=ImportState.VALIDATING, total_rows=6000)
    db.session.add(batch)
    db.session.flush()
    job = Job(name="listings.import_validate", payload={"batch_id": batch.id}, total=6000,
              progress=1500)
    db.session.add(job)
    db.session.commit()
    page = client.get(f"/manage/imports/{batch.id}").get_data(as_text=True)
    assert re.search(r'src="/static/js/progress\.[0-9a-f]{12}\.js"', page)
    assert f'data-status-url="/manage/imports/{batch.id}/status.json"' in page
    assert 'class="pct-25"' in page and '<meta http-equiv="refresh"' in page
    status = client.get(f"/manage/imports/{batch.id}/status.json").get_json()
    assert status == {"state": "validating", "done": False, "job": {
        "name": "listings.import_validate", "state": "queued", "progress": 1500, "total": 6000,
        "percent": 25, "error": None}}
    response = post(client, f"/manage/imports/{batch.id}/discard", follow_redirects=True)
    assert zh("This import is still running; wait until it has finished.") in response.get_data(as_text=True)


@pytest.mark.parametrize(("locale", "msgid"), [("en", TRL_MSG), ("zh_CN", TRL_MSG)])
def test_job_reports_in_the_uploaders_language(app, tto, locale, msgid):
    headers = [zh(HEADERS[name]) for name in NAMES]
    cells = [str(good_rows()[2].get(name) or "") or None for name in NAMES]
    cells[NAMES.index("trl")] = "10"
    batch = ImportBatch(organisation_id=tto.organisation_id, created_by_id=tto.id, filename="a.csv",
                        state=ImportState.VALIDATING, total_rows=1,
                        rows=[{"row": 1, "cells": headers}, {"row": 2, "cells": cells}])
    db.session.add(batch)
    db.session.commit()
    job = Job(name="listings.import_validate", payload={"batch_id": batch.id, "locale": locale})
    db.session.add(job)
    db.session.commit()
    jobs.run(job.id)  # outside any request, as a worker runs it
    db.session.refresh(batch)
    expected = msgid if locale == "en" else zh(msgid)
    assert batch.problems == [{"row": 2, "column": zh(HEADERS["trl"]), "message": expected}]


def test_english_user_gets_english_report_and_template(client, tto):
    post(client, "/language", {"lang": "en"})
    workbook = load_workbook(io.BytesIO(client.get("/manage/imports/template.xlsx").get_data()))
    assert workbook.worksheets[0]["A1"].value == "Type"
    workbook.close()
    upload(client, xlsx([*good_rows(), bad_row()]))  # Chinese headings and labels are understood
    batch = batch_of(tto)
    assert batch.valid_rows == 3
    assert batch.problems[0] == {"row": 5, "column": zh("Application number"), "message": CHECK_MSG}


def test_discard_imports_nothing(client, tto):
    upload(client, xlsx(good_rows()))
    batch = batch_of(tto)
    assert post(client, f"/manage/imports/{batch.id}/discard").status_code == 302
    db.session.refresh(batch)
    assert batch.state is ImportState.DISCARDED and batch.rows == []
    response = post(client, f"/manage/imports/{batch.id}/import", follow_redirects=True)
    assert zh("This import is finished and can no longer be changed.") in response.get_data(as_text=True)
    assert listing_count() == 0
    assert "成果.xlsx" in client.get("/manage/imports").get_data(as_text=True)
    events = db.session.scalars(select(AuditEvent.event).where(
        AuditEvent.target_type == "import_batches").order_by(AuditEvent.id)).all()
    assert events == ["import.uploaded", "import.discarded"]


def test_another_universitys_tto_gets_403_and_changes_nothing(client, tto, app, make_user):
    upload(client, xlsx(good_rows()))
    batch = batch_of(tto)
    other = make_user(Role.TTO)
    intruder = app.test_client()
    post(intruder, "/auth/login", {"email": other.email, "password": "Sturdy-Pass-2026"})
    for path in ("", "/status.json"):
        assert intruder.get(f"/manage/imports/{batch.id}{path}").status_code == 403
    for action in ("import", "discard"):
        assert post(intruder, f"/manage/imports/{batch.id}/{action}").status_code == 403
    assert batch.filename not in intruder.get("/manage/imports").get_data(as_text=True)
    db.session.refresh(batch)
    assert batch.state is ImportState.VALIDATED and batch.valid_rows == 3
    assert listing_count() == 0
