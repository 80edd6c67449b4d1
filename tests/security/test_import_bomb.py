"""An upload cannot stall the site (issue 13, item 4).

Every row element of a file counts toward the row limit, empty or not, and reading stops there;
the file is parsed in a child process with a time and a memory limit, so that during a hostile
upload the production server (gunicorn, gevent) still answers ``/healthz`` in under 200 ms.
"""

import io
import re
import threading
import time
import zipfile
from xml.sax.saxutils import escape

import pytest
import requests
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.listings.import_models import ImportBatch
from tests.conftest import PASSWORD, zh
from tests.live_server import ServerProcess, login_session
from tests.test_import import HEADERS, NAMES, good_rows, upload

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_PKG_CT = "application/vnd.openxmlformats-package.relationships+xml"
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
#: The largest /healthz answer time allowed during a hostile upload, in seconds.
HEALTHZ_BUDGET = 0.2


def _cell(column: int, row: int, value) -> str:
    ref = f"{chr(ord('A') + column)}{row}"
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def _row(number: int, values) -> str:
    cells = "".join(_cell(n, number, v) for n, v in enumerate(values) if v not in (None, ""))
    return f'<row r="{number}">{cells}</row>'


def workbook(sheet_data, shared_strings: bytes | None = None) -> bytes:
    """A minimal XLSX whose first sheet's ``<sheetData>`` holds ``sheet_data`` (str or bytes chunks)."""
    types = (f'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             f'<Default Extension="rels" ContentType="{_PKG_CT}"/>'
             f'<Default Extension="xml" ContentType="application/xml"/>'
             f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
             f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
             + (f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_CT}.sharedStrings+xml"/>'
                if shared_strings else "") + "</Types>")
    rels = (f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" Type="{_REL}/officeDocument" '
            f'Target="xl/workbook.xml"/></Relationships>')
    book = (f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
            f'<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
    book_rels = (f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" Type="{_REL}/worksheet" '
                 f'Target="worksheets/sheet1.xml"/>'
                 + (f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
                    if shared_strings else "") + "</Relationships>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", rels)
        archive.writestr("xl/workbook.xml", book)
        archive.writestr("xl/_rels/workbook.xml.rels", book_rels)
        if shared_strings:
            archive.writestr("xl/sharedStrings.xml", shared_strings)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(f'<worksheet xmlns="{_MAIN}"><sheetData>'.encode())
            for chunk in sheet_data:
                sheet.write(chunk if isinstance(chunk, bytes) else chunk.encode())
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def header() -> str:
    return _row(1, [zh(HEADERS[name]) for name in NAMES])


def data_rows(first: int) -> list[str]:
    return [_row(first + n, [row.get(name) for name in NAMES]) for n, row in enumerate(good_rows())]


def empty_rows(first: int, count: int, chunk: int = 100_000):
    """``count`` empty row elements from row ``first`` on, as the attacker's file has them."""
    for start in range(first, first + count, chunk):
        yield "".join(f'<row r="{n}"/>' for n in range(start, min(start + chunk, first + count)))


def refused(response, message: str) -> None:
    assert response.status_code == 400, response.status_code
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 0


@pytest.fixture
def tto(make_user, auth):
    user = make_user(Role.TTO)
    auth.login(user.email)
    return user


def test_empty_rows_count_toward_the_row_limit(client, tto, app):
    app.config["IMPORT_MAX_ROWS"] = 5
    content = workbook([header(), *data_rows(2), *empty_rows(5, 100)])
    refused(upload(client, content), zh("The file has more than %(n)d rows; split it into smaller "
                                        "files.", n=5))
    # A file within the limit, empty rows included, is read as before.
    response = upload(client, workbook([header(), *data_rows(2), *empty_rows(5, 2)]))
    assert response.status_code == 302


def test_a_row_far_down_the_sheet_stops_reading_at_the_limit(client, tto, app):
    # openpyxl makes up every missing row above row 1,048,576: each one counts.
    app.config["IMPORT_MAX_ROWS"] = 5
    content = workbook([header(), _row(1_048_576, [good_rows()[0].get(name) for name in NAMES])])
    started = time.monotonic()
    refused(upload(client, content), zh("The file has more than %(n)d rows; split it into smaller "
                                        "files.", n=5))
    assert time.monotonic() - started < 5


def test_a_csv_of_blank_lines_counts_every_line(client, tto, app):
    app.config["IMPORT_MAX_ROWS"] = 5
    content = (",".join(zh(HEADERS[name]) for name in NAMES) + "\n" + "\n" * 1000).encode()
    refused(upload(client, content, "a.csv"), zh("The file has more than %(n)d rows; split it into "
                                                 "smaller files.", n=5))


def test_a_file_that_takes_too_long_to_read_is_stopped(client, tto, app):
    # One row of 400,000 cells: the row limit does not help, the parser's time limit does.
    app.config["IMPORT_PARSE_SECONDS"] = 1
    wide = "".join(f'<c r="A2"><v>{n}</v></c>' for n in range(400_000))
    started = time.monotonic()
    response = upload(client, workbook([header(), f'<row r="2">{wide}</row>']))
    refused(response, zh("Reading the file took longer than %(seconds)d seconds, so it was stopped; "
                         "split it into smaller files or save it as CSV.", seconds=1))
    assert time.monotonic() - started < 4


def test_a_file_that_needs_too_much_memory_is_refused(client, tto, app):
    # 300,000 distinct shared strings: openpyxl holds them all in memory at once.
    app.config["IMPORT_PARSE_MEMORY_MB"] = 96
    strings = "".join(f"<si><t>字符串{n:07d}{'测' * 20}</t></si>" for n in range(300_000))
    shared = f'<sst xmlns="{_MAIN}" count="300000" uniqueCount="300000">{strings}</sst>'.encode()
    response = upload(client, workbook([header(), *data_rows(2)], shared_strings=shared))
    refused(response, zh("Reading the file needs more memory than an import may use; split it into "
                         "smaller files or save it as CSV."))


def test_healthz_stays_fast_while_the_server_refuses_a_hostile_upload(app, make_user, migrated,
                                                                       tmp_path):
    """The attack of the issue against the production server: 3 million empty rows, 8-9 MB."""
    email = make_user(Role.TTO).email
    content = workbook([header(), *empty_rows(2, 3_000_000)])
    assert 6 * 1024 * 1024 < len(content) < 10 * 1024 * 1024, len(content)
    db.session.remove()
    server = ServerProcess(migrated, tmp_path / "instance", extra_env={
        "APP_ENV": "production", "SESSION_COOKIE_SECURE": "0"})
    timings: list[float] = []
    stop = threading.Event()

    def poll_healthz():
        with requests.Session() as session:
            while not stop.is_set():
                started = time.monotonic()
                ok = session.get(server.url + "/healthz", timeout=60).status_code == 200
                timings.append(time.monotonic() - started if ok else float("inf"))
                time.sleep(0.02)

    try:
        browser = login_session(server.url, email, PASSWORD)
        token = _TOKEN.search(browser.get(server.url + "/manage/imports/new", timeout=10).text).group(1)
        poller = threading.Thread(target=poll_healthz, daemon=True)
        poller.start()
        time.sleep(0.3)  # a few answers before the upload
        started = time.monotonic()
        response = browser.post(server.url + "/manage/imports/new", data={"csrf_token": token},
                                files={"file": ("hostile.xlsx", content)}, timeout=60)
        upload_seconds = time.monotonic() - started
        time.sleep(0.3)  # and a few after
        stop.set()
        poller.join(timeout=60)
    finally:
        stop.set()
        server.stop()
    print(f"\nhostile upload ({len(content) / 1e6:.1f} MB, 3,000,000 empty rows) refused in "
          f"{upload_seconds:.2f} s; /healthz: {len(timings)} answers, max "
          f"{max(timings) * 1000:.0f} ms, median {sorted(timings)[len(timings) // 2] * 1000:.0f} ms")
    assert len(timings) >= 10
    assert max(timings) < HEALTHZ_BUDGET, f"/healthz took up to {max(timings) * 1000:.0f} ms"
    assert response.status_code == 400, response.status_code
    assert zh("The file has more than %(n)d rows; split it into smaller files.", n=20_000) in response.text
