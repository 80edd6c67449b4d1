"""Navigation by role, grouped by what people do. Features add their pages to a group here; the
layout shows each user the groups that hold a page for their role.

A group whose user sees one page only is shown as a plain link to it; a group with more opens a
small menu (``templates/_nav.html``, ``static/js/app.js``). No role has more than
``MAX_TOP_LEVEL`` top-level entries (a test holds every role to it).
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from marketplace.accounts.models import Role
from marketplace.notifications.services import peek_unread_count

ALL_ROLES = frozenset(Role)
MEMBER_ROLES = frozenset({Role.TTO, Role.INVENTOR, Role.INVESTOR, Role.COMPANY})
TTO = frozenset({Role.TTO})
BUYERS = frozenset({Role.INVESTOR, Role.COMPANY})
MAX_TOP_LEVEL = 7


@dataclass(frozen=True)
class NavItem:
    label: object
    endpoint: str
    roles: frozenset
    #: The endpoint prefix that marks the item as current.
    active_prefix: str
    #: Shown to visitors who are not logged in too.
    public: bool = False
    #: Only for members of a verified organisation (the page refuses the others).
    verified: bool = False

    def is_current(self, endpoint: str | None) -> bool:
        return bool(endpoint) and endpoint.startswith(self.active_prefix)


@dataclass
class NavGroup:
    key: str
    label: object
    #: Extension packages add theirs with ``add_items``.
    items: list[NavItem]
    #: The group's name for visitors, when what they see of it deserves a narrower one.
    visitor_label: object = None


@dataclass(frozen=True)
class NavEntry:
    """One top-level entry as a user sees it: a link (one item) or a menu of items."""

    key: str
    label: object
    items: tuple[NavItem, ...]

    @property
    def link(self) -> NavItem | None:
        return self.items[0] if len(self.items) == 1 else None

    def is_current(self, endpoint: str | None) -> bool:
        return any(item.is_current(endpoint) for item in self.items)


def nav_item(label, endpoint, roles, active_prefix=None, *, public=False, verified=False) -> NavItem:
    """A page of the menu; ``active_prefix`` (the endpoint by default) marks it current."""
    return NavItem(label, endpoint, frozenset(roles), active_prefix or endpoint, public, verified)


NAV_GROUPS: tuple[NavGroup, ...] = (
    NavGroup("workbench", _l("Workbench"), [
        nav_item(_l("Workbench"), "main.dashboard", ALL_ROLES),
    ]),
    NavGroup("discover", _l("Discover"), [
        nav_item(_l("Patents and achievements"), "listings.search", ALL_ROLES, public=True),
        nav_item(_l("Published lists"), "lists.index", ALL_ROLES, public=True),
        nav_item(_l("Technology needs"), "needs.index", ALL_ROLES, public=True),
        nav_item(_l("Typical cases"), "action.cases", ALL_ROLES, public=True),
        nav_item(_l("Recommended for you"), "needs.recommendations", BUYERS),
        nav_item(_l("Following and saved searches"), "alerts.index", BUYERS, "alerts."),
    ]),
    NavGroup("cooperation", _l("Cooperation"), [
        nav_item(_l("Interests"), "interests.index", {Role.TTO, Role.COMPANY, Role.INVESTOR},
                 "interests.index"),
        nav_item(_l("Pipeline"), "interests.pipeline_page", TTO, verified=True),
        nav_item(_l("Our needs"), "needs.manage", {Role.COMPANY}, verified=True),
        nav_item(_l("Matching needs"), "needs.matched", TTO, verified=True),
    ]),
    # The roadshows' pages are added by the ``events`` extension (``add_items``).
    NavGroup("roadshows", _l("Roadshows"), []),
    NavGroup("money", _l("Licences and payments"), [
        nav_item(_l("Open licences"), "licences.index", ALL_ROLES, public=True),
        nav_item(_l("Licences"), "licences.mine", {Role.TTO, Role.COMPANY, Role.INVENTOR}),
        nav_item(_l("Open-licence declarations"), "licences.manage", {Role.TTO, Role.ADMIN}, verified=True),
        nav_item(_l("Payments received"), "payments.manage", TTO, verified=True),
        nav_item(_l("Revenue statement"), "ledger.university_statement", TTO, verified=True),
        nav_item(_l("Revenue split and bank account"), "ledger.settings", TTO, verified=True),
        nav_item(lazy_pgettext("payments made by our organisation", "Payments made"), "payments.mine",
                 BUYERS),
        nav_item(_l("My revenue"), "ledger.my_statement", {Role.INVENTOR}),
        nav_item(_l("Payments"), "payments.admin_overview", {Role.ADMIN}),
        nav_item(_l("Verify an open-licence agreement"), "licences.verify_upload", ALL_ROLES,
                 "licences.verify", public=True),
    ], visitor_label=_l("Open licences")),
    NavGroup("university", _l("My university"), [
        nav_item(_l("Our listings"), "listings.manage", TTO, verified=True),
        nav_item(_l("My patents and achievements"), "listings.mine", {Role.INVENTOR}),
        nav_item(_l("Invention disclosures"), "disclosures.index", {Role.TTO, Role.INVENTOR},
                 "disclosures.", verified=True),
        nav_item(_l("Our lists"), "lists.manage", TTO, verified=True),
        nav_item(_l("Imports"), "imports.index", TTO, "imports.", verified=True),
        nav_item(_l("The Hundred Schools, Thousand Projects action"), "action.index", TTO,
                 "action.index", verified=True),
        nav_item(_l("Our dashboard"), "action.university_dashboard", TTO, verified=True),
        nav_item(_l("Secondary units"), "action.unit_list", TTO, verified=True),
        nav_item(_l("Annual fees due"), "portfolio.fees_due", TTO, verified=True),
        nav_item(_l("Our patent map against demand"), "portfolio.university_map", TTO, verified=True),
    ]),
    NavGroup("action", lazy_pgettext("navigation", "The action"), [
        nav_item(_l("The Hundred Schools, Thousand Projects action"), "action.index", {Role.ADMIN},
                 "action.index"),
        nav_item(_l("Plans and reports"), "action.review_queue", {Role.ADMIN}),
        nav_item(_l("Universities in the action"), "action.universities", {Role.ADMIN}),
        nav_item(_l("National dashboard"), "action.national_dashboard", {Role.ADMIN}),
        nav_item(_l("National patent map against demand"), "portfolio.national_map", {Role.ADMIN}),
        nav_item(_l("Our lists"), "lists.manage", {Role.ADMIN}),
    ]),
    NavGroup("admin", _l("Administration"), [
        nav_item(_l("Overview"), "admin.dashboard", {Role.ADMIN}),
        nav_item(_l("Verification queue"), "admin.organisations", {Role.ADMIN}, "admin.organisation"),
        nav_item(_l("Users"), "admin.users", {Role.ADMIN}),
        nav_item(_l("Audit log"), "admin.audit", {Role.ADMIN}),
    ]),
)


def add_items(group_key: str, *items: NavItem) -> None:
    """Add pages to a group (once: an endpoint already there is skipped)."""
    group = next(group for group in NAV_GROUPS if group.key == group_key)
    present = {item.endpoint for item in group.items}
    group.items.extend(item for item in items if item.endpoint not in present)


#: The user menu: one's own account and organisation (language and logout are forms beside them).
USER_ITEMS: tuple[NavItem, ...] = (
    nav_item(_l("Your profile"), "accounts.profile", ALL_ROLES, "accounts."),
    nav_item(_l("My organisation"), "orgs.mine", MEMBER_ROLES, "orgs."),
)


def viewer_key(user) -> tuple | None:
    """Everything the layout (``base.html``) shows of the user: a page rendered for one viewer is
    reused for another request only while this is equal (``listings.cache.page``). None for
    visitors. Whatever the layout comes to read of the user must be added here: the menus follow
    the role, whether the address is confirmed and whether the organisation is verified; the header
    shows the name and the bell."""
    if not user.is_authenticated:
        return None
    return (user.id, user.name, user.role, user.email_confirmed, user.organisation_id,
            _org_verified(user), user.is_org_admin, peek_unread_count(user))


def _org_verified(user) -> bool:
    return user.organisation is not None and user.organisation.status.is_verified


def _visible(user, item: NavItem) -> bool:
    if not user.is_authenticated:
        return item.public
    return (user.email_confirmed and user.role in item.roles
            and (not item.verified or user.role is Role.ADMIN or _org_verified(user)))


def entries_for(user) -> list[NavEntry]:
    """The top-level entries a user sees, each with the pages it holds for them."""
    entries = []
    for group in NAV_GROUPS:
        items = tuple(item for item in group.items if _visible(user, item))
        if not items:
            continue
        label = group.visitor_label if group.visitor_label and not user.is_authenticated else group.label
        entries.append(NavEntry(group.key, label, items))
    return entries


def user_items_for(user) -> list[NavItem]:
    """The pages of the user menu (profile stays open to an unconfirmed address)."""
    if not user.is_authenticated:
        return []
    return [item for item in USER_ITEMS
            if user.role in item.roles and (user.email_confirmed or item.endpoint == "accounts.profile")]


def items_for(user) -> list[NavItem]:
    """Every page the navigation offers a user, in menu order (the user menu's last)."""
    return [item for entry in entries_for(user) for item in entry.items] + user_items_for(user)
