"""The listing form, used by the editing page and, row by row, by the bulk import."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    FileField,
    IntegerField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from marketplace.forms import ChoiceField, money_field, required
from marketplace.listings import patentno
from marketplace.listings.models import (
    FIELDS,
    ConversionMode,
    Grade,
    LegalStatus,
    ListingKind,
)
from marketplace.listings.services import application_number_taken, open_licence_mode_problem
from marketplace.text import half_width

KIND_LABELS = {
    ListingKind.INVENTION: _l("Invention patent"),
    ListingKind.UTILITY_MODEL: _l("Utility model patent"),
    ListingKind.DESIGN: _l("Design patent"),
    ListingKind.ACHIEVEMENT: _l("Non-patent achievement"),
}
LEGAL_LABELS = {
    LegalStatus.PENDING: _l("Under examination"),
    LegalStatus.GRANTED: _l("Granted and in force"),
    LegalStatus.LAPSED: _l("Lapsed"),
    LegalStatus.NOT_APPLICABLE: _l("Not a patent"),
}
MODE_LABELS = {
    ConversionMode.ORDINARY_LICENCE: _l("Ordinary licence"),
    ConversionMode.SOLE_LICENCE: _l("Sole licence"),
    ConversionMode.EXCLUSIVE_LICENCE: _l("Exclusive licence"),
    ConversionMode.TRANSFER: _l("Transfer"),
    ConversionMode.EQUITY: _l("Equity investment"),
    ConversionMode.OPEN_LICENCE: _l("Open licence"),
    ConversionMode.TRY_FIRST: _l("Try first, pay later"),
}
GRADE_LABELS = {Grade.A: _l("Grade A"), Grade.B: _l("Grade B"), Grade.C: _l("Grade C")}
PATENT_NUMBER_MESSAGES = {
    "format": _l("Write the application number as 12 digits, a dot and the check character, "
                 "e.g. 201710601862.3."),
    "type": _l("The fifth digit must give the patent type (1, 2, 3, 8 or 9)."),
    "check": _l("The check character (after the dot) does not match; please check the number."),
}
_IPC = re.compile(r"^[A-H]\d{2}[A-Z]\s?\d{1,4}/\d{1,6}$")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ListingForm(FlaskForm):
    """Every field of a listing; ``validate`` applies the patent rules across fields."""

    kind = ChoiceField(_l("Type"), choices=[SelectChoice(k.value, v) for k, v in KIND_LABELS.items()],
                       validators=[required()])
    title = StringField(_l("Title"), validators=[required(), Length(max=200)])
    abstract = TextAreaField(_l("Abstract"), validators=[required(), Length(min=20, max=5000)],
                             description=_l("What it does, what it improves, where it is used."))
    field = ChoiceField(_l("Field"), choices=[SelectChoice(k, v) for k, v in FIELDS.items()],
                        validators=[required()])
    ipc_codes = StringField(_l("IPC codes"), validators=[Optional(), Length(max=200)],
                            description=_l("Separated by commas, e.g. H01M 4/525, H01M 10/0525"))
    keywords = StringField(_l("Keywords"), validators=[Optional(), Length(max=300)],
                           description=_l("Separated by commas."))
    inventors = StringField(_l("Inventors"), validators=[required(), Length(max=300)],
                            description=_l("Names as on the patent, separated by commas."))
    application_number = StringField(_l("Application number"), validators=[Optional()],
                                     description=_l("For patents, e.g. 201710601862.3"))
    application_date = DateField(_l("Application date"), validators=[Optional()])
    grant_date = DateField(_l("Grant date"), validators=[Optional()])
    legal_status = ChoiceField(_l("Legal status"),
                               choices=[SelectChoice(k.value, v) for k, v in LEGAL_LABELS.items()],
                               validators=[required()])
    grade = ChoiceField(_l("Grade"), choices=[SelectChoice(k.value, v) for k, v in GRADE_LABELS.items()],
                        validators=[required()])
    trl = IntegerField(_l("Technology readiness level (1–9)"), validators=[
        DataRequired(message=_l("Give a whole number from 1 to 9.")),
        NumberRange(min=1, max=9, message=_l("Give a whole number from 1 to 9."))])
    modes = MultiCheckboxField(_l("Conversion modes offered"),
                               choices=[SelectChoice(k.value, v) for k, v in MODE_LABELS.items()],
                               validators=[DataRequired(message=_l("Choose at least one mode."))],
                               description=_l("Open licence follows the patent's announced open-licence "
                                              "declaration: it is added when CNIPA's announcement is "
                                              "recorded and removed when the declaration is withdrawn."))
    asking_price = money_field(_l("Asking price (CNY)"), validators=[
        Optional(), NumberRange(min=0, max=9999999999, message=_l("Give an amount in yuan."))],
        description=_l("Leave empty if negotiable."))
    terms = TextAreaField(_l("Terms"), validators=[Optional(), Length(max=4000)])
    contact_name = StringField(_l("Contact person"), validators=[required(), Length(max=80)])
    contact_email = EmailField(_l("Contact e-mail"), validators=[
        required(), Email(message=_l("Enter a valid e-mail address."), check_deliverability=False),
        Length(max=254)])
    contact_phone = StringField(_l("Contact phone"), validators=[Optional(), Length(max=32)])
    inventor_user_ids = MultiCheckboxField(
        _l("Inventors with an account here"), coerce=int, validators=[Optional()],
        description=_l("They will see the listing, its interest and its income on their page."))

    def __init__(self, *args, listing=None, inventor_accounts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._listing = listing
        self._listing_id = listing.id if listing is not None else None
        self.inventor_user_ids.choices = [SelectChoice(user.id, f"{user.name} ({user.email})")
                                          for user in inventor_accounts]

    def validate_application_number(self, field):
        if not field.data:
            return
        reason = patentno.problem(field.data)
        if reason:
            raise ValidationError(str(PATENT_NUMBER_MESSAGES[reason]))
        field.data = patentno.normalise(field.data)
        if application_number_taken(field.data, exclude_id=self._listing_id):
            raise ValidationError(_l("A listing with this application number already exists."))

    def validate_ipc_codes(self, field):
        codes = [code.strip() for code in re.split(r"[,;]", half_width(field.data or "")) if code.strip()]
        bad = [code for code in codes if not _IPC.match(code.upper())]
        if bad:
            raise ValidationError(_l("Not an IPC symbol: %(codes)s (e.g. H01M 4/525).",
                                     codes=", ".join(bad)))
        field.data = ", ".join(code.upper() for code in codes) or None

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not valid or not self.kind.data:
            return valid
        kind = ListingKind(self.kind.data)
        legal = LegalStatus(self.legal_status.data)
        if kind.is_patent:
            if not self.application_number.data:
                self.application_number.errors.append(_l("A patent needs its application number."))
            elif patentno.patent_type(self.application_number.data) != kind.value:
                self.application_number.errors.append(
                    _l("The number's type digit does not match the patent type chosen."))
            if legal is LegalStatus.NOT_APPLICABLE:
                self.legal_status.errors.append(_l("Choose the patent's legal status."))
            if legal is LegalStatus.GRANTED and not self.grant_date.data:
                self.grant_date.errors.append(_l("A granted patent needs its grant date."))
        else:
            if self.application_number.data:
                self.application_number.errors.append(
                    _l("A non-patent achievement has no application number."))
            if legal is not LegalStatus.NOT_APPLICABLE:
                self.legal_status.errors.append(_l("A non-patent achievement is not a patent."))
        problem = open_licence_mode_problem(self._listing, {ConversionMode(m) for m in self.modes.data})
        if problem:
            self.modes.errors.append(problem)
        dates = self.application_date.data, self.grant_date.data
        if all(dates) and dates[1] < dates[0]:
            self.grant_date.errors.append(_l("The grant date is before the application date."))
        return not any(f.errors for f in self)

    def cleaned(self) -> dict:
        """The values for ``listings.services``."""
        return {
            "kind": ListingKind(self.kind.data), "title": self.title.data.strip(),
            "abstract": self.abstract.data.strip(), "field": self.field.data,
            "ipc_codes": self.ipc_codes.data or None, "keywords": (self.keywords.data or "").strip() or None,
            "inventors": self.inventors.data.strip(),
            "application_number": self.application_number.data or None,
            "application_date": self.application_date.data, "grant_date": self.grant_date.data,
            "legal_status": LegalStatus(self.legal_status.data), "grade": Grade(self.grade.data),
            "trl": self.trl.data, "modes": [ConversionMode(m) for m in self.modes.data],
            "asking_price": self.asking_price.data, "terms": (self.terms.data or "").strip() or None,
            "contact_name": self.contact_name.data.strip(),
            "contact_email": self.contact_email.data.strip().lower(),
            "contact_phone": (self.contact_phone.data or "").strip() or None,
            "inventor_user_ids": list(self.inventor_user_ids.data or []),
        }


class TransitionForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])


class AttachmentForm(FlaskForm):
    file = FileField(_l("File (PDF, PNG or JPEG)"), validators=[required()])
