"""Forms of the open-licence pages."""

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    FileField,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from marketplace.forms import ChoiceField, money_field, percent_field, required
from marketplace.licences.eligibility import promotional_terms
from marketplace.licences.labels import AGREEMENT_LABELS, BASE_LABELS, METHOD_LABELS, TRIGGER_LABELS
from marketplace.licences.models import AgreementKind, PaymentMethod, RoyaltyBase, TrialTrigger

MAX_MONEY = 9999999999


def _money(label, **kwargs):
    return money_field(label, validators=[Optional(), NumberRange(
        min=0, max=MAX_MONEY, message=_l("Give an amount in yuan."))], **kwargs)


class CoOwnerForm(Form):
    name = StringField(_l("Co-owner"), validators=[Optional(), Length(max=200)])
    consented = BooleanField(_l("Consented in writing"))
    consented_on = DateField(_l("Date of consent"), validators=[Optional()])


class DeclarationForm(FlaskForm):
    """The declaration's terms (Implementing Rules r. 85) and the facts the eligibility check needs."""

    payment_method = RadioField(_l("Payment method"), validators=[required()],
                                choices=[SelectChoice(m.value, label) for m, label in METHOD_LABELS.items()])
    fee_amount = _money(_l("Lump sum or entry fee (CNY)"),
                        description=_l("For a lump sum, or the entry fee of entry fee plus royalty."))
    royalty_base = SelectField(_l("Royalty base"), validators=[Optional()],
                               choices=[SelectChoice("", "—"), *(SelectChoice(b.value, label)
                                                                  for b, label in BASE_LABELS.items())])
    royalty_rate = percent_field(_l("Royalty rate (%)"), validators=[Optional(), NumberRange(
        min=0.01, max=100, message=_l("Give a percentage above 0 and at most 100."))])
    payment_standard = TextAreaField(
        _l("Payment standard"), validators=[required(), Length(max=2000)],
        description=_l("When and how the fee and royalties are paid, e.g. within 30 days of the "
                       "notice; royalties quarterly within 15 days of the quarter's end."))
    term_end = DateField(_l("Licences run until"), validators=[required()],
                         description=_l("Not after the patent expires."))
    other_terms = TextAreaField(_l("Other matters"), validators=[Optional(), Length(max=4000)],
                                description=_l("Factual only: no promotional wording."))
    trial_days = IntegerField(_l("Trial length (days)"), validators=[Optional(), NumberRange(
        min=1, max=3650, message=_l("Give a number of days from 1 to 3650."))],
        description=_l("Try first, pay later: leave empty to offer no trial."))
    trial_trigger = SelectField(_l("Payment trigger of a trial"), validators=[Optional()],
                                choices=[SelectChoice(t.value, label) for t, label in TRIGGER_LABELS.items()])
    notice_email = EmailField(_l("E-mail for written notices"), validators=[
        required(), Email(message=_l("Enter a valid e-mail address."), check_deliverability=False),
        Length(max=254)])
    notice_address = StringField(_l("Postal address for written notices"),
                                 validators=[required(), Length(max=300)])
    notice_phone = StringField(_l("Telephone"), validators=[Optional(), Length(max=32)])
    fees_paid = BooleanField(_l("I declare that the annual fees of this patent are paid"))
    fees_paid_on = DateField(_l("Date of this declaration"), validators=[Optional()])
    pledged = BooleanField(_l("The patent is pledged"))
    pledgee = StringField(_l("Pledgee"), validators=[Optional(), Length(max=200)])
    pledgee_consent_on = DateField(_l("Date of the pledgee's written consent"), validators=[Optional()])
    evaluation_report = StringField(_l("Patent evaluation report number"),
                                    validators=[Optional(), Length(max=100)],
                                    description=_l("Required for utility models and designs."))
    co_owners = FieldList(FormField(CoOwnerForm), min_entries=3, max_entries=10)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.payment_method.data or self.payment_method.errors:
            return False
        method = PaymentMethod(self.payment_method.data)
        if method.has_fee and not (self.fee_amount.data and self.fee_amount.data > 0):
            self.fee_amount.errors.append(_l("Give the amount for this payment method."))
        if method.has_royalty:
            if not self.royalty_base.data:
                self.royalty_base.errors.append(_l("Choose what the royalty is computed on."))
            if not self.royalty_rate.data:
                self.royalty_rate.errors.append(_l("Give the royalty rate."))
        if self.trial_days.data and not method.has_fee:
            self.trial_days.errors.append(_l("A trial defers a fee: offer it with a lump sum or an "
                                             "entry fee."))
        if self.term_end.data and self.term_end.data <= date.today():
            self.term_end.errors.append(_l("The term must end in the future."))
        if self.pledged.data and not (self.pledgee.data and self.pledgee_consent_on.data):
            self.pledgee.errors.append(_l("Name the pledgee and the date of its written consent."))
        for entry in self.co_owners:
            if entry.consented.data and not entry.consented_on.data:
                entry.consented_on.errors.append(_l("Give the date of the consent."))
        return valid and not any(f.errors for f in self)

    def promotional(self) -> list[str]:
        return promotional_terms(self.payment_standard.data, self.other_terms.data)

    def cleaned(self) -> dict:
        method = PaymentMethod(self.payment_method.data)
        return {
            "payment_method": method, "fee_amount": self.fee_amount.data,
            "royalty_base": RoyaltyBase(self.royalty_base.data) if self.royalty_base.data else None,
            "royalty_rate": self.royalty_rate.data,
            "payment_standard": self.payment_standard.data.strip(), "term_end": self.term_end.data,
            "other_terms": (self.other_terms.data or "").strip() or None,
            "trial_days": self.trial_days.data or None,
            "trial_trigger": TrialTrigger(self.trial_trigger.data) if self.trial_days.data else None,
            "notice_email": self.notice_email.data.strip().lower(),
            "notice_address": self.notice_address.data.strip(),
            "notice_phone": (self.notice_phone.data or "").strip() or None,
            "fees_paid": bool(self.fees_paid.data), "fees_paid_on": self.fees_paid_on.data,
            "pledged": bool(self.pledged.data), "pledgee": (self.pledgee.data or "").strip() or None,
            "pledgee_consent_on": self.pledgee_consent_on.data,
            "evaluation_report": (self.evaluation_report.data or "").strip() or None,
            "co_owners": [(e.form.name.data.strip(), bool(e.consented.data), e.consented_on.data)
                          for e in self.co_owners if (e.form.name.data or "").strip()],
        }

    def load(self, declaration) -> None:
        """Fill the form from a stored declaration (GET of the edit page)."""
        self.payment_method.data = declaration.payment_method.value
        self.royalty_base.data = declaration.royalty_base.value if declaration.royalty_base else ""
        self.trial_trigger.data = declaration.trial_trigger.value if declaration.trial_trigger else None
        self.fees_paid.data = declaration.fees_paid_declared_on is not None
        self.fees_paid_on.data = declaration.fees_paid_declared_on
        while len(self.co_owners) < len(declaration.co_owners):
            self.co_owners.append_entry()
        for entry, owner in zip(self.co_owners, declaration.co_owners, strict=False):
            entry.form.name.data, entry.form.consented.data = owner.name, owner.consented
            entry.form.consented_on.data = owner.consented_on


