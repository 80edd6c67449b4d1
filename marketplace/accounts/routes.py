"""Views for registration, login, logout, password reset, the profile and mail unsubscribing."""

from flask import Blueprint, current_app, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import refresh as refresh_locale
from flask_login import current_user, login_required

from marketplace.accounts import mailings
from marketplace.accounts import services as accounts
from marketplace.accounts.forms import (
    ChangePasswordForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from marketplace.errors import ServiceError
from marketplace.extensions import csrf, limiter
from marketplace.http import flash_service_error, me, render_form, safe_next
from marketplace.orgs import services as orgs
from marketplace.orgs.models import OrgKind

bp = Blueprint("accounts", __name__)


def _reset_email_key() -> str:
    return "reset-email:" + accounts.normalise_email(request.form.get("email", ""))[:254]


def _reset_address_limit() -> str:
    return f"{current_app.config['PASSWORD_RESET_ADDRESS_LIMIT']} per hour"


def _reset_account_limit() -> str:
    return f"{current_app.config['PASSWORD_RESET_ACCOUNT_LIMIT']} per hour"


@bp.route("/auth/register", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def register():
    """Sign up and register an organisation for verification."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = orgs.register_with_organisation(
                email=form.email.data, password=form.password.data, name=form.name.data,
                org_kind=OrgKind(form.org_kind.data), org_name=form.org_name.data,
                credit_code=form.credit_code.data, province=form.province.data,
                city=form.city.data, documents=form.documents())
        except orgs.DocumentRefused as error:
            form[error.kind.value].errors.append(error.message)
            return render_form("accounts/register.html", form, status=error.status_code)
        except ServiceError as error:
            flash_service_error(error)
            return render_form("accounts/register.html", form, status=error.status_code)
        accounts.start_session(user)
        flash(_("Welcome! Open the link we sent to %(email)s to confirm your address. Your "
                "organisation has been submitted for verification.", email=user.email), "success")
        return redirect(url_for("accounts.confirm_notice"))
    return render_form("accounts/register.html", form)


@bp.route("/auth/login", methods=["GET", "POST"])
def login():
    """Log in with e-mail and password (the lockout: accounts/lockout.py)."""
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data, form.password.data, request.remote_addr)
        except accounts.LoginPaused as paused:
            flash_service_error(paused)
            response = make_response(render_form("accounts/login.html", form, status=paused.status_code,
                                                 next_url=next_url))
            response.headers["Retry-After"] = str(paused.retry_after)
            return response
        if user is None:
            form.password.errors.append(_("The e-mail address or password is not correct."))
        else:
            accounts.start_session(user, remember=form.remember.data)
            flash(_("Welcome back, %(name)s.", name=user.name), "success")
            return redirect(next_url or url_for("main.dashboard"))
    return render_form("accounts/login.html", form, next_url=next_url)


@bp.route("/auth/logout", methods=["POST"])
@login_required
def logout():
    """Log out of this browser."""
    accounts.end_session(me())
    flash(_("You have logged out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/account/logout-everywhere", methods=["POST"])
@login_required
def logout_everywhere():
    """Log out on every device where this account is logged in, this browser included."""
    accounts.end_session(me(), everywhere=True)
    flash(_("You have logged out on every device."), "info")
    return redirect(url_for("main.index"))


@bp.route("/auth/reset", methods=["GET", "POST"])
@limiter.limit(_reset_address_limit, methods=["POST"])
@limiter.limit(_reset_account_limit, key_func=_reset_email_key, methods=["POST"])
def reset_request():
    """Ask for a password-reset link by e-mail."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        flash(_("If an account uses that address, a reset link is on its way. It is valid for "
                "one hour."), "info")
        return redirect(url_for("accounts.login"))
    return render_form("accounts/reset_request.html", form)


@bp.route("/auth/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    """Choose a new password from an e-mailed link."""
    user = accounts.user_for_reset_token(token)
    if user is None:
        return render_template("accounts/reset_invalid.html"), 400
    form = ResetPasswordForm()
    form._known_email = user.email
    if form.validate_on_submit():
        accounts.reset_password(user, form.password.data)
        flash(_("Your password has been changed. Please log in."), "success")
        return redirect(url_for("accounts.login"))
    return render_form("accounts/reset_password.html", form)


@bp.route("/account/profile", methods=["GET", "POST"])
@login_required
def profile():
    """See and edit your own profile."""
    form = ProfileForm(obj=current_user)
    if request.method == "GET":
        form.locale.data = current_user.locale or ""
        form.timezone.data = current_user.timezone or ""
        for name in mailings.MAILINGS:
            form[f"mail_{name}"].data = mailings.receives(current_user, name)
    if form.validate_on_submit():
        accounts.update_profile(current_user, name=form.name.data, title=form.title.data,
                                phone=form.phone.data, locale=form.locale.data,
                                timezone=form.timezone.data,
                                mail={name: form[f"mail_{name}"].data for name in mailings.MAILINGS})
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("accounts.profile"))
    return render_form("accounts/profile.html", form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change your password (signs out your other sessions)."""
    form = ChangePasswordForm()
    form._known_email = current_user.email
    if form.validate_on_submit():
        try:
            accounts.change_password(me(), form.current.data,
                                     form.password.data)
        except ServiceError as error:
            form.current.errors.append(error.message)
        else:
            flash(_("Your password has been changed; your other sessions are signed out."),
                  "success")
            return redirect(url_for("accounts.profile"))
    return render_form("accounts/change_password.html", form)



@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click", with no session
def unsubscribe(token):
    """One-click unsubscribe from a digest or alert mail: GET asks, POST turns that mail off."""
    try:
        user, mailing = mailings.read_token(token)
    except mailings.BadToken as error:
        _speak_to(error.user)
        return render_template("accounts/unsubscribe_invalid.html"), 400
    _speak_to(user)
    done = request.method == "POST"
    if done:
        mailings.unsubscribe(user, mailing)
    return render_template("accounts/unsubscribe.html", done=done, token=token,
                           mailing=mailings.MAILINGS[mailing], addressee=user)


def _speak_to(user) -> None:
    """Show the page in the language of the user the link was mailed to."""
    if user is not None and user.locale:
        g.addressee_locale = user.locale
        refresh_locale()
