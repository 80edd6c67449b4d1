import pytest

from marketplace.orgs import creditcode

# Codes printed on real business licences (public company registrations).
REAL_CODES = ["91350100M000100Y43", "91110000802100433B", "91440300708461136T", "911100001000044477"]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_valid(code):
    assert creditcode.problem(code) is None


@pytest.mark.parametrize("code", REAL_CODES)
def test_any_single_change_is_caught(code):
    # Changing any one character to another allowed one must break the check character.
    for position in range(18):
        for char in creditcode.ALPHABET:
            if char == code[position]:
                continue
            changed = code[:position] + char + code[position + 1:]
            assert creditcode.problem(changed) is not None, changed


@pytest.mark.parametrize(("code", "reason"), [
    ("91350100M000100Y4", "length"),
    ("91350100M000100Y433", "length"),
    ("91350100M0001O0Y43", "characters"),
    ("C1350100M000100Y43", "authority"),
    ("9135A100M000100Y43", "region"),
    ("91350100M000100Y44", "check"),
])
def test_reasons(code, reason):
    assert creditcode.problem(code) == reason


def test_normalise_accepts_lower_case_and_spaces():
    assert creditcode.is_valid(" 91350100m000100y43 ")
