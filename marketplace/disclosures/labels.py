"""The words for the disclosures' states, decisions and kinds, in the reader's language."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp

from marketplace.disclosures.models import (
    DisclosureState,
    FilingOutcome,
    PublicationKind,
    Recommendation,
)

STATE_LABELS = {
    DisclosureState.DRAFT: _lp("disclosure state", "Draft"),
    DisclosureState.SUBMITTED: _lp("disclosure state", "Submitted"),
    DisclosureState.UNDER_ASSESSMENT: _l("Under assessment"),
    DisclosureState.DECIDED: _lp("disclosure state", "Decided"),
}
STATE_TONES = {DisclosureState.DRAFT: "info", DisclosureState.SUBMITTED: "wait",
               DisclosureState.UNDER_ASSESSMENT: "wait", DisclosureState.DECIDED: "ok"}
RECOMMENDATION_LABELS = {
    Recommendation.FILE_INVENTION: _l("File an invention patent application"),
    Recommendation.FILE_UTILITY_MODEL: _l("File a utility model application"),
    Recommendation.KNOW_HOW: _l("Keep as know-how"),
    Recommendation.PUBLISH: _l("Publish without filing"),
    Recommendation.DROP: _l("Do not pursue"),
}
PUBLICATION_LABELS = {
    PublicationKind.CONFERENCE: _l("Conference"),
    PublicationKind.PAPER: _l("Paper"),
    PublicationKind.THESIS: _l("Thesis"),
}
OUTCOME_LABELS = {
    FilingOutcome.PENDING: _l("Under examination"),
    FilingOutcome.GRANTED: _lp("patent application", "Granted"),
    FilingOutcome.REFUSED: _lp("patent application", "Refused"),
}
#: The patent types a disclosure may be filed as (``ListingKind`` values).
FILING_KINDS = {"invention": _l("Invention patent"), "utility_model": _l("Utility model patent")}
#: The filing type each decision to file implies.
KIND_OF_DECISION = {Recommendation.FILE_INVENTION: "invention",
                    Recommendation.FILE_UTILITY_MODEL: "utility_model"}
