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
    "roadshow.created": _l("Roadshow created"),
    "roadshow.updated": _l("Roadshow edited"),
    "roadshow.agenda_changed": _l("Roadshow agenda changed"),
    "roadshow.published": _l("Roadshow published"),
    "roadshow.live": _l("Roadshow went live"),
    "roadshow.ended": _l("Roadshow ended"),
    "roadshow.cancelled": _l("Roadshow cancelled"),
    "roadshow.moderator_added": _l("Roadshow moderator added"),
    "roadshow.moderator_removed": _l("Roadshow moderator removed"),
    "roadshow.registered": _l("Registered for a roadshow"),
    "roadshow.registration_approved": _l("Roadshow registration approved"),
    "roadshow.registration_rejected": _l("Roadshow registration rejected"),
    "roadshow.registration_cancelled": _l("Roadshow registration cancelled"),
    "roadshow.registration_promoted": _l("Promoted from a roadshow's waiting list"),
    "live.present_listing": _l("Live room: listing presented"),
    "live.open_qa": _l("Live room: Q&A opened"),
    "live.close_qa": _l("Live room: Q&A closed"),
    "live.moderation_on": _l("Live room: questions need approval"),
    "live.moderation_off": _l("Live room: questions shown at once"),
    "live.approve": _l("Live room: question approved"),
    "live.hide": _l("Live room: question hidden"),
    "live.restore": _l("Live room: question shown again"),
    "live.answer": _l("Live room: question answered"),
    "live.edit_answer": _l("Live room: answer edited"),
    "live.pin": _l("Live room: question pinned"),
    "live.unpin": _l("Live room: question unpinned"),
    "live.open_poll": _l("Live room: poll started"),
    "live.close_poll": _l("Live room: poll closed"),
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
