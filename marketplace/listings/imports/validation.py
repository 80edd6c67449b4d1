"""The columns of a bulk import, and the validation of its rows with the listing form itself.

Every row goes through ``ListingForm``, the form of the editing page, so an imported listing
obeys exactly the rules of one written by hand. Before that, cell text is brought to the form's
shape (labels of choices to their codes, dates to YYYY-MM-DD). Problems name the row and the
column heading as the file shows it, in the uploader's language.

Formula injection: cells are stripped (leading tabs and carriage returns go), then a cell a
spreadsheet would run as a formula when the data is exported again (starting with ``=`` or
``@``, or with ``+``/``-`` unless the rest is a plain number such as a phone number) is refused,
in XLSX and CSV alike, rather than silently altered: the report shows it and the tto fixes it.
"""

import enum
import re
import unicodedata
from datetime import date
from decimal import Decimal

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from marketplace.errors import ServiceError
from marketplace.listings.forms import (
    GRADE_LABELS,
    KIND_LABELS,
    LEGAL_LABELS,
    MODE_LABELS,
    ListingForm,
)
from marketplace.listings.models import FIELDS, ConversionMode, Grade, LegalStatus, ListingKind

#: The template's columns in order: (form field, the column must be in the file).
COLUMNS = (
    ("kind", True), ("title", True), ("abstract", True), ("field", True), ("ipc_codes", False),
    ("keywords", False), ("inventors", True), ("application_number", False),
    ("application_date", False), ("grant_date", False), ("legal_status", False), ("grade", True),
    ("trl", True), ("modes", True), ("asking_price", False), ("terms", False),
    ("contact_name", False), ("contact_email", False), ("contact_phone", False),
)
CHOICES = {"kind": KIND_LABELS, "field": FIELDS, "legal_status": LEGAL_LABELS, "grade": GRADE_LABELS,
           "modes": MODE_LABELS}
#: Short forms people write in Chinese spreadsheets, besides the labels in every language.
EXTRA_ALIASES = {
    "kind": {"发明": "invention", "实用新型": "utility_model", "外观设计": "design", "外观": "design",
             "非专利": "achievement", "成果": "achievement"},
    "legal_status": {"授权": "granted", "有效": "granted", "审中": "pending", "在审": "pending"},
}
_ENUMS = {"kind": ListingKind, "legal_status": LegalStatus, "grade": Grade}
_DATES = ("application_date", "grant_date")
_MODE_SEPARATORS = re.compile(r"[,，;；、/\n]+")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
#: A leading + or - is harmless in a plain number or phone number, e.g. +86 10 6278 2000.
_SIGNED_NUMBER = re.compile(r"^[+-][\d\s().,/-]*$")
_SPREADSHEET_ERRORS = frozenset({"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!",
                                 "#SPILL!", "#CALC!", "#GETTING_DATA"})


def blank_form() -> ListingForm:
    return ListingForm(formdata=None, meta={"csrf": False})


def headers(form: ListingForm | None = None) -> dict[str, str]:
    """The template's column headings in the current language, by form field."""
    form = form or blank_form()
    return {name: str(form[name].label.text) for name, _required in COLUMNS}


def _key(text: str) -> str:
    return re.sub(r"[\s*＊]", "", unicodedata.normalize("NFKC", text)).casefold()


def _code(key) -> str:
    return key.value if isinstance(key, enum.Enum) else key


def _in_every_language(labels: dict) -> dict[str, str]:
    """{normalised alias: code} for a mapping of codes (or enums) to lazy labels."""
    aliases = {}
    for locale in current_app.config["LANGUAGES"]:
        with force_locale(locale):
            aliases.update({_key(str(label)): _code(key) for key, label in labels.items()})
    return aliases


def choice_aliases(name: str) -> dict[str, str]:
    labels = CHOICES[name]
    aliases = _in_every_language(labels)
    aliases.update({_key(_code(key)): _code(key) for key in labels})
    aliases.update({_key(alias): code for alias, code in EXTRA_ALIASES.get(name, {}).items()})
    return aliases


def map_headers(cells: list[str | None]) -> tuple[dict[int, str], list[int]]:
    """({column index: form field}, indexes of unknown columns); refuses missing or repeated ones."""
    form = blank_form()
    known = {_key(name): name for name, _required in COLUMNS}
    known.update(_in_every_language({name: form[name].label.text for name, _required in COLUMNS}))
    mapping, unknown = {}, []
    for index, cell in enumerate(cells):
        if not cell:
            continue
        name = known.get(_key(cell))
        if name is None:
            unknown.append(index)
        elif name in mapping.values():
            raise ServiceError(_("The column %(column)s appears twice.", column=cell))
        else:
            mapping[index] = name
    shown = headers(form)
    missing = [shown[name] for name, required in COLUMNS if required and name not in mapping.values()]
    if missing:
        raise ServiceError(_("The first row must hold the column headings of the template. "
                             "Missing: %(columns)s.", columns=", ".join(missing)))
    return mapping, unknown


def unsafe_text(text: str) -> str | None:
    """Why a (stripped) cell cannot be accepted as text, or None."""
    if text in _SPREADSHEET_ERRORS:
        return _("The cell holds a spreadsheet error (%(error)s); type the value itself.", error=text)
    if text.startswith("="):
        return _("Formulas are not accepted; type the value itself.")
    if text[:1] == "@" or (text[:1] in "+-" and not _SIGNED_NUMBER.match(text)):
        return _("A cell may not start with %(char)s: spreadsheet programs would run it as a "
                 "formula. Remove the character.", char=text[0])
    return None


