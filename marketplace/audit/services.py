"""Recording audit events. Callers commit together with the change they audit."""

from flask import has_request_context, request
from flask_babel import lazy_gettext as _l

from marketplace.audit.models import AuditEvent
from marketplace.extensions import db

#: Every event name the platform records, with its label for the admin page.
EVENTS = {
    "auth.register": _l("Registered"),
    "auth.login": _l("Logged in"),
    "auth.login_failed": _l("Failed login"),
    "auth.login_locked": _l("Login locked out"),
    "auth.logout": _l("Logged out"),
    "auth.password_reset_requested": _l("Password reset requested"),
    "auth.password_reset": _l("Password reset"),
    "auth.password_changed": _l("Password changed"),
    "user.role_changed": _l("Role changed"),
    "user.deactivated": _l("Account deactivated"),
    "user.reactivated": _l("Account reactivated"),
    "org.created": _l("Organisation created"),
    "org.resubmitted": _l("Organisation resubmitted for verification"),
    "org.verified": _l("Organisation verified"),
    "org.rejected": _l("Organisation rejected"),
    "org.invitation_sent": _l("Invitation sent"),
    "org.invitation_revoked": _l("Invitation revoked"),
    "org.member_joined": _l("Member joined"),
    "org.member_removed": _l("Member removed"),
    "listing.created": _l("Listing created"),
    "listing.updated": _l("Listing edited"),
    "listing.published": _l("Listing published"),
    "listing.suspended": _l("Listing suspended"),
    "listing.reinstated": _l("Listing reinstated"),
    "listing.converted": _l("Listing marked converted"),
    "listing.withdrawn": _l("Listing withdrawn"),
    "listing.attachment_added": _l("Attachment added"),
    "listing.attachment_removed": _l("Attachment removed"),
    "list.created": _l("List created"),
    "list.published": _l("List version published"),
    "list.updated": _l("List edited"),
    "list.item_added": _l("Listing added to a list"),
    "list.item_removed": _l("Listing removed from a list"),
    "import.uploaded": _l("Import file uploaded"),
    "import.completed": _l("Listings imported"),
    "import.discarded": _l("Import discarded"),
    "action.batch_created": _l("Action batch created"),
    "action.batch_updated": _l("Action batch changed"),
    "action.category_set": _l("University category set"),
    "action.enrolled": _l("University enrolled in a batch"),
    "action.plan_updated": _l("Implementation plan edited"),
    "action.plan_project_saved": _l("Key project saved"),
    "action.plan_project_removed": _l("Key project removed"),
    "action.plan_submitted": _l("Implementation plan submitted"),
    "action.plan_resubmitted": _l("Implementation plan resubmitted"),
    "action.plan_returned": _l("Implementation plan returned for revision"),
    "action.plan_approved": _l("Implementation plan approved"),
    "action.report_started": _l("Annual report started"),
    "action.report_updated": _l("Annual report edited"),
    "action.report_submitted": _l("Annual report submitted"),
    "action.report_returned": _l("Annual report returned for revision"),
    "action.report_approved": _l("Annual report approved"),
    "action.case_added": _l("Typical case added"),
    "action.case_removed": _l("Typical case removed"),
    "action.unit_created": _l("Secondary unit created"),
    "action.unit_removed": _l("Secondary unit removed"),
    "action.units_assigned": _l("Listings given a secondary unit"),
    "open_licence.created": _l("Open-licence declaration drafted"),
    "open_licence.updated": _l("Open-licence declaration edited"),
    "open_licence.submitted": _l("Open-licence declaration submitted"),
    "open_licence.announced": _l("Open-licence announcement recorded"),
    "open_licence.withdrawn": _l("Open-licence declaration withdrawn"),
    "open_licence.accepted": _l("Open licence accepted and signed"),
    "open_licence.effective": _l("Open licence took effect"),
    "open_licence.converted": _l("Trial licence converted to a paid licence"),
    "open_licence.first_revenue": _l("Trial licence: first revenue reported"),
    "open_licence.payment_overdue": _l("Licence payment overdue"),
    "open_licence.payment_after_end": _l("Payment received for an ended licence"),
    "open_licence.trial_exited": _l("Trial licence exited"),
    "open_licence.terminated": _l("Licence terminated"),
    "open_licence.recorded": _l("Licence recorded with CNIPA"),
    "royalty.reported": _l("Royalty report filed"),
    "royalty.paid": _l("Royalty paid"),
    "royalty.refunded": _l("Royalty refunded"),
    "agreement.recorded": _l("Agreement recorded on a listing"),
    "agreement.terminated": _l("Recorded agreement ended"),
    "payment.started": _l("Payment started"),
    "payment.succeeded": _l("Payment received"),
    "payment.failed": _l("Payment failed"),
    "payment.cancelled": _l("Payment cancelled"),
    "payment.refunded": _l("Payment refunded"),
    "payment.mismatch": _l("Payment provider data did not match"),
    "ledger.split_changed": _l("Revenue split changed"),
    "ledger.shares_changed": _l("Inventor shares changed"),
}


def record(event: str, *, actor=None, actor_email: str | None = None, target=None, **details) -> AuditEvent:
    """Add an audit event to the current transaction; the calling service commits it."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}")
    entry = AuditEvent(
        event=event,
        actor_id=actor.id if actor is not None else None,
        actor_email=actor_email or (actor.email if actor is not None else None),
        target_type=type(target).__tablename__ if target is not None else None,
        target_id=target.id if target is not None else None,
        details={key: value for key, value in details.items() if value is not None},
    )
    if has_request_context():
        entry.ip = request.remote_addr
        entry.user_agent = (request.user_agent.string or "")[:255]
    db.session.add(entry)
    return entry
