"""Views of the e-mail confirmation: the page that asks for it, the mailed link, the link again."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts import confirmation
from marketplace.accounts.routes import bp
from marketplace.extensions import limiter
from marketplace.http import me


def _resend_key() -> str:
    who = current_user.id if current_user.is_authenticated else request.remote_addr
    return f"confirm-resend:{who}"


def _resend_limit() -> str:
    return current_app.config["EMAIL_CONFIRM_RESEND_LIMIT"]


def _resend_refused() -> str:
    return _("You have asked for the link several times this hour. Check your spam folder, then "
             "try again later.")


@bp.route("/auth/confirm")
@login_required
def confirm_notice():
    """Ask the account to confirm its e-mail address, with a button to send the link again."""
    if current_user.email_confirmed:
        return redirect(url_for("main.dashboard"))
    return render_template("accounts/confirm_notice.html")


@bp.route("/auth/confirm/<token>")
def confirm_email(token):
    """Confirm the address from the mailed link (signed, expiring, bound to the address)."""
    user = confirmation.user_for_token(token)
    if user is None:
        return render_template("accounts/confirm_invalid.html"), 400
    if confirmation.confirm(user):
        flash(_("Thank you: your e-mail address is confirmed."), "success")
    else:
        flash(_("Your e-mail address was confirmed already."), "info")
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    return redirect(url_for("accounts.login"))


@bp.route("/auth/confirm/resend", methods=["POST"])
@login_required
@limiter.limit(_resend_limit, key_func=_resend_key, error_message=_resend_refused)
def resend_confirmation():
    """Mail the confirmation link again."""
    if not confirmation.resend_link(me()):
        flash(_("Your e-mail address was confirmed already."), "info")
        return redirect(url_for("main.dashboard"))
    flash(_("A new link is on its way to %(email)s.", email=current_user.email), "info")
    return redirect(url_for("accounts.confirm_notice"))
