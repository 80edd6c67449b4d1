"""XLSX and CSV exports: the one place they are written, so that each opens cleanly in Excel,
LibreOffice, openpyxl and ``pandas.read_excel`` / ``pandas.read_csv`` with default arguments.

- Row 1 of a data sheet is the header and every later row is data: no title block above it, no
  total row below it (a reader sums the column). ``freeze_panes`` keeps the header in view.
- A workbook's title and metadata (owner, version, time, SHA-256, note…) go to a last sheet,
  ``说明`` (About this file), as label / value rows, and into the document properties (title,
  subject, creator, created).
- A cell's type follows its column's ``kind``: ``TEXT`` (formula-neutralised text), ``ID``
  (identifiers: application and patent numbers, credit codes, IPC codes; text cells with number
  format ``@``, never numbers), ``INT``, ``MONEY`` (a number with format ``0.00``), ``NUMBER``
  (whole numbers and amounts in one column: each cell by its value), ``PERCENT`` (a
  number with format ``0.00##``), ``DATE`` and ``DATETIME`` (real date cells, local time without a
  zone). An empty value is an empty cell.
- CSV: UTF-8 with a byte-order mark (Excel then reads the Chinese), ``\\r\\n`` line ends, the
  header in row 1; money with two decimals, dates as ISO 8601, text formula-neutralised.

pandas infers numbers from text cells that look like numbers, so an application number is written
with its country code (``CN202219001969.2``, as CNIPA's search system writes it): it then stays
text in every reader, and the platform's search and import read that form too.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import pgettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from marketplace.db_types import utcnow

TEXT, ID, INT, NUMBER, MONEY, PERCENT, DATE, DATETIME = (
    "text", "id", "int", "number", "money", "percent", "date", "datetime")
#: Excel number formats by column kind (text cells of identifiers: "@"); NUMBER: by value.
NUMBER_FORMATS = {ID: "@", INT: "0", MONEY: "0.00", PERCENT: "0.00##", DATE: "yyyy-mm-dd",
                  DATETIME: "yyyy-mm-dd hh:mm"}
#: Text a spreadsheet would read as a formula (CSV/formula injection, OWASP).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CREATOR = "百校千项"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
_HEAD_FILL = PatternFill("solid", fgColor="F0F3F6")


@dataclass(frozen=True)
class Column:
    """A column of an export: the row key it reads, its header, its kind and XLSX width."""

    key: str
    header: str
    kind: str = TEXT
    width: int = 18


@dataclass
class Sheet:
    """A data sheet: its title (at most 31 characters are kept), columns and rows (dicts)."""

    title: str
    columns: list[Column]
    rows: list[dict]


def neutralise(value):
    """Make text that a spreadsheet would evaluate as a formula plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def application_number(number: str | None) -> str | None:
    """An application number as exports write it: ``CN`` and the number, so no reader takes it
    for a number (``202219001969.2`` → ``CN202219001969.2``)."""
    if not number:
        return None
    return number if number.startswith(("CN", "ZL")) else "CN" + number


def _local(value: datetime) -> datetime:
    """Excel has no time zones: an aware time becomes the wall-clock time it already shows."""
    return value.replace(tzinfo=None) if value.tzinfo else value


def cell_value(value, kind: str):
    """The value of an XLSX cell of ``kind`` (None: an empty cell)."""
    if value is None or value == "":
        return None
    if kind in (MONEY, PERCENT):
        return float(value) if isinstance(value, Decimal | int | float) else float(Decimal(value))
    if kind == INT:
        return int(value)
    if kind == NUMBER:
        return float(value) if isinstance(value, Decimal) else value
    if kind == DATETIME and isinstance(value, datetime):
        return _local(value)
    if kind == DATE and isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value
    return neutralise(str(value))


def csv_value(value, kind: str) -> str:
    """The text of a CSV field of ``kind``."""
    if value is None or value == "":
        return ""
    if kind == MONEY or (kind == NUMBER and isinstance(value, Decimal)):
        return f"{Decimal(value):.2f}"
    if kind == PERCENT:
        number = Decimal(value).normalize()
        return f"{number:.2f}" if number.as_tuple().exponent > -2 else f"{number:f}"
    if kind == DATETIME and isinstance(value, datetime):
        return _local(value).strftime("%Y-%m-%d %H:%M")
    if kind == DATE and isinstance(value, date):
        return value.isoformat()[:10]
    return str(neutralise(value if isinstance(value, str) else str(value)))


def _write_sheet(book: Workbook, sheet: Sheet) -> None:
    target = book.create_sheet(sheet.title[:31])
    for index, column in enumerate(sheet.columns, start=1):
        cell = target.cell(row=1, column=index, value=neutralise(column.header))
        cell.font, cell.fill = Font(bold=True), _HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        target.column_dimensions[get_column_letter(index)].width = column.width
    for number, row in enumerate(sheet.rows, start=2):
        for index, column in enumerate(sheet.columns, start=1):
            cell = target.cell(row=number, column=index)
            cell.value = cell_value(row.get(column.key), column.kind)
            if column.kind == ID and cell.value is not None:
                cell.data_type = "s"
            if column.kind in NUMBER_FORMATS:
                cell.number_format = NUMBER_FORMATS[column.kind]
            elif column.kind == NUMBER and isinstance(cell.value, float):
                cell.number_format = NUMBER_FORMATS[MONEY]
            cell.alignment = Alignment(wrap_text=column.kind == TEXT, vertical="top")
    target.freeze_panes = "A2"


def _write_about(book: Workbook, about: list[tuple[str, object]]) -> None:
    sheet = book.create_sheet(_("About this file")[:31])
    headers = ((pgettext("about this file", "Item"), 24), (pgettext("about this file", "Value"), 80))
    for index, (header, width) in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=index, value=header)
        cell.font, cell.fill = Font(bold=True), _HEAD_FILL
        sheet.column_dimensions[get_column_letter(index)].width = width
    for number, (label, value) in enumerate(about, start=2):
        sheet.cell(row=number, column=1, value=neutralise(str(label)))
        cell = sheet.cell(row=number, column=2)
        if isinstance(value, datetime):
            cell.value, cell.number_format = _local(value), NUMBER_FORMATS[DATETIME]
        elif isinstance(value, date):
            cell.value, cell.number_format = value, NUMBER_FORMATS[DATE]
        elif isinstance(value, int | Decimal) and not isinstance(value, bool):
            cell.value = value if isinstance(value, int) else float(value)
        else:
            cell.value = neutralise("" if value is None else str(value))
            cell.data_type = "s"
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"


def workbook(sheets: list[Sheet], *, title: str, subject: str,
             about: list[tuple[str, object]]) -> bytes:
    """The data sheets, then the About sheet (title first, then ``about``), with the document
    properties set; as XLSX bytes. Call it inside the locale the file is written in."""
    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        _write_sheet(book, sheet)
    _write_about(book, [(pgettext("about this file", "Title"), title), *about])
    book.active = 0
    properties = book.properties
    properties.title, properties.subject, properties.creator = title, subject, CREATOR
    properties.lastModifiedBy = CREATOR
    properties.created = properties.modified = utcnow().replace(tzinfo=None, microsecond=0)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(columns: list[Column], rows: list[dict]) -> bytes:
    """The rows as CSV: UTF-8 with a byte-order mark, the header in row 1."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(column.header) for column in columns])
    for row in rows:
        writer.writerow([csv_value(row.get(column.key), column.kind) for column in columns])
    return out.getvalue().encode("utf-8")
