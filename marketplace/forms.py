"""Validators and fields shared by the forms of several features."""

from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import DecimalField, SelectField, ValidationError
from wtforms.fields.choices import Choice
from wtforms.validators import DataRequired, Email, StopValidation
from wtforms.widgets import Select

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


def check_share_rows(rows, ok: bool, filled_without_name) -> tuple[bool, str | None]:
    """Inventor rows (``name``, ``share_pct``) of a disclosure or a ledger: each named row has a
    share, each row with something else filled (``filled_without_name(row data)``) has a name, at
    least one is named and, when nothing else is wrong (``ok``), the shares add up to 100 %.

    The row errors go on the rows' fields; returns whether all is well and the error about the
    total (None when there is none).
    """
    total, named = Decimal("0"), 0
    for row in rows:
        data = row.form
        if (data.name.data or "").strip():
            named += 1
            if data.share_pct.data is None:
                data.share_pct.errors.append(_l("Give this inventor's share."))
                ok = False
            else:
                total += Decimal(data.share_pct.data)
        elif filled_without_name(data):
            data.name.errors.append(_l("Name the inventor of this share."))
            ok = False
    if ok and named == 0:
        rows[0].form.name.errors.append(_l("Name at least one inventor."))
        ok = False
    if ok and total != 100:
        return False, _l("The shares add up to %(total)s%%, not 100%%.",
                         total=total.quantize(Decimal("0.01")))
    return ok, None


def percent_field(label=None, validators=None, **kwargs) -> FixedDecimalField:
    """A percentage with at most two decimals (a Numeric(5, 2) column)."""
    return FixedDecimalField(label, validators, digits=amounts.PERCENT_DIGITS,
                             places_message=amounts.PERCENT_PLACES, **kwargs)


class PlaceholderSelect(Select):
    """A select whose ``required`` means something, as HTML asks.

    A required select with nothing chosen gets an empty first option ("Choose…"), so the user
    picks a value instead of being handed the first one. With a value chosen (a default, or the
    record being edited) it renders without ``required``: one option is always selected and
    none is empty, so the attribute could never fail, and HTML forbids it there.
    """

    def __call__(self, field, **kwargs):
        if not field.flags.required or "required" in kwargs:
            return super().__call__(field, **kwargs)
        if any(choice.selected for choice in field.iter_choices()):
            return super().__call__(field, required=False, **kwargs)
        head, end, tail = super().__call__(field, **kwargs).partition(">")
        placeholder = Markup('<option value="" selected>{}</option>').format(_("Choose…"))
        return head + end + placeholder + tail


class ChoiceField(SelectField):
    """A select for a required choice (``PlaceholderSelect``). Leaving it on "Choose…" (an empty
    value) is refused with "Choose an option for “<label>”." rather than "Not a valid choice".
    With a single option, that option is shown chosen."""

    widget = PlaceholderSelect()

    def iter_choices(self):
        choices = super().iter_choices()
        if len(choices) == 1 and self.data is None:  # one option: nothing to choose, it is shown chosen
            only = choices[0]
            return [Choice(only.value, only.label, True, only.render_kw)]
        return choices

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0] == "":
            self.data = None
            return
        super().process_formdata(valuelist)

    def pre_validate(self, form):
        if self.data is None and not self.process_errors:
            if self.flags.required:
                raise StopValidation(_("Choose an option for “%(label)s”.", label=self.label.text))
            return
        super().pre_validate(form)
