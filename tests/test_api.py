"""The public JSON API: search parity with the web page, listing detail, errors, headers, OpenAPI."""

import dataclasses
import io
import json
import re
from datetime import UTC, date
from decimal import Decimal

import pytest

from marketplace.accounts.models import Role
from marketplace.api.openapi import SEARCH_PARAMETERS
from marketplace.listings import patentno
from marketplace.listings.models import (
    FIELDS,
    LISTING_MODES,
    ConversionMode,
    Grade,
    LegalStatus,
    Listing,
    ListingKind,
    ListingState,
)
from marketplace.listings.queries import MAX_PAGE, SORTS, SearchQuery
from marketplace.listings.services import add_attachment, create_listing, transition
from tests.conftest import post, zh

PATENT = {
    "kind": ListingKind.INVENTION, "title": "一种高镍锂离子电池正极材料及其制备方法",
    "abstract": "本发明公开了一种高镍三元正极材料，通过表面包覆提高循环稳定性，适用于动力电池。",
    "field": "materials", "ipc_codes": "H01M 4/525, H01M 10/0525", "keywords": "电池, 正极材料",
    "inventors": "李振华, 王芳", "application_number": "201710601862.3",
    "application_date": date(2017, 7, 20), "grant_date": date(2019, 3, 1),
    "legal_status": LegalStatus.GRANTED, "grade": Grade.A, "trl": 6,
    "modes": [ConversionMode.SOLE_LICENCE, ConversionMode.ORDINARY_LICENCE],
    "asking_price": Decimal("200000"), "terms": "入门费加销售额提成", "contact_name": "王晓梅",
    "contact_email": "wang.contact@example.edu.cn", "contact_phone": "010-62785001",
}
ACHIEVEMENT = {**PATENT, "kind": ListingKind.ACHIEVEMENT, "application_number": None,
               "application_date": None, "grant_date": None, "ipc_codes": None,
               "legal_status": LegalStatus.NOT_APPLICABLE, "asking_price": None}
_HTML_RESULT = re.compile(r'<h3><a href="/listings/(\d+)">')


@pytest.fixture
def tto(make_user):
    return make_user(Role.TTO)


@pytest.fixture
def publish(tto):
    """Create a listing through the services and publish it; ``by`` another tto if given."""
    def _publish(base=ACHIEVEMENT, by=None, **overrides):
        actor = by or tto
        listing = create_listing(actor, {**base, **overrides})
        transition(actor, listing, "publish")
        return listing
    return _publish


@pytest.fixture
def corpus(publish, make_user):
    """Six published listings of two universities, five of them about batteries."""
    other = make_user(Role.TTO)
    number = "201820123456"
    return [
        publish(PATENT),
        publish(title="一种固态电池电解质膜", keywords="电池, 固态电解质", grade=Grade.B, field="energy",
                modes=[ConversionMode.TRANSFER], trl=4),
        publish(title="退役锂离子电池回收工艺", keywords="电池, 回收", field="environment", trl=7,
                modes=[ConversionMode.SOLE_LICENCE], by=other),
        publish(title="一种柔性压力传感器", abstract="用于可穿戴设备的柔性压力传感器，灵敏度高，成本低廉。",
                keywords="传感器", field="it", trl=5, modes=[ConversionMode.SOLE_LICENCE]),
        publish(PATENT, kind=ListingKind.UTILITY_MODEL, title="一种电池包散热结构", grade=Grade.C,
                application_number=f"{number}.{patentno.check_character(number)}", field="vehicles",
                trl=8, modes=[ConversionMode.ORDINARY_LICENCE], keywords="电池, 散热"),
        publish(title="钠离子电池负极材料", keywords="电池, 负极材料", field="energy", trl=3,
                modes=[ConversionMode.SOLE_LICENCE, ConversionMode.EQUITY]),
    ]


def html_ids(client, query: str) -> list[int]:
    response = client.get(f"/listings?{query}")
    assert response.status_code == 200
    return [int(i) for i in _HTML_RESULT.findall(response.get_data(as_text=True))]


def api_ids(client, query: str) -> list[int]:
    response = client.get(f"/api/v1/listings?{query}")
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["items"]]


# --- Search ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", [
    "q=电池", "q=正极材料 锂离子电池", "q=电池&grade=A&mode=sole_licence", "", "sort=newest", "sort=trl",
    "q=电池&sort=trl", "field=energy", "kind=achievement&legal_status=not_applicable", "trl=6",
    "q=芯片",
])
def test_search_returns_what_the_web_page_shows_in_the_same_order(client, corpus, query):
    assert api_ids(client, query) == html_ids(client, query)


