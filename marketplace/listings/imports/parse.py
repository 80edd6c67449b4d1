"""Reading an uploaded XLSX or CSV file into rows of text, in a process of its own.

The web process never parses an upload itself: ``files.read_table`` runs this file as a
script (``python parse.py LIMITS`` with the file on standard input) and waits for it
without blocking its event loop. The child limits its own address space (RLIMIT_AS) and CPU time
(RLIMIT_CPU, a backstop to the parent's wall-clock timeout) before it reads a byte, so a hostile
workbook can cost at most those limits, in a process that is then gone.

Safety, before any parsing: an XLSX file (a zip) is refused when its members declare more than a
total unpacked size or an extreme compression ratio (Python's zipfile never inflates a member
past its declared size, so the declared sizes bound the work). Every row the reader meets, empty
or not, counts toward the row limit before anything else is done with it, and reading stops at
the limit. Workbooks are opened with ``data_only=False`` so that a formula arrives as its text
(``=SUM(...)``) and is refused by the row validation, instead of trusting a cached value.

Output, on standard output, one JSON document a line: ``["h", cells]`` for the header row,
``[number, cells]`` for each non-empty data row (its number as the spreadsheet shows it), then
``{"end": true}`` or ``{"error": code, ...parameters}``. The parent turns a code into a
translated message. Only the standard library and openpyxl are imported here: the child starts
in a fraction of a second and loads nothing of the application.
"""

import codecs
import csv
import io
import json
import resource
import sys
import warnings
import zipfile
from datetime import date, datetime, time

#: Columns read at most (the template has fewer; more are ignored).
MAX_COLUMNS = 60
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
#: Members smaller than this are not checked for their compression ratio.
RATIO_FLOOR = 1024 * 1024


class Refused(Exception):
    """The file is refused: ``code`` names why (files.MESSAGES), ``params`` fill it in."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


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


def parse(content: bytes, limits: dict, out) -> None:
    """Write the header and the non-empty data rows of ``content`` to ``out`` (see above)."""
    if content.startswith(OLE_MAGIC):
        raise Refused("xls")
    reader = _xlsx_rows(content, limits) if content.startswith(XLSX_MAGIC) else _csv_rows(content)
    max_rows, max_output = limits["max_rows"], limits["max_output_bytes"]
    seen = written = data_rows = 0
    header = False
    for number, raw in reader:
        seen += 1  # every row counts, empty or not, before anything else is done with it
        if seen > max_rows + 1:  # the header row is not a data row
            raise Refused("too_many_rows", n=max_rows)
        cells = [cell_text(value) for value in raw[:MAX_COLUMNS]]
        if header and not any(cells):
            continue
        line = json.dumps([number if header else "h", cells], ensure_ascii=False) + "\n"
        written += len(line)
        if written > max_output:
            raise Refused("too_much_text", mb=max_output // (1024 * 1024))
        out.write(line)
        if header:
            data_rows += 1
        header = True
    if not data_rows:
        raise Refused("no_rows")


def _check_zip(content: bytes, limits: dict) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise Refused("bad_xlsx") from None
    max_unpacked, max_ratio = limits["max_unpacked_bytes"], limits["max_ratio"]
    if len(members) > 10_000 or sum(m.file_size for m in members) > max_unpacked:
        raise Refused("zip_size", mb=max_unpacked // (1024 * 1024))
    for member in members:
        if member.file_size > RATIO_FLOOR and member.file_size > max_ratio * max(member.compress_size, 1):
            raise Refused("zip_ratio")


def _no_dimensions(_sheet) -> None:
    """Stands in for ``ReadOnlyWorksheet._get_size``: the sheet's size stays unknown."""


def _xlsx_rows(content: bytes, limits: dict):
    _check_zip(content, limits)
    from openpyxl import load_workbook  # lazy: the child reading a CSV never loads openpyxl
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet  # (the same)

    # Opening a sheet in read-only mode looks for its <dimension> element; when there is none,
    # openpyxl's search (iterparse until the end of <sheetData>) reads the whole sheet, every
    # row of it, before the first row is returned: 3 million empty rows cost seconds before any
    # limit could stop them. The stored dimensions are not used here (reset_dimensions below
    # reads every row there is), so the search is skipped, in this short-lived process only.
    ReadOnlyWorksheet._get_size = _no_dimensions
    try:
        with warnings.catch_warnings():
            # Unsupported extensions (slicers, custom validations) do not matter for the data.
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False,
                                     keep_links=False)
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - any parser failure means "not a workbook we can read"
        raise Refused("bad_xlsx") from None
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # the stored dimensions may be wrong: read every row there is
        yield from enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), 1)
    except (Refused, MemoryError):
        raise
    except Exception:  # noqa: BLE001
        raise Refused("bad_xlsx") from None
    finally:
        workbook.close()


def _decode(content: bytes) -> str:
    for bom in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        if content.startswith(bom):
            return content.decode("utf-16")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Refused("not_text")


def _csv_rows(content: bytes):
    text = _decode(content).replace("\x00", "")
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from enumerate(reader, 1)
    except csv.Error:
        raise Refused("bad_csv") from None


def limit_resources(memory_bytes: int, cpu_seconds: int) -> None:
    """Cap this process's address space and CPU time (the kernel enforces both)."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def main(argv: list[str]) -> int:
    # openpyxl uses numpy when it is installed (it is, beside pandas, in development); numpy's
    # OpenBLAS allocates its thread buffers at import and gives up under the memory limit,
    # ending this process before it can say why. The parser needs neither.
    sys.modules["numpy"] = None
    limits = json.loads(argv[1])
    limit_resources(limits["memory_bytes"], limits["cpu_seconds"])
    out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="\n")
    try:
        parse(sys.stdin.buffer.read(), limits, out)
        result = {"end": True}
    except Refused as refusal:
        result = {"error": refusal.code, **refusal.params}
    except MemoryError:
        result = {"error": "memory"}
    out.write(json.dumps(result) + "\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