class RowValidator:
    """Validates rows one by one; remembers application numbers to catch repeats in the file."""

    def __init__(self, header_cells: list[str | None], defaults: dict | None = None):
        self.mapping, self.unknown = map_headers(header_cells)
        self.header_cells = header_cells
        self.defaults = defaults or {}
        self.shown = headers()
        self.aliases = {name: choice_aliases(name) for name in CHOICES}
        self.numbers: dict[str, int] = {}

    def header_problems(self) -> list[dict]:
        return [{"row": 1, "column": self.header_cells[index],
                 "message": _("This column is not in the template and was ignored.")}
                for index in self.unknown]

    def column(self, name: str) -> str:
        for index, field in self.mapping.items():
            if field == name:
                return self.header_cells[index]
        return self.shown.get(name, name)

    def validate(self, number: int, cells: list[str | None]) -> tuple[dict | None, list[dict]]:
        """(the row's cleaned values, JSON-ready, or None; the row's problems)."""
        found: dict[str, list[str]] = {}
        formdata = MultiDict()
        for index, name in self.mapping.items():
            text = ((cells[index] if index < len(cells) else None) or "").strip()
            if not text:
                continue
            problem = unsafe_text(text)
            if problem is None:
                values, problem = self._convert(name, text)
                for value in values:
                    formdata.add(name, value)
            if problem:
                found[name] = [problem]
        for name, value in self.defaults.items():
            if value and name not in formdata and name not in found:
                formdata.add(name, value)
        if not formdata.get("legal_status") and formdata.get("kind") == "achievement":
            formdata["legal_status"] = LegalStatus.NOT_APPLICABLE.value
        form = ListingForm(formdata=formdata, meta={"csrf": False})
        form.validate()
        for field in form:
            if field.errors and field.name not in found:
                found[field.name] = [str(error) for error in field.errors]
        data = None
        if not found:
            data = to_json(form.cleaned())
            application_number = data.get("application_number")
            first = self.numbers.setdefault(application_number, number) if application_number else number
            if first != number:
                found["application_number"] = [
                    _("The same application number is already in row %(row)d.", row=first)]
                data = None
        order = list(self.mapping.values())
        names = sorted(found, key=lambda n: order.index(n) if n in order else len(order))
        return data, [{"row": number, "column": self.column(name), "message": message}
                      for name in names for message in found[name]]

    def _convert(self, name: str, text: str) -> tuple[list[str], str | None]:
        """The form values for a cell, or a problem."""
        if name == "modes":
            return self._modes(text)
        if name in self.aliases:
            code = self.aliases[name].get(_key(text))
            if code is None:
                return [], self._choose(name)
            return [code], None
        if name in _DATES:
            match = _DATE.match(text) or _COMPACT_DATE.match(text)
            if not match:
                return [], _("Write the date as YYYY-MM-DD, e.g. 2017-07-20.")
            year, month, day = (int(part) for part in match.groups())
            return [f"{year:04d}-{month:02d}-{day:02d}"], None
        if name == "trl" and re.fullmatch(r"\d+\.0+", text):
            return [text.split(".")[0]], None
        if name == "asking_price":
            text = re.sub(r"[\s,，¥￥元]", "", text)
            return ([] if text in ("面议", "") else [text]), None
        return [text], None

    def _modes(self, text: str) -> tuple[list[str], str | None]:
        aliases = self.aliases["modes"]
        folded = _key(text)
        # Labels that contain a separator (先试用、后付费) are replaced before splitting.
        for alias in sorted(aliases, key=len, reverse=True):
            if _MODE_SEPARATORS.search(alias):
                folded = folded.replace(alias, aliases[alias])
        codes = []
        for part in filter(None, _MODE_SEPARATORS.split(folded)):
            code = aliases.get(part)
            if code is None:
                return [], self._choose("modes")
            if code not in codes:
                codes.append(code)
        return codes, None

    def _choose(self, name: str) -> str:
        labels = ", ".join(str(label) for label in CHOICES[name].values())
        if name == "modes":
            return _("Unknown conversion mode. Choose from: %(values)s (separated by commas).",
                     values=labels)
        return _("Choose one of: %(values)s.", values=labels)


def to_json(data: dict) -> dict:
    """Cleaned form values in a JSON-serialisable form."""
    def plain(value):
        if isinstance(value, enum.Enum):
            return value.value
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, list | tuple):
            return [plain(item) for item in value]
        return value
    return {key: plain(value) for key, value in data.items()}


def from_json(data: dict) -> dict:
    """The values for ``listings.services.create_listing`` from ``to_json``'s output."""
    values = dict(data)
    for name, enum_cls in _ENUMS.items():
        if values.get(name) is not None:
            values[name] = enum_cls(values[name])
    for name in _DATES:
        if values.get(name):
            values[name] = date.fromisoformat(values[name])
    if values.get("asking_price") is not None:
        values["asking_price"] = Decimal(values["asking_price"])
    if "modes" in values:
        values["modes"] = [ConversionMode(mode) for mode in values["modes"] or []]
    return values
