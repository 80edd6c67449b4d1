"""Forms of interests, threads, the NDA and confidential files."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from marketplace.forms import ChoiceField, money_field
from marketplace.interests.labels import INTENT_LABELS, REASON_LABELS, TIMELINE_LABELS
from marketplace.interests.models import DeclineReason, Timeline
from marketplace.listings.models import ConversionMode

_AMOUNT = NumberRange(min=0, max=9999999999, message=_l("Give an amount in yuan."))


class InterestForm(FlaskForm):
    intent = ChoiceField(_l("What you are interested in"),
                         choices=[SelectChoice(i.value, label) for i, label in INTENT_LABELS.items()],
                         validators=[InputRequired()])
    budget_min = money_field(_l("Budget from (CNY)"), validators=[Optional(), _AMOUNT])
    budget_max = money_field(_l("Budget up to (CNY)"), validators=[Optional(), _AMOUNT],
                              description=_l("Leave both empty if you cannot say yet."))
    timeline = ChoiceField(_l("Timeline"),
                           choices=[SelectChoice(t.value, label) for t, label in TIMELINE_LABELS.items()],
                           validators=[InputRequired()])
    message = TextAreaField(_l("Message to the university"), validators=[
        DataRequired(message=_l("Tell the university what you plan to do with the technology.")),
        Length(max=4000)])
    share_contacts = BooleanField(_l(
        "Share our contact details (names, e-mail, phone) with the university once it accepts "
        "this interest"))

    def validate_budget_max(self, field):
        if (field.data is not None and self.budget_min.data is not None
                and field.data < self.budget_min.data):
            raise ValidationError(_l("The budget's upper end must not be below its lower end."))

    def cleaned(self) -> dict:
        return {"intent": ConversionMode(self.intent.data), "timeline": Timeline(self.timeline.data),
                "budget_min": self.budget_min.data, "budget_max": self.budget_max.data,
                "message": self.message.data, "share_contacts": self.share_contacts.data}


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Message"), validators=[Optional(), Length(max=5000)])
    file = FileField(_l("Attach a file (PDF, PNG or JPEG)"))


class DeclineForm(FlaskForm):
    reason = RadioField(_l("Reason"), choices=[SelectChoice(r.value, label)
                                                    for r, label in REASON_LABELS.items()],
                        validators=[InputRequired(message=_l("Choose a reason."))])
    text = TextAreaField(_l("Explanation (required for “other”)"), validators=[Optional(),
                                                                                Length(max=2000)])

    def validate_text(self, field):
        if self.reason.data == DeclineReason.OTHER.value and not (field.data or "").strip():
            raise ValidationError(_l("Explain the reason when you choose “other”."))


class NdaForm(FlaskForm):
    text = TextAreaField(_l("NDA text"), validators=[DataRequired(), Length(max=20000)],
                         description=_l("Changing the text creates a new version; organisations "
                                        "must accept the new version before they see the files "
                                        "again."))


class NdaAcceptForm(FlaskForm):
    version_id = HiddenField(validators=[DataRequired()])
    sha256 = HiddenField(validators=[DataRequired()])
    agree = BooleanField(_l("I have read this NDA and accept it on behalf of my organisation"),
                         validators=[DataRequired(message=_l("Tick the box to accept the NDA."))])


class FileForm(FlaskForm):
    file = FileField(_l("File (PDF, PNG or JPEG)"), validators=[
        DataRequired(message=_l("Choose a file."))])
