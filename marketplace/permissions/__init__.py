"""Who may do what: the one place every view, service and template asks.

- ``core`` holds the mechanism: ``can(action, obj)`` (templates too), ``check(action, obj,
  actor=...)`` for services (raises ``NotAllowed`` with the rule's message), ``permission_required``
  and the other view decorators, and the guard for "a member with this role of a verified
  organisation of this kind", written once.
- One module per area (``listings``, ``payments``, …) holds that area's rules, each registered with
  ``@rule("area.action")``. The rule for an action lives in exactly one of these files; the
  ``events`` package registers its rules from ``events/permissions.py`` (``marketplace`` never
  imports ``events``).
"""

from marketplace.permissions.core import *  # noqa: F403 - the package's public interface
from marketplace.permissions.core import __all__  # noqa: F401

# isort: split
# Each area's rules register themselves when their module is imported (one line per area).
from marketplace.permissions import accounts as _accounts  # noqa: E402,F401
from marketplace.permissions import action as _action  # noqa: E402,F401
from marketplace.permissions import alerts as _alerts  # noqa: E402,F401
from marketplace.permissions import disclosures as _disclosures  # noqa: E402,F401
from marketplace.permissions import interests as _interests  # noqa: E402,F401
from marketplace.permissions import jobs as _jobs  # noqa: E402,F401
from marketplace.permissions import ledger as _ledger  # noqa: E402,F401
from marketplace.permissions import licences as _licences  # noqa: E402,F401
from marketplace.permissions import listings as _listings  # noqa: E402,F401
from marketplace.permissions import lists as _lists  # noqa: E402,F401
from marketplace.permissions import needs as _needs  # noqa: E402,F401
from marketplace.permissions import orgs as _orgs  # noqa: E402,F401
from marketplace.permissions import payments as _payments  # noqa: E402,F401
from marketplace.permissions import portfolio as _portfolio  # noqa: E402,F401
