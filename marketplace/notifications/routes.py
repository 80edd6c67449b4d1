"""The notifications page and the header bell."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select

from marketplace.http import load_or_404, safe_next
from marketplace.notifications import services
from marketplace.notifications.models import Notification
from marketplace.pagination import paginate

bp = Blueprint("notifications", __name__)


@bp.route("/notifications")
@login_required
def index():
    """Your notifications, newest first."""
    query = (select(Notification).where(Notification.user_id == current_user.id)
             .order_by(Notification.created_at.desc(), Notification.id.desc()))
    page = paginate(query, per_page=30)
    return render_template("notifications/index.html", page=page,
                           unread=services.unread_count(current_user))


def _own(notification_id: int) -> Notification:
    notification = load_or_404(Notification, notification_id, user_id=current_user.id)
    return notification


@bp.route("/notifications/<int:notification_id>/open", methods=["POST"])
@login_required
def open_(notification_id):
    """Mark a notification read and go to what it is about."""
    notification = _own(notification_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    services.mark_read(current_user, notification)
    return redirect(safe_next(notification.link) or url_for("notifications.index"))


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@login_required
def mark_read(notification_id):
    """Mark one notification read."""
    notification = _own(notification_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    services.mark_read(current_user, notification)
    return redirect(url_for("notifications.index"))


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def mark_all_read():
    """Mark all your notifications read."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    count = services.mark_all_read(current_user)
    flash(_("%(count)d notifications marked as read.", count=count) if count
          else _("Nothing was unread."), "info")
    return redirect(url_for("notifications.index"))