class AnnounceForm(FlaskForm):
    announcement_number = StringField(_l("CNIPA announcement number"),
                                      validators=[required(), Length(max=64)])
    announced_on = DateField(_l("Announcement date"), validators=[required()])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[required(), Length(max=2000)])


class AgreementForm(FlaskForm):
    """An agreement negotiated elsewhere, recorded on the listing."""

    kind = ChoiceField(_l("Kind"), validators=[required()],
                       choices=[SelectChoice(k.value, label) for k, label in AGREEMENT_LABELS.items()])
    counterparty = StringField(_l("Other party"), validators=[required(), Length(max=200)])
    signed_on = DateField(_l("Signed on"), validators=[required()])
    starts_on = DateField(_l("Term starts"), validators=[Optional()])
    ends_on = DateField(_l("Term ends"), validators=[Optional()])
    amount = _money(_l("Amount (CNY)"))
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
    document = FileField(_l("Signed agreement (PDF)"))

    def cleaned(self) -> dict:
        return {"kind": AgreementKind(self.kind.data), "counterparty": self.counterparty.data.strip(),
                "signed_on": self.signed_on.data, "starts_on": self.starts_on.data,
                "ends_on": self.ends_on.data, "amount": self.amount.data,
                "note": (self.note.data or "").strip() or None}


class TerminateAgreementForm(FlaskForm):
    day = DateField(_l("Ended on"), validators=[required()])
    reason = TextAreaField(_l("Reason"), validators=[required(), Length(max=2000)])


class SignForm(FlaskForm):
    """Signature of the reviewed agreement."""

    signer_name = StringField(_l("Your full name"), validators=[required(), Length(max=80)])
    signer_title = StringField(_l("Your title"), validators=[required(), Length(max=80)])
    consent = BooleanField(_l("I have read the agreement and sign it on behalf of my company"),
                           validators=[DataRequired(message=_l("Confirm to sign."))])
    reviewed_sha256 = HiddenField(validators=[required()])
    trial = HiddenField()


class PayForm(FlaskForm):
    method = RadioField(_l("Pay by"), validators=[required()], default="bank_transfer",
                        choices=[SelectChoice("bank_transfer", _l("Bank transfer (对公转账)")),
                                 SelectChoice("stripe", _l("Card, Alipay or WeChat Pay"))])


class DayForm(FlaskForm):
    day = DateField(_l("Date"), validators=[required()])


class RecordForm(FlaskForm):
    record_number = StringField(_l("CNIPA record number"), validators=[required(), Length(max=64)])
    recorded_on = DateField(_l("Recorded on"), validators=[required()])


class ReportForm(FlaskForm):
    period_start = DateField(_l("Period from"), validators=[required()])
    period_end = DateField(_l("Period to"), validators=[required()])
    base_amount = money_field(_l("Base (CNY)"), validators=[
        InputRequired(message=_l("Give an amount in yuan.")),
        NumberRange(min=0, max=MAX_MONEY, message=_l("Give an amount in yuan."))],
        description=_l("Net sales or profit of the period, as the agreement says."))
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class VerifyForm(FlaskForm):
    file = FileField(_l("The agreement (JSON or PDF) or the certificate (PDF)"))
    text = TextAreaField(_l("Or paste the agreement's text"), validators=[Optional()])
