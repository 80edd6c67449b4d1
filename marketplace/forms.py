"""Validators and fields shared by the forms of several features."""

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, ValidationError
from wtforms.validators import DataRequired, Email, StopValidation

from marketplace import amounts
from marketplace.accounts.passwords import policy_errors
from marketplace.orgs import creditcode

CREDIT_CODE_MESSAGES = {
    "length": _l("A unified social credit code has exactly 18 characters."),
    "characters": _l("Only digits and capital letters other than I, O, S, V and Z are allowed."),
    "authority": _l("The first character must name a registering authority (1–9, A, B, G, N or Y)."),
    "region": _l("Characters 3 to 8 must be the digits of an administrative region."),
    "check": _l("The check character (the last one) does not match; please check the code."),
}


def required():
    """A required field, with the platform's one message for it."""
    return DataRequired(message=_l("This field is required."))


def email_validator():
    return Email(message=_l("Enter a valid e-mail address."), check_deliverability=False)


class StrongPassword:
    """Apply the password policy; reads the e-mail and name fields of the form when present."""

    def __call__(self, form, field):
        email = form.email.data if hasattr(form, "email") and form.email.data else ""
        email = email or getattr(form, "_known_email", "")
        name = form.name.data if hasattr(form, "name") and form.name.data else ""
        errors = policy_errors(field.data or "", email=email, name=name)
        if errors:
            raise ValidationError(" ".join(errors))


class CreditCode:
    """Validate a 统一社会信用代码 with its GB 32100-2015 check character."""

    def __call__(self, form, field):
        field.data = creditcode.normalise(field.data or "")
        reason = creditcode.problem(field.data)
        if reason:
            raise ValidationError(str(CREDIT_CODE_MESSAGES[reason]))


class FixedDecimalField(DecimalField):
    """A decimal number a ``Numeric(digits, places)`` column holds exactly (see ``amounts``).

    NaN, sNaN, Infinity, a part below the last decimal place and numbers out of the column's
    range are refused with a message, and validation of the field stops there, so validators and
    forms only ever compare finite numbers. An empty input is no value (None).
    """

    def __init__(self, label=None, validators=None, *, places: int = amounts.MONEY_PLACES,
                 digits: int = amounts.MONEY_DIGITS, places_message=amounts.BELOW_THE_FEN, **kwargs):
        super().__init__(label, validators, places=places, **kwargs)
        self.digits, self.places_message = digits, places_message

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.data = None
        text = valuelist[0]
        if not isinstance(text, str):
            raise ValueError(str(amounts.NOT_A_NUMBER))
        if not text.strip():
            return
        try:
            self.data = amounts.parse(text, places=self.places, digits=self.digits,
                                      places_message=self.places_message)
        except amounts.BadNumber as error:
            raise ValueError(str(error.message)) from error

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()


def money_field(label=None, validators=None, **kwargs) -> FixedDecimalField:
    """An amount in yuan, to the fen (any money column)."""
    return FixedDecimalField(label, validators, **kwargs)


def percent_field(label=None, validators=None, **kwargs) -> FixedDecimalField:
    """A percentage with at most two decimals (a Numeric(5, 2) column)."""
    return FixedDecimalField(label, validators, digits=amounts.PERCENT_DIGITS,
                             places_message=amounts.PERCENT_PLACES, **kwargs)
