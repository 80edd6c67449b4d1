"""The synthetic listings generator: valid, unique, deterministic, and accepted by the services."""

from marketplace.accounts.models import Role
from marketplace.listings import patentno
from marketplace.listings import services as listings
from marketplace.listings.models import FIELDS, ConversionMode, Grade, LegalStatus, ListingKind
from marketplace.listings.synthetic import ListingFactory


def test_numbers_are_valid_unique_and_match_the_kind():
    rows = [row for row, _ in ListingFactory(seed=1).rows(3000, [(1, "中心", "a@example.edu.cn")])]
    numbers = [row["application_number"] for row in rows if row["application_number"]]
    assert len(numbers) == len(set(numbers)) > 2000
    for row in rows:
        if row["kind"].is_patent:
            assert patentno.problem(row["application_number"]) is None
            assert patentno.patent_type(row["application_number"]) == row["kind"].value
        else:
            assert row["application_number"] is None
            assert row["legal_status"] is LegalStatus.NOT_APPLICABLE


def test_listings_look_like_the_real_ones():
    factory = ListingFactory(seed=2)
    items = [factory.data("王晓梅", "tto@example.edu.cn") for _ in range(2000)]
    assert {item["field"] for item in items} == set(FIELDS)
    assert all(150 <= len(item["abstract"]) <= 250 for item in items)
    grades = [item["grade"] for item in items]
    assert grades.count(Grade.A) < grades.count(Grade.B) < grades.count(Grade.C)
    assert all(1 <= len(item["modes"]) <= 3 for item in items)
    # open licence follows an announced declaration, which a generated listing never has
    assert not any(ConversionMode.OPEN_LICENCE in item["modes"] for item in items)
    devices = [item for item in items if item["kind"] in (ListingKind.UTILITY_MODEL, ListingKind.DESIGN)]
    assert devices and all(item["keywords"].split(", ")[0] in item["title"] for item in devices)
    assert not any("本发明" in item["abstract"] for item in devices)
    assert any(item["asking_price"] is None for item in items)
    granted = [item for item in items if item["grant_date"]]
    assert all(item["grant_date"] > item["application_date"] for item in granted)


def test_the_same_seed_gives_the_same_listings():
    first, second = ListingFactory(seed=9), ListingFactory(seed=9)
    assert [first.data("a", "a@b.cn") for _ in range(50)] == [second.data("a", "a@b.cn") for _ in range(50)]


def test_the_services_accept_them(make_user):
    tto = make_user(Role.TTO)
    factory = ListingFactory(seed=3)
    for _ in range(20):
        listing = listings.create_listing(tto, factory.data(tto.name, tto.email), commit=False)
        listings.transition(tto, listing, "publish")
        assert listing.mode_set
