"""Every blueprint of the platform, in registration order, with the modules that add views to them.

Each blueprint is named after its package. A blueprint may take its views from several modules:
the accounts blueprint from ``accounts.routes`` and ``accounts.confirm_routes``, the interests'
from ``interests.routes`` and ``interests.manage_routes``, the action's from ``action.routes``
and the ``routes`` of its ``plans``, ``reports`` and ``dashboards`` sub-packages, the licences'
from ``licences.routes`` and ``licences.licence_routes``, the listings' from ``listings.routes``
and ``listings.suggest_routes``, and main's error handlers, health checks and workbench
actions from ``main.errors``, ``main.health_routes`` and ``main.workbench_routes``. Importing
them here registers those views before ``create_app`` registers the blueprints. (The
``imports`` blueprint is the ``listings.imports`` package's; ``live`` is ``events.live``'s.)
"""

from marketplace.accounts import confirm_routes as _confirm_routes  # noqa: F401  (views on accounts)
from marketplace.accounts.routes import bp as accounts_bp
from marketplace.action.dashboards import routes as _dashboard_routes  # noqa: F401  (views on action)
from marketplace.action.plans import routes as _plan_routes  # noqa: F401  (views on action)
from marketplace.action.reports import routes as _report_routes  # noqa: F401  (views on action)
from marketplace.action.routes import bp as action_bp
from marketplace.admin.routes import bp as admin_bp
from marketplace.alerts.routes import bp as alerts_bp
from marketplace.api.routes import bp as api_bp
from marketplace.disclosures.routes import bp as disclosures_bp
from marketplace.interests import manage_routes as _interest_manage_routes  # noqa: F401  (views on interests)
from marketplace.interests.routes import bp as interests_bp
from marketplace.ledger.routes import bp as ledger_bp
from marketplace.licences import licence_routes as _licence_routes  # noqa: F401  (views on licences)
from marketplace.licences.routes import bp as licences_bp
from marketplace.listings import suggest_routes as _suggest_routes  # noqa: F401  (views on listings)
from marketplace.listings.imports.routes import bp as imports_bp
from marketplace.listings.routes import bp as listings_bp
from marketplace.lists.routes import bp as lists_bp
from marketplace.main import errors as _errors  # noqa: F401  (error handlers on main)
from marketplace.main import health_routes as _health_routes  # noqa: F401  (views on main)
from marketplace.main import workbench_routes as _workbench_routes  # noqa: F401  (views on main)
from marketplace.main.routes import bp as main_bp
from marketplace.needs.routes import bp as needs_bp
from marketplace.notifications.routes import bp as notifications_bp
from marketplace.orgs.routes import bp as orgs_bp
from marketplace.payments.routes import bp as payments_bp
from marketplace.portfolio.routes import bp as portfolio_bp

#: The order in which ``create_app`` registers them.
BLUEPRINTS = (main_bp, accounts_bp, orgs_bp, admin_bp, listings_bp, imports_bp, lists_bp, api_bp,
              notifications_bp, interests_bp, alerts_bp, needs_bp, action_bp,
              licences_bp, payments_bp, ledger_bp, portfolio_bp, disclosures_bp)
