"""Issue 13 §6: numbers nobody can store or compare (a page of 2^63, NaN, sNaN, Infinity) get a
400/422 with a message, never a 500, and nothing is written."""

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Role
from marketplace.extensions import db
from tests.conftest import zh
from tests.security.numeric_inputs import PAGINATED, numbers, numeric_form_classes  # noqa: F401

HUGE = str(2**63)
PAGE_MESSAGE = "The page number must be a whole number from 1 to %(high)d."
NOT_A_NUMBER = "Enter a number in digits, such as 1250000 or 12.5."
ROOT = Path(__file__).resolve().parents[2]
#: Ways of reading a page number other than ``pagination.parse_page`` / ``page_number``.
PAGE_READERS = re.compile(r"db\.paginate\(|(?<!parse_page\()args\.get\(\s*[\"']page[\"']"
                          r"|\(\s*[\"']page[\"']\s*,\s*1\b")


def _row_counts() -> dict[str, int]:
    return {table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
            for table in db.metadata.sorted_tables if table.name != "audit_events"}


def _page_message(body: str) -> bool:
    """Whether ``body`` shows the page-number message, whatever the page's maximum."""
    pattern = re.escape(zh(PAGE_MESSAGE, high=12345)).replace("12345", r"[\d,]+")
    return re.search(pattern, body) is not None


@pytest.mark.parametrize("endpoint", sorted(PAGINATED))
def test_a_page_number_nobody_can_store_is_a_400_with_a_message(app, numbers, endpoint):  # noqa: F811
    client = numbers.client(app, PAGINATED[endpoint])
    with app.test_request_context():
        url = app.url_for(endpoint)
    assert client.get(url).status_code == 200
    for value in (HUGE, "-1", "0", "1.5", "NaN", "２", "abc", "9" * 5000):
        response = client.get(url, query_string={"page": value})
        assert response.status_code == 400, (endpoint, value)
        assert _page_message(response.get_data(as_text=True)), (endpoint, value)
    assert client.get(url, query_string={"page": "2"}).status_code == 200
    assert client.get(url, query_string={"page": ""}).status_code == 200


def test_the_list_of_paginated_pages_is_complete(app, numbers):  # noqa: F811
    """Every page without path arguments, opened by every role with a page of 2^63: those that
    refuse it are exactly the listed ones, and none answers 500."""
    rules = [rule for rule in app.url_map.iter_rules()
             if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith("/static")]
    refusing = set()
    for role in (None, *Role):
        client = numbers.client(app, role)
        for rule in rules:
            response = client.get(rule.rule, query_string={"page": HUGE})
            assert response.status_code < 500, (role, rule.rule)
            if response.status_code == 400 and _page_message(response.get_data(as_text=True)):
                refusing.add(rule.endpoint)
    assert refusing == set(PAGINATED)


def test_pages_are_read_by_the_one_page_parser():
    """Pagination goes through ``marketplace.pagination``; nothing else reads ``page``."""
    offenders = []
    for path in [*ROOT.joinpath("marketplace").rglob("*.py"), *ROOT.joinpath("events").rglob("*.py")]:
        if path.name == "pagination.py":
            continue
        text = path.read_text(encoding="utf-8")
        if PAGE_READERS.search(text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_every_form_with_a_numeric_field_is_covered(numbers):  # noqa: F811
    assert numeric_form_classes() == set(numbers.cases)


def test_each_forms_valid_values_are_accepted(app, numbers):  # noqa: F811
    """The values the other tests start from pass (so a refusal is about the number tried)."""
    for name, case in numbers.cases.items():
        response = numbers.send(app, case, case.data)
        assert response.status_code in (200, 302), (name, response.status_code)
        assert b"has-error" not in response.data, name


@pytest.mark.parametrize("value", ["sNaN", "NaN", "-NaN", "Infinity", "-inf", "sNaN123"])
def test_nan_and_infinity_in_any_decimal_field_are_refused_with_a_message(app, numbers, value):  # noqa: F811
    """Interest and need budgets, asking price, revenue split and shares, open-licence fee and
    rate, agreement amount, royalty base, plan target."""
    fields = numbers.decimal_fields()
    assert len(fields) >= 14
    numbers.log_in_everyone(app)
    before = _row_counts()
    for name, case, field in fields:
        response = numbers.send(app, case, {**case.data, field: value})
        assert response.status_code == 422, (name, field, response.status_code)
        assert zh(NOT_A_NUMBER) in response.get_data(as_text=True), (name, field)
    assert _row_counts() == before


@pytest.mark.parametrize("value", ["1e999999", "-1e999999", "9" * 40, "1e-999999"])
def test_numbers_no_column_can_hold_are_refused(app, numbers, value):  # noqa: F811
    numbers.log_in_everyone(app)
    before = _row_counts()
    for name, case, field in numbers.decimal_fields():
        response = numbers.send(app, case, {**case.data, field: value})
        assert response.status_code == 422, (name, field, value, response.status_code)
    assert _row_counts() == before


def test_needs_budget_filter_ignores_numbers_it_cannot_compare(client):
    for value in ("NaN", "sNaN", "Infinity", "1e999999", "-1"):
        assert client.get("/needs", query_string={"budget": value}).status_code == 200, value


def test_an_id_no_row_can_have_is_not_found(app, numbers):  # noqa: F811
    """Every page with ids in its path, given 2^63 (more than any id column holds) for each: 404,
    for visitors and for people who may open such pages alike."""
    from werkzeug.routing import IntegerConverter

    rules = [rule for rule in app.url_map.iter_rules() if "GET" in rule.methods and rule.arguments
             and all(isinstance(rule._converters[name], IntegerConverter) for name in rule.arguments)]
    assert len(rules) > 40
    for role in (None, Role.ADMIN, Role.TTO, Role.COMPANY):
        client = numbers.client(app, role)
        for rule in rules:
            url = rule.rule
            for name in rule.arguments:
                url = re.sub(rf"<int(\([^)]*\))?:{name}>", HUGE, url)
            response = client.get(url)
            assert response.status_code in (302, 403, 404), (role, url, response.status_code)


def test_an_id_in_a_query_that_no_row_can_have_is_not_found(app, numbers):  # noqa: F811
    client = numbers.client(app, Role.TTO)
    assert client.get("/manage/pipeline", query_string={"listing": HUGE}).status_code == 404
    assert client.get("/manage/open-licences", query_string={"listing": HUGE}).status_code in (302, 404)
