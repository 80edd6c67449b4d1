"""Bulk import files: encodings, formula injection, duplicates, zip bombs, limits."""

import io
import zipfile

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.listings.imports.models import ImportBatch
from tests.conftest import zh
from tests.imports_support import (
    HEADERS,
    NAMES,
    bad_row,
    batch_of,
    csv_text,
    good_rows,
    upload,
    xlsx,
)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_in_utf8_with_or_without_bom_and_gb18030(client, tto, encoding):
    content = csv_text([*good_rows(), bad_row()]).encode(encoding)
    assert upload(client, content, "成果.csv").status_code == 302
    batch = batch_of(tto)
    assert (batch.total_rows, batch.valid_rows) == (4, 3)
    assert batch.rows[2]["data"]["title"] == "城市污水处理工艺包"
    assert {p["column"] for p in batch.problems} == {zh("Application number"), zh(HEADERS["trl"])}


def test_formulas_are_refused_in_csv_and_xlsx(client, tto):
    rows = good_rows()
    rows[0]["title"] = '=HYPERLINK("http://evil.example","点击")'
    rows[1]["inventors"] = "@SUM(1+1)*cmd|' /C calc'!A0"
    rows[2]["keywords"] = "\t-2+3+cmd|' /C calc'!A0"  # a leading tab does not hide it
    upload(client, csv_text(rows).encode("utf-8"), "a.csv")
    batch = batch_of(tto)
    assert batch.valid_rows == 0
    assert [(p["row"], p["column"]) for p in batch.problems] == [
        (2, zh("Title")), (3, zh("Inventors")), (4, zh("Keywords"))]
    assert batch.problems[0]["message"] == zh("Formulas are not accepted; type the value itself.")
    assert batch.problems[1]["message"] == zh(
        "A cell may not start with %(char)s: spreadsheet programs would run it as a formula. "
        "Remove the character.", char="@")

    rows = good_rows()
    rows[0]["trl"] = "=3+3"  # openpyxl writes this as a real formula
    upload(client, xlsx(rows))
    batch = batch_of(tto)
    assert batch.valid_rows == 2
    assert batch.problems == [{"row": 2, "column": zh(HEADERS["trl"]),
                               "message": zh("Formulas are not accepted; type the value itself.")}]


def test_duplicate_application_numbers_in_the_file(client, tto):
    rows = good_rows()
    upload(client, xlsx([*rows, {**rows[0], "title": "重复"}]))
    batch = batch_of(tto)
    assert batch.valid_rows == 3
    assert batch.problems == [{"row": 5, "column": zh("Application number"), "message": zh(
        "The same application number is already in row %(row)d.", row=2)}]


def test_unknown_columns_are_reported_and_ignored(client, tto):
    content = xlsx(good_rows())
    workbook = load_workbook(io.BytesIO(content))
    workbook.worksheets[0].cell(row=1, column=len(NAMES) + 1, value="备注")
    workbook.worksheets[0].cell(row=2, column=len(NAMES) + 1, value="=A1")
    buffer = io.BytesIO()
    workbook.save(buffer)
    workbook.close()
    upload(client, buffer.getvalue())
    batch = batch_of(tto)
    assert batch.valid_rows == 3
    assert batch.problems == [{"row": 1, "column": "备注", "message": zh(
        "This column is not in the template and was ignored.")}]


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_zip_bombs_are_refused_before_parsing(client, tto, app):
    app.config["IMPORT_MAX_UNPACKED_BYTES"] = 4 * 1024 * 1024
    response = upload(client, _zip({"xl/worksheets/sheet1.xml": b"0" * (5 * 1024 * 1024)}))
    assert response.status_code == 400
    assert zh("The workbook unpacks to more than %(mb)d MB; it is refused as a possible zip bomb.",
              mb=4) in response.get_data(as_text=True)
    response = upload(client, _zip({"xl/sharedStrings.xml": b"<" * (3 * 1024 * 1024)}))
    assert response.status_code == 400
    assert zh("The workbook is compressed far more than a real spreadsheet; it is refused as a "
              "possible zip bomb.") in response.get_data(as_text=True)
    response = upload(client, _zip({"hello.txt": b"not a workbook"}))
    assert zh("The file could not be read as an XLSX workbook.") in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 0


@pytest.mark.parametrize(("content", "msgid", "params"), [
    (b"x" * (10 * 1024 * 1024 + 1), "Files may be at most %(mb)d MB.", {"mb": 10}),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
     "This is an old Excel (.xls) file: save it as XLSX or CSV and upload it again.", {}),
    ("类型,标题\n发明专利,一种装置\n".encode(),
     "The first row must hold the column headings of the template. Missing: %(columns)s.", None),
    (b"\xef\xbb\xbf", "The file has no rows to import.", {}),
])
def test_unreadable_files_are_refused_with_a_reason(client, tto, content, msgid, params):
    response = upload(client, content, "a.csv")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    if params is None:
        assert zh(msgid).split("%(columns)s")[0] in html and zh("Abstract") in html
    else:
        assert zh(msgid, **params) in html
    assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_row_limit(client, tto, app):
    app.config["IMPORT_MAX_ROWS"] = 3
    response = upload(client, xlsx([*good_rows(), bad_row()]))
    assert response.status_code == 400
    assert zh("The file has more than %(n)d rows; split it into smaller files.", n=3) in \
        response.get_data(as_text=True)


def test_upload_form_needs_a_spreadsheet(client, tto):
    response = upload(client, b"%PDF-1.4", "a.pdf")
    assert response.status_code == 422
    assert zh("Choose an XLSX or CSV file.") in response.get_data(as_text=True)
