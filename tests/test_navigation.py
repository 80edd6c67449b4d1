"""Navigation by task: at most seven top-level entries per role, every page the menu offered before
still in it, labels that match the pages they open, and the user menu."""

import re
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from flask import url_for

from marketplace.accounts.models import Role
from marketplace.main import nav
from marketplace.orgs.models import OrgStatus
from tests.conftest import login, zh

PUBLIC = ("listings.search", "lists.index", "licences.index", "needs.index", "action.cases",
          "events.index")
#: The pages the menu offered each role before it was grouped by task (issue 15).
OLD_MENU = {
    None: PUBLIC,
    Role.TTO: PUBLIC + ("main.dashboard", "listings.manage", "lists.manage", "licences.mine",
                        "licences.manage", "payments.manage", "needs.matched", "interests.index",
                        "orgs.mine", "action.index", "events.manage"),
    Role.INVENTOR: PUBLIC + ("main.dashboard", "listings.mine", "ledger.my_statement", "orgs.mine",
                             "events.mine"),
    Role.INVESTOR: PUBLIC + ("main.dashboard", "payments.mine", "needs.recommendations",
                             "interests.index", "alerts.index", "orgs.mine", "events.mine"),
    Role.COMPANY: PUBLIC + ("main.dashboard", "licences.mine", "payments.mine", "needs.manage",
                            "needs.recommendations", "interests.index", "alerts.index", "orgs.mine",
                            "events.mine"),
    Role.ADMIN: PUBLIC + ("lists.manage", "licences.manage", "action.index", "admin.dashboard",
                          "admin.organisations", "admin.users", "admin.audit",
                          "payments.admin_overview"),
}
ROLES = [None, Role.TTO, Role.INVENTOR, Role.INVESTOR, Role.COMPANY, Role.ADMIN]
IDS = ["visitor", "tto", "inventor", "investor", "company", "admin"]
#: Pages whose title is the object's own name rather than the menu's word for them.
TITLED_BY_OBJECT = {"orgs.mine"}


class Header(HTMLParser):
    """The header's navigation: top-level entries, every link (href, text) and the user menu."""

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, dict]] = []
        self.top_level = 0
        self.links: list[tuple[str, str]] = []
        self.user_links: list[tuple[str, str]] = []
        self.user_buttons: list[str] = []
        self.who = ""
        self._text: list[str] | None = None
        self._where = None

    def _inside(self, **attrs) -> bool:
        return any(all(a.get(k) == v for k, v in attrs.items()) for _, a in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "li" and self.stack and self.stack[-1][1].get("class") == "nav-main":
            self.top_level += 1
        if tag == "a" and self._inside(id="site-nav"):
            self._text, self._where = [], ("user" if self._inside(id="nav-menu-user") else "main",
                                           attrs["href"])
        if tag == "button" and "who" in (attrs.get("class") or ""):
            self._text, self._where = [], ("who", None)
        elif tag == "button" and self._inside(id="nav-menu-user"):
            self._text, self._where = [], ("user-button", None)
        if tag not in ("input", "br", "img", "meta", "link", "path"):
            self.stack.append((tag, attrs))

    def handle_endtag(self, tag):
        if self._text is not None and tag in ("a", "button"):
            text = " ".join("".join(self._text).split())
            kind, href = self._where
            if kind == "who":
                self.who = text
            elif kind == "user-button":
                self.user_buttons.append(text)
            else:
                (self.user_links if kind == "user" else self.links).append((href, text))
            self._text = None
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)


def header_of(html: str) -> Header:
    parser = Header()
    parser.feed(html[html.index("<header"):html.index("</header>") + 9])
    return parser


@pytest.fixture
def person(request, app, client, auth, make_user):
    role = request.param
    if role is None:
        return None
    return login(auth, make_user(role))


def page_title(html: str) -> str:
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    return title.split(" · ")[0].strip()


@pytest.mark.parametrize("person", ROLES, ids=IDS, indirect=True)
def test_each_role_has_at_most_seven_entries_holding_every_page_it_had(app, client, person):
    html = client.get("/").get_data(as_text=True)
    header = header_of(html)
    role = person.role if person else None
    assert 1 <= header.top_level <= nav.MAX_TOP_LEVEL
    with app.test_request_context():
        offered = {href for href, _ in header.links + header.user_links}
        missing = [e for e in OLD_MENU[role] if url_for(e) not in offered]
    assert not missing, f"no longer in the menu: {missing}"
    # No page is offered twice, and every one opens for this role.
    hrefs = [href for href, _ in header.links + header.user_links]
    assert len(hrefs) == len(set(hrefs))
    for href in hrefs:
        response = client.get(href, follow_redirects=True)
        assert response.status_code == 200, href


