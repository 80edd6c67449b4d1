"""Issue 13 §6, property-based: whatever is typed into a numeric field of any form, or given as
the page of any paginated page, the answer is never a server error. The forms and pages come from
``numeric_inputs``, whose lists ``test_bad_numbers`` checks against the code."""

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.numeric_inputs import PAGINATED, numbers  # noqa: F401

#: Short runs: each example is one request; the whole file stays well under a minute.
FAST = settings(max_examples=400, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

SPECIAL = ["NaN", "-NaN", "sNaN", "-sNaN", "sNaN1", "Infinity", "-Infinity", "inf", "1e999999",
           "-1e999999", "1e-999999", "0.001", "-0", "-0.00", "1_000", "０", "١٢", "²", " 7 ", "1,000",
           "0x10", "1e3", "", "\x00", "9" * 5000, str(2**63), str(-(2**63) - 1)]
NUMBERS = st.one_of(
    st.sampled_from(SPECIAL),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.decimals(min_value=Decimal(0), max_value=Decimal(10**13), places=4).map(str),
    st.text(max_size=12),
)


@FAST
@given(data=st.data())
def test_no_value_in_a_numeric_field_is_a_server_error(app, numbers, data):  # noqa: F811
    name = data.draw(st.sampled_from(sorted(numbers.cases)), label="form")
    case = numbers.cases[name]
    field = data.draw(st.sampled_from(case.fields), label="field")
    value = data.draw(NUMBERS, label="value")
    response = numbers.send(app, case, {**case.data, field: value})
    assert response.status_code < 500, (name, field, value)


@FAST
@given(data=st.data())
def test_no_page_number_is_a_server_error(app, numbers, data):  # noqa: F811
    endpoint = data.draw(st.sampled_from(sorted(PAGINATED)), label="page")
    client = numbers.client(app, PAGINATED[endpoint])
    value = data.draw(NUMBERS, label="page number")
    with app.test_request_context():
        url = app.url_for(endpoint)
    response = client.get(url, query_string={"page": value})
    assert response.status_code in (200, 400), (endpoint, value, response.status_code)
    if value.isascii() and value.isdigit() and len(value) < 10 and 1 <= int(value) <= 500:
        assert response.status_code == 200, (endpoint, value)
