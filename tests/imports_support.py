"""Bulk-import files for the import tests: the template's columns, rows as a tto types them, the
file as a workbook or CSV text, and its upload through the import page."""

import csv
import io

from openpyxl import load_workbook
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from marketplace.extensions import db
from marketplace.listings.imports.models import ImportBatch
from marketplace.listings.imports.validation import COLUMNS
from tests.conftest import csrf_token, zh

NAMES = [name for name, _required in COLUMNS]
#: The Chinese headings of the template (the form's labels).
HEADERS = {
    "kind": "Type", "title": "Title", "abstract": "Abstract", "field": "Field", "ipc_codes": "IPC codes",
    "keywords": "Keywords", "inventors": "Inventors", "application_number": "Application number",
    "application_date": "Application date", "grant_date": "Grant date", "legal_status": "Legal status",
    "grade": "Grade", "trl": "Technology readiness level (1–9)", "modes": "Conversion modes offered",
    "asking_price": "Asking price (CNY)", "terms": "Terms", "contact_name": "Contact person",
    "contact_email": "Contact e-mail", "contact_phone": "Contact phone",
}
ABSTRACT = "本发明公开了一种高镍三元正极材料，通过表面包覆提高循环稳定性，适用于动力电池。"


def good_rows() -> list[dict]:
    """Three valid rows as a tto types them: labels, not codes."""
    return [
        {"kind": zh("Invention patent"), "title": "一种高镍锂离子电池正极材料及其制备方法",
         "abstract": ABSTRACT, "field": zh("New materials"), "ipc_codes": "H01M 4/525",
         "inventors": "李振华, 王芳", "application_number": "201710601862.3",
         "application_date": "2017/7/20", "grant_date": "2019-03-01",
         "legal_status": zh("Granted and in force"), "grade": "A", "trl": 6,
         "modes": f"{zh('Ordinary licence')}，{zh('Transfer')}", "asking_price": "200,000",
         "contact_name": "王晓梅", "contact_email": "tto@example.edu.cn",
         "contact_phone": "+86 10 6278 2000"},
        {"kind": zh("Utility model patent"), "title": "一种便携式水质检测装置", "abstract": ABSTRACT,
         "field": zh("Energy saving and environmental protection"), "inventors": "张伟",
         "application_number": "201720123456.6", "legal_status": zh("Under examination"),
         "grade": "B", "trl": 4, "modes": zh("Transfer")},
        {"kind": zh("Non-patent achievement"), "title": "城市污水处理工艺包", "abstract": ABSTRACT,
         "field": zh("Energy saving and environmental protection"), "inventors": "刘洋", "grade": "C",
         "trl": 7, "modes": zh("Try first, pay later")},
    ]


def bad_row() -> dict:
    """Row 5 of the file: a wrong check character and a TRL out of range."""
    return {**good_rows()[0], "title": "一种固态电解质", "application_number": "201810234567.4",
            "trl": 12}


def xlsx(rows: list[dict], template: bytes | None = None) -> bytes:
    """The template (or a blank workbook with its headings) filled in with ``rows``."""
    if template is None:
        from openpyxl import Workbook
        workbook = Workbook()
        workbook.active.append([zh(HEADERS[name]) for name in NAMES])
    else:
        workbook = load_workbook(io.BytesIO(template))
    sheet = workbook.worksheets[0]
    for row in rows:
        sheet.append([row.get(name) for name in NAMES])
    buffer = io.BytesIO()
    workbook.save(buffer)
    workbook.close()
    return buffer.getvalue()


def csv_text(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([zh(HEADERS[name]) for name in NAMES])
    for row in rows:
        writer.writerow(["" if row.get(name) is None else row[name] for name in NAMES])
    return buffer.getvalue()


def upload(client, content: bytes, name: str = "成果.xlsx", **kwargs):
    # Encoded here, in memory: the test client would spool a large body to an unclosed temp file.
    fields = {"csrf_token": csrf_token(client), "file": FileStorage(io.BytesIO(content), name)}
    boundary, body = encode_multipart(fields)
    return client.post("/manage/imports/new", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}", **kwargs)


def batch_of(user) -> ImportBatch:
    return db.session.scalar(select(ImportBatch).where(
        ImportBatch.organisation_id == user.organisation_id).order_by(ImportBatch.id.desc()))
