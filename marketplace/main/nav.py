"""Navigation by role. Features add their entries here; the layout shows what fits the user."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from marketplace.accounts.models import Role
from marketplace.notifications.services import peek_unread_count

ALL_ROLES = frozenset(Role)
MEMBER_ROLES = frozenset({Role.TTO, Role.INVENTOR, Role.INVESTOR, Role.COMPANY})


@dataclass(frozen=True)
class NavItem:
    label: object
    endpoint: str
    roles: frozenset
    #: The endpoint prefix that marks the item as current.
    active_prefix: str
    #: Shown to visitors who are not logged in too.
    public: bool = False


NAV_ITEMS: list[NavItem] = [
    NavItem(_l("Patents and achievements"), "listings.search", ALL_ROLES, "listings.search",
            public=True),
    NavItem(_l("Lists"), "lists.index", ALL_ROLES, "lists.index", public=True),
    NavItem(_l("Open licences"), "licences.index", ALL_ROLES, "licences.index", public=True),
    NavItem(_l("Technology needs"), "needs.index", ALL_ROLES, "needs.index", public=True),
    NavItem(_l("Workbench"), "main.dashboard", ALL_ROLES, "main.dashboard"),
    NavItem(_l("Our listings"), "listings.manage", frozenset({Role.TTO}), "listings.manage"),
    NavItem(_l("Our lists"), "lists.manage", frozenset({Role.TTO, Role.ADMIN}), "lists.manage"),
    NavItem(_l("My patents"), "listings.mine", frozenset({Role.INVENTOR}), "listings.mine"),
    NavItem(_l("Licences"), "licences.mine", frozenset({Role.TTO, Role.COMPANY}), "licences.mine"),
    NavItem(_l("Open-licence declarations"), "licences.manage", frozenset({Role.TTO, Role.ADMIN}),
            "licences.manage"),
    NavItem(_l("Payments"), "payments.manage", frozenset({Role.TTO}), "payments.manage"),
    NavItem(_l("Our payments"), "payments.mine", frozenset({Role.COMPANY, Role.INVESTOR}),
            "payments.mine"),
    NavItem(_l("My revenue"), "ledger.my_statement", frozenset({Role.INVENTOR}),
            "ledger.my_statement"),
    NavItem(_l("Our needs"), "needs.manage", frozenset({Role.COMPANY}), "needs.manage"),
    NavItem(_l("Matching needs"), "needs.matched", frozenset({Role.TTO}), "needs.matched"),
    NavItem(_l("Recommended for you"), "needs.recommendations", frozenset({Role.INVESTOR, Role.COMPANY}),
            "needs.recommendations"),
    NavItem(_l("Interests"), "interests.index", frozenset({Role.TTO, Role.COMPANY, Role.INVESTOR}),
            "interests."),
    NavItem(_l("Following"), "alerts.index", frozenset({Role.INVESTOR, Role.COMPANY}), "alerts."),
    NavItem(_l("My organisation"), "orgs.mine", MEMBER_ROLES, "orgs."),
    NavItem(_l("Typical cases"), "action.cases", ALL_ROLES, "action.cases", public=True),
    NavItem(_l("The action"), "action.index", frozenset({Role.TTO, Role.ADMIN}), "action."),
    NavItem(_l("Overview"), "admin.dashboard", frozenset({Role.ADMIN}), "admin.dashboard"),
    NavItem(_l("Verification queue"), "admin.organisations", frozenset({Role.ADMIN}),
            "admin.organisation"),
    NavItem(_l("Users"), "admin.users", frozenset({Role.ADMIN}), "admin.users"),
    NavItem(_l("Audit log"), "admin.audit", frozenset({Role.ADMIN}), "admin.audit"),
    NavItem(_l("Payments"), "payments.admin_overview", frozenset({Role.ADMIN}),
            "payments.admin_overview"),
]


def viewer_key(user) -> tuple | None:
    """Everything the layout (``base.html``) shows of the user: a page rendered for one viewer is
    reused for another request only while this is equal (``listings.cache.page``). None for
    visitors. Whatever the layout comes to read of the user must be added here."""
    if not user.is_authenticated:
        return None
    return (user.id, user.name, user.role, user.organisation_id, user.is_org_admin,
            peek_unread_count(user))


def items_for(user) -> list[NavItem]:
    """The navigation entries for a user (none for visitors)."""
    if not user.is_authenticated:
        return [item for item in NAV_ITEMS if item.public]
    if not user.email_confirmed:  # it may only edit its profile until it confirms (permissions)
        return []
    return [item for item in NAV_ITEMS if user.role in item.roles]