def test_search_has_totals_facets_and_the_understood_query(client, corpus):
    data = client.get("/api/v1/listings?q=电池&grade=A&mode=sole_licence").json
    assert len(data["items"]) == data["total"] == 3
    assert (data["page"], data["pages"], data["per_page"]) == (1, 1, 20)
    assert data["query"] == {"q": "电池", "tokens": ["电池"], "field": None, "grade": "A", "trl": None,
                             "kind": None, "mode": "sole_licence", "university": None,
                             "legal_status": None, "sort": "relevance", "page": 1}
    facets = client.get("/api/v1/listings?q=电池").json["facets"]
    assert {f["value"]: f["count"] for f in facets["grade"]} == {"A": 3, "B": 1, "C": 1}
    assert {f["value"]: f["count"] for f in facets["trl"]} == {3: 1, 4: 1, 6: 1, 7: 1, 8: 1}
    assert {f["value"] for f in facets["mode"]} == {"sole_licence", "ordinary_licence", "transfer", "equity"}
    universities = {f["value"]: (f["name"], f["count"]) for f in facets["university"]}
    assert universities[corpus[2].organisation_id] == (corpus[2].organisation.name, 1)
    assert universities[corpus[0].organisation_id][1] == 4
    university = corpus[2].organisation_id
    assert api_ids(client, f"university={university}") == html_ids(client, f"university={university}")
    assert client.get("/api/v1/listings?q=芯片").json["facets"] == {
        name: [] for name in ("grade", "mode", "field", "kind", "trl", "legal_status", "university")}
    assert data["missing_terms"] == {}  # one word: every result has it


def test_search_says_which_words_a_partial_match_lacks(client, corpus):
    data = client.get("/api/v1/listings?q=电池 芯片").json
    batteries = client.get("/api/v1/listings?q=电池").json
    assert data["total"] == batteries["total"] > 0  # no listing has 芯片: 电池's listings, each lacking it
    assert data["missing_terms"] == {str(item["id"]): ["芯片"] for item in data["items"]}


def test_search_pages_like_the_web_page(client, publish):
    for n in range(21):
        publish(title=f"储能电池管理方法{n}", keywords="电池")
    first = client.get("/api/v1/listings?q=电池").json
    assert (first["total"], first["pages"], len(first["items"])) == (21, 2, 20)
    assert api_ids(client, "q=电池&page=2") == html_ids(client, "q=电池&page=2")
    assert len(api_ids(client, "q=电池&page=2")) == 1
    assert client.get("/api/v1/listings?q=电池&page=3").json["items"] == []


def test_unknown_parameters_are_ignored_and_an_empty_q_searches_nothing(client, corpus):
    expected = api_ids(client, "q=电池")
    assert api_ids(client, "q=电池&per_page=5&foo=bar") == expected
    assert api_ids(client, "q=") == api_ids(client, "")
    # Empty values of the other parameters are outside their schemas: tests/security/test_api_schema.py


ONE_OF = "%(parameter)s must be one of: %(values)s."
WHOLE = "%(parameter)s must be a whole number from %(low)d to %(high)d."


def _one_of(values) -> dict:
    return {"values": ", ".join(getattr(value, "value", value) for value in values)}


@pytest.mark.parametrize(("query", "parameter", "msgid", "params"), [
    ("grade=Z", "grade", ONE_OF, {"values": "A, B, C"}),
    ("sort=price", "sort", ONE_OF, _one_of(SORTS)),
    ("field=space", "field", ONE_OF, _one_of(FIELDS)),
    ("kind=patent", "kind", ONE_OF, _one_of(ListingKind)),
    ("mode=licence", "mode", ONE_OF, _one_of(LISTING_MODES)),
    ("legal_status=valid", "legal_status", ONE_OF, _one_of(LegalStatus)),
    ("trl=10", "trl", WHOLE, {"low": 1, "high": 9}),
    ("trl=%C2%B2", "trl", WHOLE, {"low": 1, "high": 9}),  # "²" passes str.isdigit but is no number
    ("page=0", "page", WHOLE, {"low": 1, "high": MAX_PAGE}),
    ("page=501", "page", WHOLE, {"low": 1, "high": MAX_PAGE}),
    ("university=-3", "university", WHOLE, {"low": 1, "high": 2**31 - 1}),
    ("q=" + "长" * 101, "q", "%(parameter)s may be at most %(length)d characters long.", {"length": 100}),
    ("grade=A&grade=B", "grade", "Give %(parameter)s only once.", {}),
])
def test_an_invalid_parameter_is_a_400_naming_it(client, query, parameter, msgid, params):
    response = client.get(f"/api/v1/listings?{query}")
    assert response.status_code == 400 and response.mimetype == "application/json"
    assert response.json == {"error": "Bad Request", "status": 400, "parameter": parameter,
                             "message": zh(msgid, parameter=parameter, **params)}


