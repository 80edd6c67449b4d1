"""A listing under an announced open licence: its page points to the declaration (and, for its
university's tto, to the licensing and needs pages), and it offers the open-licence mode, which
the search facet finds, exactly while a declaration is announced."""

from datetime import date

import sqlalchemy as sa

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.licences import services as declarations
from marketplace.listings.models import ConversionMode
from tests import factories
from tests.conftest import login
from tests.licences_support import world  # noqa: F401


def _page(client, listing) -> str:
    response = client.get(f"/listings/{listing.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _statements(app, listing) -> int:
    count = [0]

    def counter(*args):
        count[0] += 1

    sa.event.listen(db.engine, "before_cursor_execute", counter)
    try:
        assert app.test_client().get(f"/listings/{listing.id}").status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", counter)
    return count[0]


def test_everyone_sees_the_announced_declaration_and_only_its_tto_the_management_links(
        app, client, auth, world, make_user):  # noqa: F811
    declaration = factories.declaration(world.tto, world.listing)
    declaration_link = f'href="/open-licences/{declaration.id}"'
    manage_links = (f'href="/manage/listings/{world.listing.id}/licensing"',
                    f'href="/manage/listings/{world.listing.id}/needs"')

    page = _page(client, world.listing)  # anonymous visitor
    assert 'id="open-licence"' in page and declaration_link in page and "CN2026OL000123" in page
    assert not any(link in page for link in manage_links)

    login(auth, world.buyer)
    page = _page(client, world.listing)
    assert declaration_link in page and not any(link in page for link in manage_links)

    auth.logout()
    login(auth, make_user(Role.TTO))  # another university's tto
    page = _page(client, world.listing)
    assert declaration_link in page and not any(link in page for link in manage_links)

    auth.logout()
    login(auth, world.tto)
    page = _page(client, world.listing)
    assert declaration_link in page and all(link in page for link in manage_links)
    for link in manage_links:  # and the links lead somewhere
        assert client.get(link.split('"')[1]).status_code == 200


def test_a_declaration_not_yet_announced_is_shown_to_its_university_only(client, auth, world):  # noqa: F811
    declaration = declarations.create_declaration(world.tto, world.listing, factories.declaration_terms())
    declarations.transition(world.tto, declaration, "submit")
    assert 'id="open-licence"' not in _page(client, world.listing)
    login(auth, world.tto)
    page = _page(client, world.listing)
    assert 'id="open-licence"' in page and f'href="/open-licences/{declaration.id}"' in page


def test_the_panel_costs_no_more_queries_than_a_page_without_declaration(app, world):  # noqa: F811
    plain = factories.patent(world.university, world.tto, title="一种海水淡化膜")
    factories.declaration(world.tto, world.listing)
    assert _statements(app, world.listing) <= _statements(app, plain)


def test_announcement_adds_the_open_licence_mode_and_withdrawal_removes_it(client, world):  # noqa: F811
    listing = factories.patent(world.university, world.tto, modes=(ConversionMode.ORDINARY_LICENCE,),
                          title="一种钙钛矿太阳能电池封装结构")

    link = f'href="/listings/{listing.id}"'

    def found(url: str) -> bool:
        return link in client.get(url).get_data(as_text=True)

    def facet_finds() -> bool:
        return found("/listings?mode=open_licence")

    assert not facet_finds()
    declaration = declarations.create_declaration(world.tto, listing, factories.declaration_terms())
    declarations.transition(world.tto, declaration, "submit")
    assert ConversionMode.OPEN_LICENCE not in listing.mode_set and not facet_finds()
    declarations.transition(world.tto, declaration, "announce", number="CN2026OL000777",
                            announced_on=date(2026, 3, 2))
    db.session.expire_all()
    assert listing.mode_set == {ConversionMode.ORDINARY_LICENCE, ConversionMode.OPEN_LICENCE}
    assert facet_finds()
    assert found("/listings?mode=open_licence&q=钙钛矿")

    declarations.transition(world.tto, declaration, "withdraw", reason="专利权已转让")
    db.session.expire_all()
    assert listing.mode_set == {ConversionMode.ORDINARY_LICENCE}
    assert not facet_finds()
    assert not found("/listings?mode=open_licence&q=钙钛矿")
    assert found("/listings?q=钙钛矿") and found("/listings?mode=ordinary_licence&q=钙钛矿")
