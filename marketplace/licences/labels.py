"""Labels of the open-licence enums, for pages and forms (templates get them from
``marketplace.template_helpers``)."""

from flask_babel import lazy_gettext as _l

from marketplace.licences.models import (
    AgreementKind,
    DeclarationState,
    LicenceState,
    PaymentMethod,
    ReportState,
    RoyaltyBase,
    TrialTrigger,
)

DECLARATION_STATE_LABELS = {
    DeclarationState.DRAFT: _l("Draft"),
    DeclarationState.SUBMITTED: _l("Submitted to CNIPA"),
    DeclarationState.ANNOUNCED: _l("Announced"),
    DeclarationState.WITHDRAWN: _l("Withdrawn"),
}
METHOD_LABELS = {
    PaymentMethod.LUMP_SUM: _l("Lump sum"),
    PaymentMethod.ROYALTY: _l("Royalty"),
    PaymentMethod.ENTRY_PLUS_ROYALTY: _l("Entry fee plus royalty"),
    PaymentMethod.FREE: _l("Free of charge"),
}
BASE_LABELS = {RoyaltyBase.NET_SALES: _l("net sales"), RoyaltyBase.PROFIT: _l("profit")}
TRIGGER_LABELS = {
    TrialTrigger.TRIAL_END: _l("at the end of the trial"),
    TrialTrigger.FIRST_REVENUE: _l("after the first revenue (at the latest at the end of the trial)"),
}
LICENCE_STATE_LABELS = {
    LicenceState.AWAITING_PAYMENT: _l("Awaiting payment"),
    LicenceState.TRIAL: _l("Trial"),
    LicenceState.PAYMENT_OVERDUE: _l("Payment overdue"),
    LicenceState.EFFECTIVE: _l("In force"),
    LicenceState.EXITED: _l("Trial ended without conversion"),
    LicenceState.TERMINATED: _l("Terminated"),
}
ROYALTY_REPORT_STATE_LABELS = {ReportState.DUE: _l("Royalty due"), ReportState.PAID: _l("Paid"),
                       ReportState.NIL: _l("Nothing due")}
AGREEMENT_LABELS = {
    AgreementKind.ORDINARY_LICENCE: _l("ordinary licence"),
    AgreementKind.SOLE_LICENCE: _l("sole licence"),
    AgreementKind.EXCLUSIVE_LICENCE: _l("exclusive licence"),
    AgreementKind.TRANSFER: _l("transfer"),
    AgreementKind.EQUITY: _l("equity investment"),
}
