"""Forms for the organisation profile and invitations."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Length, Optional

from marketplace.accounts.models import Role
from marketplace.forms import ChoiceField, CreditCode, email_validator, required
from marketplace.orgs.models import DocumentKind

ROLE_LABELS = {
    Role.TTO: _l("Technology-transfer officer"),
    Role.INVENTOR: _l("Inventor / researcher"),
    Role.INVESTOR: _l("Investor"),
    Role.COMPANY: _l("Company R&D or licensing manager"),
    Role.ADMIN: _l("Platform administrator"),
}


#: What the file inputs of claim documents accept (the server checks the bytes: marketplace.uploads).
DOCUMENT_ACCEPT = {"accept": "application/pdf,image/png,image/jpeg,.pdf,.png,.jpg,.jpeg"}
DOCUMENT_LABELS = {
    DocumentKind.BUSINESS_LICENCE: _l("Business licence or institution certificate"),
    DocumentKind.AUTHORISATION_LETTER: _l("Letter of authorisation"),
}
DOCUMENT_HINTS = {
    DocumentKind.BUSINESS_LICENCE: _l("A scan or photo of the whole page: PDF, PNG or JPEG."),
    DocumentKind.AUTHORISATION_LETTER: _l("Sealed by the organisation and naming you as the person "
                                          "who registers it: PDF, PNG or JPEG."),
}


def document_field(kind: DocumentKind) -> FileField:
    return FileField(DOCUMENT_LABELS[kind], description=DOCUMENT_HINTS[kind], render_kw=DOCUMENT_ACCEPT,
                     validators=[FileRequired(message=_l("Attach this document."))])


class OrganisationForm(FlaskForm):
    name = StringField(_l("Organisation name"), validators=[
        required(), Length(max=120)])
    credit_code = StringField(_l("Unified social credit code"), validators=[
        required(), CreditCode()])
    province = StringField(_l("Province"), validators=[Optional(), Length(max=40)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=40)])
    website = StringField(_l("Website"), validators=[
        Optional(), URL(message=_l("Enter a full web address starting with https://.")),
        Length(max=200)])
    description = TextAreaField(_l("About the organisation"), validators=[Optional(),
                                                                          Length(max=4000)])


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[
        required(), email_validator()])
    role = ChoiceField(_l("Role"), validators=[DataRequired()])

    def __init__(self, organisation, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [SelectChoice(role.value, ROLE_LABELS[role])
                             for role in organisation.allowed_roles]
        self.role.validate_choice = True


class DocumentForm(FlaskForm):
    """Add a document to a claim that is not verified yet."""

    kind = SelectField(_l("Kind of document"), validate_choice=True)
    file = FileField(_l("File (PDF, PNG or JPEG)"), validators=[
        FileRequired(message=_l("Choose a file."))], render_kw=DOCUMENT_ACCEPT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(kind.value, DOCUMENT_LABELS[kind]) for kind in DocumentKind]
