"""The downloadable XLSX template of the bulk import, in the user's language.

Sheet 1 holds the column headings (red: the column is required; grey: optional) with a note on
each, and drop-down lists for the columns with fixed values; sheet 2 documents every column with
its allowed values and an example; a hidden third sheet holds the drop-down values.
"""

import io

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from marketplace import uploads
from marketplace.db_types import utcnow
from marketplace.listings.imports.files import setting
from marketplace.listings.imports.validation import CHOICES, COLUMNS, blank_form
from marketplace.spreadsheets import CREATOR

DESCRIPTIONS = {
    "kind": _l("Invention, utility model or design patent, or a non-patent achievement."),
    "title": _l("The title as on the patent, at most 200 characters."),
    "field": _l("The industry the technology serves."),
    "application_date": _l("For patents: the filing date, as YYYY-MM-DD."),
    "grant_date": _l("For granted patents: the date of grant, as YYYY-MM-DD."),
    "legal_status": _l("Required for patents; leave empty for a non-patent achievement."),
    "grade": _l("The university's grading of the listing; A is the highest value."),
    "trl": _l("A whole number from 1 (principle observed) to 9 (proven in operation)."),
    "modes": _l("One or more, separated by commas. Leave out open licence: it is added when the "
                "patent's open-licence declaration is announced."),
    "terms": _l("Conditions of the licence or transfer, in your own words."),
    "contact_name": _l("Leave empty to use your own name."),
    "contact_email": _l("Leave empty to use your own e-mail address."),
    "contact_phone": _l("A phone number for enquiries."),
}
#: Example values (data, not interface text).
EXAMPLES = {
    "title": "一种高镍锂离子电池正极材料及其制备方法",
    "abstract": "本发明公开了一种高镍三元正极材料，通过表面包覆提高循环稳定性，适用于动力电池。",
    "ipc_codes": "H01M 4/525, H01M 10/0525", "keywords": "电池, 正极材料", "inventors": "李振华, 王芳",
    "application_number": "201710601862.3", "application_date": "2017-07-20",
    "grant_date": "2019-03-01", "trl": "6", "asking_price": "200000", "terms": "入门费加销售额提成",
    "contact_name": "王晓梅", "contact_email": "tto@example.edu.cn", "contact_phone": "010-62782000",
}
EXAMPLE_CHOICES = {"kind": ["invention"], "field": ["materials"], "legal_status": ["granted"],
                   "grade": ["A"], "modes": ["ordinary_licence", "transfer"]}
_HEAD_FILL = PatternFill("solid", fgColor="B3261E")
_OPTIONAL_FILL = PatternFill("solid", fgColor="5F6B7A")
_WHITE_BOLD = Font(bold=True, color="FFFFFF")
_WIDE = ("title", "abstract", "terms")


def _labels(name: str) -> dict[str, str]:
    return {getattr(key, "value", key): str(label) for key, label in CHOICES[name].items()}


def columns() -> list[dict]:
    """Every column with its heading, rules and example in the current language."""
    form = blank_form()
    result = []
    for name, required in COLUMNS:
        field = form[name]
        labels = _labels(name) if name in CHOICES else None
        if name in ("application_number", "legal_status"):
            required_text = _("For patents")
        else:
            required_text = _("Yes") if required else _("No")
        example = EXAMPLES.get(name, "")
        if labels:
            example = ", ".join(labels[code] for code in EXAMPLE_CHOICES[name])
        result.append({
            "name": name, "header": str(field.label.text), "required": required,
            "required_text": required_text,
            "description": str(DESCRIPTIONS.get(name) or field.description or field.label.text),
            "options": list(labels.values()) if labels else None, "example": example,
        })
    return result


def build() -> bytes:
    """The template workbook as XLSX bytes."""
    cols = columns()
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Listings")[:31]
    guide = workbook.create_sheet(_("Instructions")[:31])
    options = workbook.create_sheet("options")
    options.sheet_state = "hidden"
    last_row = setting("IMPORT_MAX_ROWS") + 1
    for index, column in enumerate(cols, 1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index, value=column["header"])
        cell.font, cell.fill = _WHITE_BOLD, _HEAD_FILL if column["required"] else _OPTIONAL_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.comment = Comment(column["description"], "百校千项")
        sheet.column_dimensions[letter].width = 40 if column["name"] in _WIDE else 18
        if column["name"] in ("application_number", "contact_phone", "ipc_codes"):
            sheet.column_dimensions[letter].number_format = "@"  # keep as typed, not a number
        if column["options"]:
            for row, value in enumerate([column["header"], *column["options"]], 1):
                options.cell(row=row, column=index, value=value)
            multiple = column["name"] == "modes"
            validation = DataValidation(
                type="list", formula1=f"options!${letter}$2:${letter}${len(column['options']) + 1}",
                allow_blank=True, showErrorMessage=not multiple, error=column["description"])
            validation.add(f"{letter}2:{letter}{last_row}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"
    sheet.row_dimensions[1].height = 32
    _write_guide(guide, cols)
    properties = workbook.properties
    properties.title = _("Listings import template")
    properties.subject = _("Bulk import of listings")
    properties.creator = properties.lastModifiedBy = CREATOR
    properties.created = properties.modified = utcnow().replace(tzinfo=None, microsecond=0)
    buffer = io.BytesIO()
    workbook.save(buffer)
    workbook.close()
    return buffer.getvalue()


def _write_guide(guide, cols: list[dict]) -> None:
    notes = [
        _("How to fill in this template"),
        _("Enter one listing per row on the first sheet, from row 2 on; keep the headings in row 1."),
        _("Red headings are required columns, grey ones optional. Hover over a heading for help."),
        _("At most %(rows)d rows and %(mb)d MB per file. Save as XLSX, or as CSV in UTF-8.",
          rows=setting("IMPORT_MAX_ROWS"), mb=uploads.max_mb()),
        _("Formulas are not accepted, and no cell may start with =, +, - or @ (plain numbers such "
          "as phone numbers excepted)."),
        _("Every row is checked first, then you choose to import the valid rows. Imported "
          "listings are drafts until you publish them."),
    ]
    for row, note in enumerate(notes, 1):
        guide.cell(row=row, column=1, value=note).font = Font(bold=row == 1)
    start = len(notes) + 2
    headings = [_("Column"), _("Required"), _("Description"), _("Allowed values"), _("Example")]
    for index, heading in enumerate(headings, 1):
        cell = guide.cell(row=start, column=index, value=heading)
        cell.font, cell.fill = _WHITE_BOLD, _HEAD_FILL
    allowed = {"trl": "1–9", "application_date": "YYYY-MM-DD", "grant_date": "YYYY-MM-DD",
               "asking_price": _("An amount in yuan, or empty if negotiable.")}
    for row, column in enumerate(cols, start + 1):
        values = (column["header"], column["required_text"], column["description"],
                  "\n".join(column["options"] or []) or allowed.get(column["name"], ""),
                  column["example"])
        for index, value in enumerate(values, 1):
            guide.cell(row=row, column=index, value=value).alignment = Alignment(
                wrap_text=True, vertical="top")
    for letter, width in zip("ABCDE", (24, 10, 60, 36, 44), strict=True):
        guide.column_dimensions[letter].width = width