def test_messages_follow_the_users_language(client):
    post(client, "/language", {"lang": "en"})
    assert client.get("/api/v1/listings?grade=Z").json["message"] == "grade must be one of: A, B, C."


# --- Detail ---------------------------------------------------------------------------------------


def test_detail_has_every_public_field(client, app, tto, publish):
    listing = publish(PATENT)
    item = add_attachment(tto, listing, io.BytesIO(b"%PDF-1.4\n%test\n"), "说明书.pdf")
    response = client.get(f"/api/v1/listings/{listing.id}")
    assert response.status_code == 200
    published = listing.published_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    org = listing.organisation
    assert response.json == {
        "id": listing.id, "url": f"http://127.0.0.1:5000/listings/{listing.id}", "state": "published",
        "state_reason": None, "kind": "invention", "title": PATENT["title"], "abstract": PATENT["abstract"],
        "field": "materials", "ipc_codes": ["H01M 4/525", "H01M 10/0525"], "keywords": ["电池", "正极材料"],
        "inventors": ["李振华", "王芳"], "application_number": "201710601862.3",
        "patent_number": "ZL201710601862.3", "application_date": "2017-07-20", "grant_date": "2019-03-01",
        "legal_status": "granted", "grade": "A", "trl": 6,
        "conversion_modes": ["ordinary_licence", "sole_licence"],
        "asking_price": {"amount": "200000.00", "currency": "CNY"}, "terms": "入门费加销售额提成",
        "university": {"id": org.id, "name": org.name, "url": f"http://127.0.0.1:5000/orgs/{org.id}"},
        "published_at": published, "is_demo": False,
        "attachments": [{"name": "说明书.pdf", "content_type": "application/pdf", "size": 15,
                         "url": f"http://127.0.0.1:5000/listings/{listing.id}/files/{item.id}"}],
    }
    download = client.get(response.json["attachments"][0]["url"])
    assert download.data == b"%PDF-1.4\n%test\n"
    download.close()
    search_item = client.get("/api/v1/listings").json["items"][0]
    assert search_item == {k: v for k, v in response.json.items() if k != "attachments"}


def test_a_converted_listing_stays_public(client, tto, publish):
    listing = publish(asking_price=Decimal("1234.5"))
    transition(tto, listing, "convert", "已与某企业签订独占许可合同")
    data = client.get(f"/api/v1/listings/{listing.id}").json
    assert (data["state"], data["state_reason"]) == ("converted", "已与某企业签订独占许可合同")
    assert data["asking_price"] == {"amount": "1234.50", "currency": "CNY"}
    assert data["application_number"] is data["patent_number"] is data["grant_date"] is None


@pytest.mark.parametrize("action", [None, "suspend", "withdraw"])
def test_only_public_listings_are_served(client, tto, action):
    listing = create_listing(tto, ACHIEVEMENT)
    if action:
        transition(tto, listing, "publish")
        transition(tto, listing, action, "专利年费待缴")
    for url in (f"/api/v1/listings/{listing.id}", f"/api/v1/listings/{listing.id + 1000}"):
        response = client.get(url)
        assert response.status_code == 404 and response.mimetype == "application/json"
        assert response.json == {"error": "Not Found", "status": 404,
                                 "message": zh("No published listing has this id.")}


@pytest.mark.parametrize("logged_in", [False, True])
def test_contact_details_are_never_in_the_api(client, auth, tto, publish, logged_in):
    listing = publish(PATENT)
    if logged_in:
        auth.login(tto.email)
    for url in (f"/api/v1/listings/{listing.id}", "/api/v1/listings?q=电池"):
        text = client.get(url).get_data(as_text=True)
        assert "contact" not in text
        for secret in (PATENT["contact_email"], PATENT["contact_phone"], "\\u738b\\u6653\\u6885", "王晓梅"):
            assert secret not in text


# --- Errors and headers ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/listings/abc", "/api/v1/listings/0",
                                  "/api/v1/listings/99999999999", "/api/v1/", "/api/v2/listings", "/api"])
