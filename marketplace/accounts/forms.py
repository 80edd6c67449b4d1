"""Forms for registration, login, password reset and the profile."""

from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from marketplace.accounts.services import email_taken
from marketplace.forms import CreditCode, StrongPassword, email_validator, required
from marketplace.orgs.claims import credit_code_taken
from marketplace.orgs.forms import document_field
from marketplace.orgs.models import DocumentKind, OrgKind
from marketplace.timezones import ZONE_LABELS

ORG_KIND_CHOICES = [
    SelectChoice(OrgKind.UNIVERSITY.value, _l("University or research institute")),
    SelectChoice(OrgKind.COMPANY.value, _l("Company")),
    SelectChoice(OrgKind.INVESTOR_FIRM.value, _l("Venture investment firm")),
]
LOCALE_CHOICES = [SelectChoice("", _l("Platform default (Chinese)")), SelectChoice("zh_CN", "中文"),
                  SelectChoice("en", "English")]
#: The platform's zone (Beijing) is the empty choice; the others keep their IANA id as the value.
TIMEZONE_CHOICES = [SelectChoice("", ZONE_LABELS["Asia/Shanghai"])] + [
    SelectChoice(zone, label) for zone, label in ZONE_LABELS.items() if zone != "Asia/Shanghai"]


class AccountFieldsMixin:
    """Name, e-mail and a password typed twice."""

    name = StringField(_l("Your name"), validators=[required(), Length(max=80)])
    email = EmailField(_l("E-mail"), validators=[required(), email_validator(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[required(), StrongPassword()])
    confirm = PasswordField(_l("Repeat the password"), validators=[
        required(), EqualTo("password", message=_l("The two passwords differ."))])

    def validate_email(self, field):
        if email_taken(field.data):
            raise ValidationError(_l("An account with this e-mail address already exists."))


class RegisterForm(AccountFieldsMixin, FlaskForm):
    """Sign up and register a new organisation for verification."""

    org_kind = RadioField(_l("Organisation type"), choices=ORG_KIND_CHOICES,
                          validators=[DataRequired(message=_l("Choose the type of organisation."))])
    org_name = StringField(_l("Organisation name"), validators=[required(), Length(max=120)])
    credit_code = StringField(_l("Unified social credit code"),
                              validators=[required(), CreditCode()],
                              description=_l("18 characters, on the business licence or "
                                             "institution certificate."))
    province = StringField(_l("Province"), validators=[Optional(), Length(max=40)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=40)])
    business_licence = document_field(DocumentKind.BUSINESS_LICENCE)
    authorisation_letter = document_field(DocumentKind.AUTHORISATION_LETTER)
    accept = BooleanField(_l("I confirm that I am authorised to register this organisation."),
                          validators=[DataRequired(message=_l("Please confirm."))])

    def validate_credit_code(self, field):
        if credit_code_taken(field.data):
            raise ValidationError(_l("An organisation with this credit code is already "
                                     "registered. Ask its administrator for an invitation."))

    def documents(self) -> list[tuple[DocumentKind, object]]:
        """The claim's documents as ``(kind, upload)`` pairs for the service."""
        return [(DocumentKind.BUSINESS_LICENCE, self.business_licence.data),
                (DocumentKind.AUTHORISATION_LETTER, self.authorisation_letter.data)]


class JoinForm(FlaskForm):
    """Create an account from an invitation (the e-mail is the invited one)."""

    name = StringField(_l("Your name"), validators=[required(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[required(), StrongPassword()])
    confirm = PasswordField(_l("Repeat the password"), validators=[
        required(), EqualTo("password", message=_l("The two passwords differ."))])


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[required(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[required()])
    remember = BooleanField(_l("Keep me signed in on this device"))


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[required(), email_validator()])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[required(), StrongPassword()])
    confirm = PasswordField(_l("Repeat the password"), validators=[
        required(), EqualTo("password", message=_l("The two passwords differ."))])


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[required()])
    password = PasswordField(_l("New password"), validators=[required(), StrongPassword()])
    confirm = PasswordField(_l("Repeat the password"), validators=[
        required(), EqualTo("password", message=_l("The two passwords differ."))])


class ProfileForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[required(), Length(max=80)])
    title = StringField(_l("Job title"), validators=[Optional(), Length(max=80)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=32)])
    locale = SelectField(_l("Language"), choices=LOCALE_CHOICES, validate_choice=True)
    timezone = SelectField(_l("Time zone"), choices=TIMEZONE_CHOICES, validate_choice=True)
    #: One switch per mailing of accounts/mailings.py (transactional mail has none).
    mail_digests = BooleanField(_l("Saved-search digests"))
    mail_follows = BooleanField(_l("Alerts on listings you follow"))
    mail_notifications = BooleanField(_l("Other notifications by e-mail"))

    def validate_timezone(self, field):
        if field.data and field.data not in available_timezones():
            raise ValidationError(_l("Unknown time zone."))
