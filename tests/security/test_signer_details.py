"""Issue 13 §11: the address and browser recorded when an open licence is signed are shown only to
the organisations' administrators and technology-transfer officers (and platform admins), never to
inventors or other plain members of either side."""

import pytest

from marketplace.accounts.models import Role
from marketplace.licences import agreement, licensing
from marketplace.permissions import can
from tests import factories
from tests.conftest import PASSWORD, post
from tests.licences_support import world  # noqa: F401  (fixture)

SIGNER_IP = "198.51.100.23"
SIGNER_BROWSER = "Mozilla/5.0 (X11; Linux x86_64) SignerBrowser/117.0"


@pytest.fixture
def licence(world):  # noqa: F811
    declaration = factories.declaration(world.tto, world.listing)
    reviewed = licensing.review(world.buyer, declaration, False)
    return licensing.accept(world.buyer, declaration, signer_name="赵敏", signer_title="研发总监",
                            consent=True, trial=False,
                            reviewed_sha256=agreement.digest(agreement.canonical(reviewed)),
                            ip=SIGNER_IP, user_agent=SIGNER_BROWSER)


def viewer(world, make_user, who):  # noqa: F811
    return {
        "licensor tto": lambda: world.tto,
        "licensee org admin": lambda: world.buyer,
        "platform admin": lambda: world.admin,
        "inventor of the licensor": lambda: make_user(Role.INVENTOR, org=world.university,
                                                      is_org_admin=False),
        "plain member of the licensee": lambda: make_user(Role.COMPANY, org=world.company,
                                                          is_org_admin=False),
    }[who]()


@pytest.mark.parametrize(("who", "sees"), [
    ("licensor tto", True),
    ("licensee org admin", True),
    ("platform admin", True),
    ("inventor of the licensor", False),
    ("plain member of the licensee", False),
])
def test_signer_address_and_browser(client, world, licence, make_user, who, sees):  # noqa: F811
    user = viewer(world, make_user, who)
    assert post(client, "/auth/login", {"email": user.email, "password": PASSWORD}).status_code == 302
    page = client.get(f"/licences/{licence.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    document = client.get(f"/licences/{licence.id}/agreement.json")
    if sees:
        assert SIGNER_IP in html and SIGNER_BROWSER in html
        assert document.status_code == 200
        assert document.json["signature"]["ip"] == SIGNER_IP
    else:
        assert SIGNER_IP not in html and "SignerBrowser" not in html
        assert document.status_code == 403
        assert SIGNER_IP not in document.get_data(as_text=True)
        # What the agreement says is still there for them, and its fingerprint to verify it by.
        assert "专利开放许可协议" in html and licence.sha256 in html


def test_the_predicate(world, licence, make_user):  # noqa: F811
    assert can("licences.see_signer_details", licence, user=world.tto)
    assert can("licences.see_signer_details", licence, user=world.buyer)
    assert can("licences.see_signer_details", licence, user=world.admin)
    inventor = make_user(Role.INVENTOR, org=world.university, is_org_admin=False)
    assert not can("licences.see_signer_details", licence, user=inventor)
    assert not can("licences.see_signer_details", licence, user=world.other_buyer)
    # An org admin of a third organisation is no party at all.
    assert not can("licences.see_signer_details", licence, user=make_user(Role.TTO))
