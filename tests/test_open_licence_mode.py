"""A listing offers "open licence" exactly while it has an announced declaration (issue 15 §3): a tto
cannot tick it by hand (the form says where to declare), cannot untick it while the declaration
stands, an import row cannot carry it, and its chip leads to the declaration a company accepts."""

import re

import pytest

from marketplace.accounts.models import Role
from marketplace.errors import ServiceError
from marketplace.extensions import db
from marketplace.licences import services as declarations
from marketplace.listings import services as listings
from marketplace.listings.models import ConversionMode
from tests import factories
from tests.conftest import login, post, zh
from tests.imports_support import batch_of, good_rows, upload, xlsx
from tests.licences_support import world  # noqa: F401

PAGE = "Open licences and agreements"
UNDECLARED_NEW = ("Open licence is offered once the patent's open-licence declaration is announced. "
                  "Save the listing without it, then on the listing's page open “%(page)s”, declare "
                  "the open licence and record CNIPA's announcement: the mode is then added for you.")
UNDECLARED = ("Open licence is offered once the patent's open-licence declaration is announced. "
              "Declare it under “%(page)s” on the listing's page and record CNIPA's announcement: "
              "the mode is then added for you.")
ANNOUNCED = ("This patent's open-licence declaration is announced, so it stays offered under an open "
             "licence. To stop offering it, withdraw the declaration under “%(page)s”.")


def _message(msgid: str) -> str:
    return zh(msgid, page=zh(PAGE))


def _edit_form(listing, modes: list[str]) -> dict:
    return {**factories.LISTING_FORM, "title": listing.title,
            "application_number": listing.application_number,
            "application_date": listing.application_date.isoformat(),
            "grant_date": listing.grant_date.isoformat(), "modes": modes}


def test_a_new_listing_cannot_tick_open_licence_and_is_told_where_to_declare(client, auth, make_user):
    tto = make_user(Role.TTO)
    login(auth, tto)
    response = post(client, "/manage/listings/new",
                    {**factories.LISTING_FORM, "modes": ["open_licence", "ordinary_licence"]})
    assert response.status_code == 422
    assert _message(UNDECLARED_NEW) in response.get_data(as_text=True)
    assert post(client, "/manage/listings/new", factories.LISTING_FORM).status_code == 302


def test_the_mode_follows_the_declaration_on_the_edit_form(client, auth, world):  # noqa: F811
    listing = factories.patent(world.university, world.tto, title="一种钙钛矿太阳能电池封装结构",
                               modes=(ConversionMode.ORDINARY_LICENCE,))
    login(auth, world.tto)
    url = f"/manage/listings/{listing.id}/edit"
    response = post(client, url, _edit_form(listing, ["ordinary_licence", "open_licence"]))
    assert response.status_code == 422 and _message(UNDECLARED) in response.get_data(as_text=True)
    assert f'href="/manage/listings/{listing.id}/licensing"' in client.get(
        f"/listings/{listing.id}").get_data(as_text=True)  # where "Manage" leads to declare

    factories.declaration(world.tto, listing)
    db.session.expire_all()
    assert ConversionMode.OPEN_LICENCE in listing.mode_set
    form = client.get(url).get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="open_licence"', form)
    response = post(client, url, _edit_form(listing, ["ordinary_licence"]))
    assert response.status_code == 422 and _message(ANNOUNCED) in response.get_data(as_text=True)
    db.session.expire_all()
    assert ConversionMode.OPEN_LICENCE in listing.mode_set
    response = post(client, url, _edit_form(listing, ["ordinary_licence", "open_licence", "transfer"]))
    assert response.status_code == 302
    db.session.expire_all()
    assert listing.mode_set == {ConversionMode.ORDINARY_LICENCE, ConversionMode.OPEN_LICENCE,
                                ConversionMode.TRANSFER}


def test_the_services_refuse_the_mode_by_hand_too(world):  # noqa: F811
    with pytest.raises(ServiceError, match="“"):
        listings.create_listing(world.tto, {**factories.LISTING, "modes": [ConversionMode.OPEN_LICENCE]})
    listing = factories.patent(world.university, world.tto, title="一种海水淡化膜",
                               modes=(ConversionMode.ORDINARY_LICENCE,))
    with pytest.raises(ServiceError):
        listings.update_listing(world.tto, listing, {"modes": [ConversionMode.OPEN_LICENCE]})
    db.session.expire_all()
    assert listing.mode_set == {ConversionMode.ORDINARY_LICENCE}


def test_the_chip_leads_to_the_declaration_and_after_withdrawal_to_the_catalogue(client, world):  # noqa: F811
    listing = factories.patent(world.university, world.tto, title="一种钙钛矿太阳能电池封装结构",
                               modes=(ConversionMode.ORDINARY_LICENCE,))
    declaration = factories.declaration(world.tto, listing)
    results = client.get("/listings?q=钙钛矿").get_data(as_text=True)
    assert f'class="chip chip-open" href="/listings/{listing.id}/open-licence"' in results
    page = client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert f'class="chip chip-open" href="/open-licences/{declaration.id}"' in page
    response = client.get(f"/listings/{listing.id}/open-licence")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/open-licences/{declaration.id}")

    declarations.transition(world.tto, declaration, "withdraw", reason="专利权已转让")
    assert "chip-open" not in client.get("/listings?q=钙钛矿").get_data(as_text=True)
    response = client.get(f"/listings/{listing.id}/open-licence")  # a page opened before
    assert response.status_code == 302 and response.headers["Location"].endswith("/open-licences")
    assert zh("This patent is no longer offered under an open licence. These are the open licences "
              "on offer now.") in client.get("/open-licences").get_data(as_text=True)


def test_an_import_row_cannot_offer_an_open_licence(client, auth, make_user):
    tto = make_user(Role.TTO)
    login(auth, tto)
    rows = good_rows()
    rows[0]["modes"] = f"{zh('Open licence')}，{zh('Ordinary licence')}"
    assert upload(client, xlsx(rows)).status_code == 302
    batch = batch_of(tto)
    assert batch.valid_rows == len(rows) - 1
    assert batch.problems == [{"row": 2, "column": zh("Conversion modes offered"),
                               "message": _message(UNDECLARED_NEW)}]
