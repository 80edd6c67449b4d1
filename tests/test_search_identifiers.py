"""Identifiers in the search box: application numbers go to their listing, IPC codes and prefixes
find the listings classified under them, an inventor's name finds that inventor's listings."""

import pytest

from marketplace.accounts.models import Role
from marketplace.listings import identifiers
from marketplace.listings.models import ListingState
from marketplace.listings.queries import SearchQuery, run_search
from tests import factories
from tests.conftest import login, zh

NUMBER = "201710601862.3"


@pytest.mark.parametrize("typed", [
    "201710601862.3", "CN201710601862.3", "cn 2017 1060 1862.3", "ZL201710601862.3",
    "2017106018623", "2017.1060.1862.3", "ＣＮ２０１７１０６０１８６２．３", " ZL 201710601862.3 "])
def test_numbers_are_read_in_every_usual_form(typed):
    assert identifiers.application_number(typed) == (NUMBER, None)


def test_other_text_is_not_a_number():
    assert identifiers.application_number("锂离子电池") == (None, None)
    assert identifiers.application_number("2017") == (None, None)
    assert identifiers.application_number("CN201710601862.4") == (None, "check")


def test_a_published_number_goes_straight_to_its_listing(client, app):
    item = factories.listing(factories.organisation(), application_number=NUMBER)
    for typed in ("CN 201710601862.3", "ZL2017106018623", "ＣＮ２０１７１０６０１８６２．３"):
        response = client.get("/listings", query_string={"q": typed})
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/listings/{item.id}")


def test_an_unknown_number_says_so(client, app):
    page = client.get("/listings", query_string={"q": "CN201710601862.3"})
    assert page.status_code == 200
    assert zh("No listing has the application number %(number)s.", number=NUMBER) in page.get_data(
        as_text=True)


def test_a_wrong_check_digit_is_explained(client, app):
    page = client.get("/listings", query_string={"q": "CN201710601862.4"}).get_data(as_text=True)
    assert zh("%(q)s is not a valid application number: its check digit does not match.",
              q="CN201710601862.4") in page


def test_a_draft_number_is_not_revealed_to_others(client, auth, app):
    tto = factories.user(Role.TTO)
    draft = factories.listing(tto.organisation, application_number=NUMBER, state=ListingState.DRAFT)
    answer = zh("No listing has the application number %(number)s.", number=NUMBER)
    visitor = app.test_client().get("/listings", query_string={"q": NUMBER})
    assert visitor.status_code == 200 and answer in visitor.get_data(as_text=True)
    login(auth, factories.user(Role.TTO))  # another university's officer
    assert answer in client.get("/listings", query_string={"q": NUMBER}).get_data(as_text=True)
    auth.logout()
    login(auth, tto)  # its own university's officer is taken to it
    response = client.get("/listings", query_string={"q": NUMBER})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/listings/{draft.id}")


def _found(q: str) -> set[int]:
    return {listing.id for listing in run_search(SearchQuery(q=q)).items}


@pytest.mark.parametrize(("typed", "term"), [
    ("H01M", "H01M"), ("h01m 4/36", "H01M 4/36"), ("H01M4/36", "H01M 4/36"), ("H01M 04", "H01M 4"),
    ("Ｈ０１Ｍ　４／３６", "H01M 4/36"), ("H01", "H01"), ("电池", None), ("H01M 4/36 电池", None)])
def test_ipc_terms(typed, term):
    assert identifiers.ipc_term(typed) == term


def test_ipc_codes_and_prefixes_find_the_listings_classified_under_them(app):
    org = factories.organisation()
    cathode = factories.listing(org, ipc_codes="H01M 4/36, H01M 10/0525")
    coated = factories.listing(org, ipc_codes="H01M4/362")  # stored without the space
    separator = factories.listing(org, ipc_codes="H01M 2/16")
    switch = factories.listing(org, ipc_codes="H01H 1/00")
    image = factories.listing(org, ipc_codes="G06T 7/00")
    factories.listing(org, state=ListingState.DRAFT, ipc_codes="H01M 4/36")
    assert _found("H01M 4/36") == {cathode.id, coated.id}
    assert _found("H01M4/36") == {cathode.id, coated.id}
    assert _found("H01M 4") == {cathode.id, coated.id}
    assert _found("H01M") == {cathode.id, coated.id, separator.id}
    assert _found("H01") == {cathode.id, coated.id, separator.id, switch.id}
    assert _found("G06T") == {image.id}
    assert _found("H01M 4/3") == {cathode.id, coated.id}
    assert _found("H01M 4/5") == set()


def test_an_inventors_name_finds_that_inventors_listings(app):
    org = factories.organisation()
    mine = factories.listing(org, inventors="孙立新, 王芳")
    also = factories.listing(org, inventors="李振华、孙立新")
    # The two characters of the name, apart, are not the name.
    other = factories.listing(org, inventors="孙伟", abstract="一种立新型支架。")
    assert identifiers.query_tokens("孙立新") == ["孙立新"]
    assert _found("孙立新") == {mine.id, also.id}
    assert other.id not in _found("孙立新")
    assert _found("王芳") == {mine.id}


def test_a_name_nobody_has_is_searched_as_words(app):
    assert identifiers.query_tokens("电池回收") == ["电池", "回收"]
