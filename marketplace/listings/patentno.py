"""Chinese patent application numbers (申请号) and their check digit.

Since 2003 an application number has 12 digits and a check character: ``201710601862.3``
(year, type, serial). Older ones have 8 digits: ``97101765.4``. The check character is the sum
of the digits weighted 2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5 modulo 11, written ``X`` for 10.
A granted patent's number is ``ZL`` followed by the application number.
"""

import re

WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
#: The type digit (5th of 12, 3rd of 8): 1 invention, 2 utility model, 3 design, 8/9 PCT.
TYPES = {"1": "invention", "2": "utility_model", "3": "design", "8": "invention", "9": "utility_model"}
_SHAPE = re.compile(r"^(?:CN|ZL)?(\d{8}|\d{12})\.?([\dX])$")


def check_character(digits: str) -> str:
    value = sum(int(d) * w for d, w in zip(digits, WEIGHTS, strict=False)) % 11
    return "X" if value == 10 else str(value)


def normalise(number: str) -> str:
    """Canonical form ``201710601862.3``: no prefix, spaces or lower case."""
    compact = re.sub(r"[\s\u3000]", "", number or "").upper()
    match = _SHAPE.match(compact)
    if not match:
        return compact
    return f"{match.group(1)}.{match.group(2)}"


def problem(number: str) -> str | None:
    """Why ``number`` is not a valid application number (``format``, ``type``, ``check``), or None."""
    match = _SHAPE.match(re.sub(r"[\s\u3000]", "", number or "").upper())
    if not match:
        return "format"
    digits, check = match.groups()
    type_digit = digits[4] if len(digits) == 12 else digits[2]
    if type_digit not in TYPES:
        return "type"
    if check_character(digits) != check:
        return "check"
    return None


def patent_type(number: str) -> str | None:
    """The patent type the number encodes, for a valid number."""
    if problem(number):
        return None
    digits = normalise(number).split(".")[0]
    return TYPES[digits[4] if len(digits) == 12 else digits[2]]
