"""Issue 13 §12: the public API accepts exactly what its OpenAPI document declares. A value the
schema does not allow, the empty string included, is a 400 in the API's error format naming the
parameter; every value it allows is answered."""

import pytest

from tests.conftest import zh

ONE_OF = "%(parameter)s must be one of: %(values)s."
WHOLE = "%(parameter)s must be a whole number from %(low)d to %(high)d."


def _parameters(client) -> dict:
    document = client.get("/api/v1/openapi.json").json
    return {name: spec["schema"] for name, spec in document["components"]["parameters"].items()
            if spec["in"] == "query"}


def test_the_document_says_empty_values_are_refused(client):
    description = client.get("/api/v1/openapi.json").json["info"]["description"]
    assert "an empty value is the same as leaving a parameter out" not in description
    assert "empty value" in description


@pytest.mark.parametrize("name", ["field", "grade", "kind", "mode", "legal_status", "sort", "trl",
                                  "university", "page"])
def test_an_empty_value_outside_the_schema_is_a_400_naming_the_parameter(client, name):
    schema = _parameters(client)[name]
    assert "" not in schema.get("enum", [])
    response = client.get(f"/api/v1/listings?q=电池&{name}=")
    assert response.status_code == 400 and response.mimetype == "application/json"
    if "enum" in schema:
        message = zh(ONE_OF, parameter=name, values=", ".join(schema["enum"]))
    else:
        message = zh(WHOLE, parameter=name, low=schema["minimum"], high=schema["maximum"])
    assert response.json == {"error": "Bad Request", "status": 400, "parameter": name,
                             "message": message}


def test_the_issues_request_is_refused(client):
    response = client.get("/api/v1/listings?grade=&sort=")
    assert response.status_code == 400 and response.json["parameter"] in ("grade", "sort")


def test_every_value_the_schema_allows_is_answered(client):
    for name, schema in _parameters(client).items():
        if "enum" in schema:
            allowed = schema["enum"]
        elif schema["type"] == "integer":
            allowed = [str(schema["minimum"]), str(schema["maximum"])]
        else:
            allowed = ["", "电池", "长" * schema["maxLength"]]
        for value in allowed:
            response = client.get("/api/v1/listings", query_string={name: value})
            assert response.status_code == 200, (name, value, response.json)


def test_values_just_outside_the_schema_are_refused(client):
    for name, schema in _parameters(client).items():
        if "enum" in schema:
            refused = ["", " ", schema["enum"][0] + " ", schema["enum"][0].swapcase() + "x"]
        elif schema["type"] == "integer":
            refused = ["", str(schema["minimum"] - 1), str(schema["maximum"] + 1), "1.0", "NaN", str(2**63)]
        else:
            refused = ["长" * (schema["maxLength"] + 1)]
        for value in refused:
            response = client.get("/api/v1/listings", query_string={name: value})
            assert response.status_code == 400, (name, value)
            assert response.json["parameter"] == name