@pytest.mark.parametrize("person", ROLES, ids=IDS, indirect=True)
def test_menu_labels_are_the_titles_of_the_pages_they_open(app, client, person):
    header = header_of(client.get("/").get_data(as_text=True))
    with app.test_request_context():
        skip = {url_for(endpoint) for endpoint in TITLED_BY_OBJECT}
    wrong = []
    for href, label in header.links + header.user_links:
        if href in skip:
            continue
        title = page_title(client.get(href).get_data(as_text=True))
        if label != title:
            wrong.append((href, label, title))
    assert not wrong


def test_receipts_and_payments_are_named_for_who_pays(app, client, auth, make_user):
    login(auth, make_user(Role.TTO))
    labels = dict(header_of(client.get("/").get_data(as_text=True)).links)
    assert labels["/manage/payments"] == zh("Payments received") == "收款"
    auth.logout()
    login(auth, make_user(Role.COMPANY))
    labels = dict(header_of(client.get("/").get_data(as_text=True)).links)
    assert labels["/my/payments"] == "付款记录"
    assert "我们的付款" not in client.get("/my/payments").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.TTO, Role.INVENTOR, Role.INVESTOR, Role.COMPANY, Role.ADMIN])
def test_user_menu_shows_the_name_once_and_holds_the_account(app, client, auth, make_user, role):
    person = login(auth, make_user(role, name="欧阳明"))
    html = client.get("/listings").get_data(as_text=True)
    header = header_of(html)
    assert header.who.endswith("欧阳明")
    head = html[html.index("<header"):html.index("</header>")]
    assert head.count("欧阳明") == 1
    with app.test_request_context():
        user_hrefs = [href for href, _ in header.user_links]
        assert url_for("accounts.profile") in user_hrefs
        assert (url_for("orgs.mine") in user_hrefs) is (role is not Role.ADMIN)
    assert header.user_buttons == ["中文", "English", zh("Log out")]
    assert 'class="bell' in head and head.index('class="bell') < head.index('id="site-nav"')
    assert person.email not in head


def test_header_names_no_role(app, client, auth, make_user):
    from marketplace.template_helpers import LABELS

    login(auth, make_user(Role.TTO, name="欧阳明"))
    html = client.get("/listings").get_data(as_text=True)
    head = html[html.index("<header"):html.index("</header>")]
    assert str(LABELS["ROLE_LABELS"][Role.TTO]) not in head


def test_unconfirmed_account_is_offered_its_profile_only(app, client, auth, make_user):
    login(auth, make_user(Role.COMPANY, email_confirmed_at=None))
    response = client.get("/account/profile")
    assert response.status_code == 200
    header = header_of(response.get_data(as_text=True))
    assert header.top_level == 0 and not header.links
    assert [href for href, _ in header.user_links] == ["/account/profile"]


def test_current_page_is_marked_in_its_group(app, client, auth, make_user):
    login(auth, make_user(Role.TTO))
    html = client.get("/manage/payments").get_data(as_text=True)
    head = html[html.index("<header"):html.index("</header>")]
    assert re.search(r'class="nav-group-toggle current"[^>]*aria-controls="nav-menu-money"', head)
    assert '<a href="/manage/payments" aria-current="page">' in head
    assert head.count('aria-current="page"') == 1


def test_every_role_fits_in_seven_entries(app):
    class Person:
        is_authenticated = True
        email_confirmed = True
        organisation = SimpleNamespace(status=OrgStatus.VERIFIED)

    for role in Role:
        person = Person()
        person.role = role
        assert len(nav.entries_for(person)) <= nav.MAX_TOP_LEVEL, role


@pytest.mark.parametrize("role", [Role.TTO, Role.INVENTOR, Role.INVESTOR, Role.COMPANY])
def test_an_unverified_organisation_is_offered_no_page_that_refuses_it(app, client, auth, make_user,
                                                                       role):
    login(auth, make_user(role, org_status=OrgStatus.PENDING))
    header = header_of(client.get("/").get_data(as_text=True))
    hrefs = [href for href, _ in header.links + header.user_links]
    assert "/dashboard" in hrefs and "/org" in hrefs
    refused = [href for href in hrefs if client.get(href, follow_redirects=True).status_code != 200]
    assert not refused
    if role is Role.TTO:
        assert "/manage/listings" not in hrefs and "/interests" in hrefs