def test_unknown_api_urls_are_json_404s(client, path):
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 404 and response.mimetype == "application/json"
    message = zh("Nothing was found at this address. The API's paths are listed in %(document)s.",
                 document="http://127.0.0.1:5000/api/v1/openapi.json")  # PUBLIC_URL
    assert response.json == {"error": "Not Found", "status": 404, "message": message}
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/no/such/page").mimetype == "text/html"  # the site keeps its HTML pages


@pytest.mark.parametrize(("method", "path"), [("POST", "/api/v1/listings"), ("PUT", "/api/v1/listings/1"),
                                              ("DELETE", "/api/v1/openapi.json")])
def test_other_methods_are_json_405s(client, method, path):
    response = client.open(path, method=method)
    assert response.status_code == 405
    assert response.json == {"error": "Method Not Allowed", "status": 405,
                             "message": zh("The API is read-only: use GET.")}
    assert "GET" in response.headers["Allow"]


def test_rate_limit_is_json(another_app):
    client = another_app(API_RATE_LIMIT="2 per minute").test_client()
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.get("/api/v1/listings").status_code == 200  # one budget for the whole API
    response = client.get("/api/v1/listings/1")
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert response.json == {"error": "Too Many Requests", "status": 429,
                             "message": zh("Please wait a little and try again.")}


def test_server_error_is_json(another_app, monkeypatch):
    def broken(query):
        raise RuntimeError("search index unavailable")

    monkeypatch.setattr("marketplace.api.routes.run_search", broken)
    client = another_app(PROPAGATE_EXCEPTIONS=False).test_client()
    response = client.get("/api/v1/listings")
    assert response.status_code == 500
    assert response.json == {"error": "Internal Server Error", "status": 500,
                             "message": zh("The error has been logged. Please try again in a moment.")}


def test_cors_caching_and_etags(client, corpus):
    response = client.get("/api/v1/listings?q=电池", headers={"Origin": "https://example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cache-Control"] == "public, max-age=60"
    again = client.get("/api/v1/listings?q=电池", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    preflight = client.options("/api/v1/listings")
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in client.get("/listings").headers


# --- OpenAPI --------------------------------------------------------------------------------------


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.json["openapi"] == "3.1.0"
    return response.json


def test_every_api_route_is_documented_and_every_documented_path_is_a_route(app, spec):
    routes = {(re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule.removeprefix("/api/v1")), method.lower())
              for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == {(path, method) for path, item in spec["paths"].items() for method in item}


def test_document_enums_are_the_model_enums_and_parameters_the_web_searchs(spec):
    def values(enum_cls):
        return [member.value for member in enum_cls]

    enums = {"field": list(FIELDS), "grade": values(Grade), "kind": values(ListingKind),
             "mode": values(LISTING_MODES), "legal_status": values(LegalStatus)}
    parameters = spec["components"]["parameters"]
    assert {name: parameters[name]["schema"].get("enum") for name in SEARCH_PARAMETERS} == {
        **enums, "q": None, "trl": None, "university": None, "page": None, "sort": list(SORTS)}
    listing = spec["components"]["schemas"]["ListingSummary"]["properties"]
    listing["mode"] = listing["conversion_modes"]["items"]
    assert {name: listing[name]["enum"] for name in enums} == enums
    assert listing["state"]["enum"] == [s.value for s in ListingState if Listing(state=s).is_public]
    assert [field.name for field in dataclasses.fields(SearchQuery)] == list(SEARCH_PARAMETERS)
    documented = spec["paths"]["/listings"]["get"]["parameters"]
    assert [ref["$ref"].rsplit("/", 1)[1] for ref in documented] == list(SEARCH_PARAMETERS)


def test_every_reference_resolves(spec):
    refs = re.findall(r'"\$ref": "#/([^"]+)"', json.dumps(spec))
    assert refs
    for ref in refs:
        node = spec
        for part in ref.split("/"):
            node = node[part]


def test_responses_have_exactly_the_documented_fields(client, corpus, spec):
    schemas = spec["components"]["schemas"]
    result = client.get("/api/v1/listings?q=电池").json
    search = schemas["SearchResult"]["properties"]
    assert set(result) == set(schemas["SearchResult"]["required"]) == set(search)
    assert set(result["query"]) == set(search["query"]["required"])
    assert set(result["facets"]) == set(search["facets"]["required"])
    assert set(result["items"][0]) == set(schemas["ListingSummary"]["required"])
    detail = client.get(f"/api/v1/listings/{corpus[0].id}").json
    assert set(detail) == set(schemas["ListingSummary"]["required"]) | {"attachments"}
    assert set(client.get("/api/v1/listings?grade=Z").json) == set(schemas["Error"]["properties"])
