"""Every model module of ``marketplace``, imported so the metadata (and Alembic) sees every table.

Extension packages (``events``) import their own models in their ``init_app``.
"""

from marketplace.accounts import models as _accounts  # noqa: F401
from marketplace.action import models as _action  # noqa: F401
from marketplace.action.reports import models as _action_reports  # noqa: F401
from marketplace.alerts import models as _alerts  # noqa: F401
from marketplace.audit import models as _audit  # noqa: F401
from marketplace.disclosures import models as _disclosures  # noqa: F401
from marketplace.interests import models as _interests  # noqa: F401
from marketplace.jobs import models as _jobs  # noqa: F401
from marketplace.ledger import models as _ledger  # noqa: F401
from marketplace.licences import models as _licences  # noqa: F401
from marketplace.listings import models as _listings  # noqa: F401
from marketplace.listings.imports import models as _imports  # noqa: F401
from marketplace.lists import models as _lists  # noqa: F401
from marketplace.needs import models as _needs  # noqa: F401
from marketplace.notifications import models as _notifications  # noqa: F401
from marketplace.orgs import models as _orgs  # noqa: F401
from marketplace.payments import models as _payments  # noqa: F401
from marketplace.portfolio import models as _portfolio  # noqa: F401
