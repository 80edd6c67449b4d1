"""The workbench (``/dashboard``): for each user, what waits for their action, newest first.

One module per role (``tto``, ``inventor``, ``members`` for companies and investors, ``admin``)
builds its sections from the same queries as the list pages behind them (see ``core``).
"""

from marketplace.accounts.models import Role
from marketplace.main.workbench import admin, inventor, members, tto
from marketplace.main.workbench import demo as _demo  # noqa: F401  (adds the demo to-dos loader)
from marketplace.main.workbench import disclosures as _disclosures  # noqa: F401  (its sections)
from marketplace.main.workbench.core import Item, Section, build, contributes

__all__ = ["Item", "Section", "contributes", "sections_for"]


def sections_for(user) -> list[Section]:
    """The workbench of ``user``, by role (a member without a verified organisation has none)."""
    if user.role is Role.ADMIN:
        return build(admin.AUDIENCE, user)
    if not user.org_verified:
        return []
    if user.role is Role.TTO:
        return build(tto.AUDIENCE, user)
    if user.role is Role.INVENTOR:
        return build(inventor.AUDIENCE, user)
    return build(members.AUDIENCE, user)
