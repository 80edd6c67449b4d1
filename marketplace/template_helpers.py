"""Template helpers: every filter, global and per-page value the templates use, registered once by
the factory (``init_app``). To find where a name a template uses comes from, look here.

- Filters: ``datetime`` (in the viewer's zone and language) and ``money`` (``¥1,234.50``).
- Globals: the label tables, and the functions templates call (``can``, ``interest_panel``, ...).
  Globals are seen inside imported macros too, with or without ``with context``.
- One context processor for what depends on the request: the navigation, the language, this
  page's path. A page the listings cache keeps per viewer (``listings.cache.page``) is rendered
  from these same values; whatever the layout comes to show of the user belongs in
  ``main.nav.viewer_key`` as well.

``events`` (which ``marketplace`` never imports) registers no helper of its own: its templates use
``fmt_time`` and ``now_utc`` from here.
"""

from flask import Flask
from flask_login import current_user

from marketplace import amounts, uploads
from marketplace.action.forms import CATEGORY_LABELS, PLAN_STATE_LABELS, REPORT_STATE_LABELS
from marketplace.db_types import utcnow
from marketplace.disclosures import labels as disclosure_labels
from marketplace.i18n import current_path, datetime_filter, fmt_time, html_lang, select_locale
from marketplace.interests.labels import INTENT_LABELS, REASON_LABELS, STATUS_LABELS, TIMELINE_LABELS
from marketplace.interests.panel import interest_panel
from marketplace.licences import labels as licence_labels
from marketplace.listings.forms import GRADE_LABELS, KIND_LABELS, LEGAL_LABELS, MODE_LABELS
from marketplace.listings.models import FIELDS
from marketplace.lists.forms import LIST_KIND_LABELS
from marketplace.main.nav import entries_for, user_items_for
from marketplace.needs import explain
from marketplace.notifications.services import unread_count
from marketplace.orgs.forms import ROLE_LABELS
from marketplace.permissions import can, can_see_contacts
from marketplace.public_urls import public_url, public_url_for

#: Label tables by the name templates use.
LABELS = {
    "ROLE_LABELS": ROLE_LABELS,
    # listings
    "KIND_LABELS": KIND_LABELS, "LEGAL_LABELS": LEGAL_LABELS, "MODE_LABELS": MODE_LABELS,
    "GRADE_LABELS": GRADE_LABELS, "FIELDS": FIELDS,
    # lists
    "LIST_KIND_LABELS": LIST_KIND_LABELS,
    # interests
    "INTEREST_STATUS_LABELS": STATUS_LABELS, "INTENT_LABELS": INTENT_LABELS,
    "TIMELINE_LABELS": TIMELINE_LABELS, "REASON_LABELS": REASON_LABELS,
    # the action
    "PLAN_STATE_LABELS": PLAN_STATE_LABELS, "REPORT_STATE_LABELS": REPORT_STATE_LABELS,
    "CATEGORY_LABELS": CATEGORY_LABELS,
    # open licences
    "DECLARATION_STATE_LABELS": licence_labels.DECLARATION_STATE_LABELS,
    "METHOD_LABELS": licence_labels.METHOD_LABELS, "BASE_LABELS": licence_labels.BASE_LABELS,
    "TRIGGER_LABELS": licence_labels.TRIGGER_LABELS,
    "LICENCE_STATE_LABELS": licence_labels.LICENCE_STATE_LABELS,
    "ROYALTY_REPORT_STATE_LABELS": licence_labels.ROYALTY_REPORT_STATE_LABELS,
    "AGREEMENT_LABELS": licence_labels.AGREEMENT_LABELS,
    # invention disclosures
    "DISCLOSURE_STATES": tuple(disclosure_labels.STATE_LABELS),
    "DISCLOSURE_STATE_LABELS": disclosure_labels.STATE_LABELS,
    "DISCLOSURE_STATE_TONES": disclosure_labels.STATE_TONES,
    "DISCLOSURE_DECISIONS": disclosure_labels.RECOMMENDATION_LABELS,
    "PUBLICATION_LABELS": disclosure_labels.PUBLICATION_LABELS,
    "FILING_OUTCOME_LABELS": disclosure_labels.OUTCOME_LABELS,
    "FILING_KIND_LABELS": disclosure_labels.FILING_KINDS,
}


def notification_unread() -> int:
    """The header bell's number; only queried when the header is drawn."""
    if not current_user.is_authenticated:
        return 0
    return unread_count(current_user)


#: Functions templates call.
FUNCTIONS = {
    "can": can,
    "can_see_contacts": can_see_contacts,
    "interest_panel": interest_panel,
    "notification_unread": notification_unread,
    "explain": explain.sentences,
    "fmt_time": fmt_time,
    "now_utc": utcnow,
    "public_url_for": public_url_for,
    "public_url": public_url,
    # The one upload limit, for the file fields (``_macros.html`` ``field``, uploads.js).
    "upload_max_bytes": uploads.max_bytes,
    "upload_max_mb": uploads.max_mb,
    "upload_too_large": uploads.too_large_message,
}


def init_app(app: Flask) -> None:
    """Register the filters, globals and the context processor with ``app``."""
    app.add_template_filter(datetime_filter, "datetime")
    app.add_template_filter(amounts.display, "money")
    app.jinja_env.globals.update(LABELS)
    app.jinja_env.globals.update(FUNCTIONS)

    @app.context_processor
    def page_context() -> dict:
        locale = select_locale()
        return {
            "nav_entries": entries_for(current_user),
            "user_nav_items": user_items_for(current_user),
            "current_locale": locale,
            "html_lang": html_lang(locale),
            "languages": app.config["LANGUAGES"],
            "current_path": current_path(),
        }
