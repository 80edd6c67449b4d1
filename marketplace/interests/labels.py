"""Labels for the interest enums, in the user's language."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp

from marketplace.interests.models import DeclineReason, InterestStatus, Timeline
from marketplace.listings.forms import MODE_LABELS
from marketplace.listings.models import ConversionMode

#: What an interest asks for: a listing's modes, with equity spelt out, and an investment.
INTENT_LABELS = {**MODE_LABELS, ConversionMode.EQUITY: _l("Equity investment (patent as capital)"),
                 ConversionMode.INVESTMENT: _l("Investment in the project")}
TIMELINE_LABELS = {
    Timeline.WITHIN_3_MONTHS: _l("Within 3 months"),
    Timeline.WITHIN_6_MONTHS: _l("Within 6 months"),
    Timeline.WITHIN_12_MONTHS: _l("Within 12 months"),
    Timeline.LATER: _l("Later than a year / exploring"),
}
STATUS_LABELS = {
    InterestStatus.NEW: _lp("interest status", "New"),
    InterestStatus.IN_DISCUSSION: _l("In discussion"),
    InterestStatus.NEGOTIATING: _l("Negotiating"),
    InterestStatus.DEAL: _l("Deal"),
    InterestStatus.DECLINED: _l("Declined"),
    InterestStatus.WITHDRAWN: _l("Withdrawn"),
}
REASON_LABELS = {
    DeclineReason.TOO_EARLY: _l("Too early"),
    DeclineReason.PRICE: _l("Price"),
    DeclineReason.FIELD_MISMATCH: _l("Field mismatch"),
    DeclineReason.ALREADY_COMMITTED: _l("Already committed to another party"),
    DeclineReason.OTHER: _l("Other"),
}
#: Thread timeline entries (InterestEvent.action).
EVENT_LABELS = {
    "created": _l("Expressed interest"),
    "in_discussion": _l("Accepted: in discussion"),
    "negotiating": _l("Moved to negotiating"),
    "deal": _l("Marked as a deal"),
    "declined": _l("Declined"),
    "withdrawn": _l("Withdrew the interest"),
    "contacts_shared": _l("Agreed to share contact details"),
    "nda_accepted": _l("Accepted the NDA"),
}
