"""Bulk import files: reading uploaded XLSX or CSV files safely.

Safety, before any parsing: the upload is read up to a size limit; an XLSX file (a zip) is
refused when its members declare more than a total unpacked size or an extreme compression ratio
(Python's zipfile never inflates a member past its declared size, so the declared sizes bound
the work); at most a fixed number of data rows is accepted. Workbooks are opened with
``data_only=False`` so that a formula arrives as its text (``=SUM(...)``) and is refused by the
row validation, instead of trusting a cached value the formula may no longer match.
"""

import codecs
import csv
import io
import warnings
import zipfile
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask import current_app
from flask_babel import gettext as _
from openpyxl import load_workbook

from marketplace.errors import ServiceError

DEFAULTS = {
    #: Largest upload accepted, in bytes.
    "IMPORT_MAX_BYTES": 10 * 1024 * 1024,
    #: Most data rows in one file.
    "IMPORT_MAX_ROWS": 20_000,
    #: Largest total size the members of an XLSX file may unpack to.
    "IMPORT_MAX_UNPACKED_BYTES": 100 * 1024 * 1024,
    #: Highest compression ratio of a large XLSX member (real workbooks stay far below).
    "IMPORT_MAX_RATIO": 200,
}
#: Columns read at most (the template has fewer; more are ignored).
MAX_COLUMNS = 60
_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
#: Members smaller than this are not checked for their compression ratio.
_RATIO_FLOOR = 1024 * 1024


def setting(name: str) -> int:
    return int(current_app.config.get(name, DEFAULTS[name]))


@dataclass
class Table:
    """A file's header row and its non-empty data rows, every cell a string or None."""

    headers: list[str | None]
    #: (row number as the spreadsheet shows it, cells).
    rows: list[tuple[int, list[str | None]]] = field(default_factory=list)


def read_upload(stream) -> bytes:
    """Read an uploaded file, refusing empty and oversize ones."""
    limit = setting("IMPORT_MAX_BYTES")
    content = stream.read(limit + 1)
    if not content:
        raise ServiceError(_("The file is empty."))
    if len(content) > limit:
        raise ServiceError(_("Files may be at most %(mb)d MB.", mb=limit // (1024 * 1024)))
    return content


def read_table(content: bytes) -> Table:
    """Parse XLSX or CSV content (recognised by its first bytes, not its name)."""
    if content.startswith(_OLE_MAGIC):
        raise ServiceError(_("This is an old Excel (.xls) file: save it as XLSX or CSV and "
                             "upload it again."))
    reader = _xlsx_rows(content) if content.startswith(_XLSX_MAGIC) else _csv_rows(content)
    table = None
    limit = setting("IMPORT_MAX_ROWS")
    with closing(reader) as rows:
        for number, raw in rows:
            cells = [cell_text(value) for value in raw[:MAX_COLUMNS]]
            if table is None:
                table = Table(headers=cells)
                continue
            if not any(cells):
                continue
            if len(table.rows) >= limit:
                raise ServiceError(_("The file has more than %(n)d rows; split it into smaller "
                                     "files.", n=limit))
            table.rows.append((number, cells))
    if table is None or not table.rows:
        raise ServiceError(_("The file has no rows to import."))
    return table


def cell_text(value) -> str | None:
    """A cell's value as text: numbers without a spurious ``.0``, dates as YYYY-MM-DD."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch in "\n\t" or ch >= " " and ch != "\x7f")
    return text if text.strip() else None


def _check_zip(content: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ServiceError(_("The file could not be read as an XLSX workbook.")) from None
    max_unpacked, max_ratio = setting("IMPORT_MAX_UNPACKED_BYTES"), setting("IMPORT_MAX_RATIO")
    if len(members) > 10_000 or sum(m.file_size for m in members) > max_unpacked:
        raise ServiceError(_("The workbook unpacks to more than %(mb)d MB; it is refused as a "
                             "possible zip bomb.", mb=max_unpacked // (1024 * 1024)))
    for member in members:
        if member.file_size > _RATIO_FLOOR and member.file_size > max_ratio * max(member.compress_size, 1):
            raise ServiceError(_("The workbook is compressed far more than a real spreadsheet; "
                                 "it is refused as a possible zip bomb."))


def _xlsx_rows(content: bytes):
    _check_zip(content)
    try:
        with warnings.catch_warnings():
            # Unsupported extensions (slicers, custom validations) do not matter for the data.
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False,
                                     keep_links=False)
    except Exception:  # noqa: BLE001 - any parser failure means "not a workbook we can read"
        raise ServiceError(_("The file could not be read as an XLSX workbook.")) from None
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # the stored dimensions may be wrong: read every row there is
        yield from enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), 1)
    except ServiceError:
        raise
    except Exception:  # noqa: BLE001
        raise ServiceError(_("The file could not be read as an XLSX workbook.")) from None
    finally:
        workbook.close()


def _decode(content: bytes) -> str:
    for bom, encoding in ((codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if content.startswith(bom):
            return content.decode(encoding)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ServiceError(_("The file could not be read as text: save it as CSV in UTF-8 "
                         "(or GB18030)."))


def _csv_rows(content: bytes):
    text = _decode(content).replace("\x00", "")
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from enumerate(reader, 1)
    except csv.Error:
        raise ServiceError(_("The file could not be read as CSV.")) from None
