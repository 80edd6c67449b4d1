"""Forms of the roadshow pages. Times are entered and shown in the user's time zone."""

from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from marketplace import timezones
from marketplace.forms import ChoiceField, email_validator, required

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def _when(label):
    return DateTimeLocalField(label, format=LOCAL_FORMAT, validators=[required()])


def to_utc(local: datetime | None) -> datetime | None:
    """A naive time the user typed, read in their time zone, as aware UTC."""
    if local is None:
        return None
    zone = timezones.viewer_zone()
    return local.replace(tzinfo=zone).astimezone(UTC)


def to_local(value: datetime | None) -> datetime | None:
    """An aware time as the naive local time a datetime-local input shows."""
    if value is None:
        return None
    return value.astimezone(timezones.viewer_zone()).replace(tzinfo=None)


def _zone_hint(form) -> None:
    zone = str(get_timezone())
    for field in form:
        if isinstance(field, DateTimeLocalField):
            field.description = _l("In your time zone (%(zone)s).", zone=zone)


class StreamURL:
    """An http(s) URL without credentials."""

    def __call__(self, form, field):
        if not field.data:
            return
        parts = urlsplit(field.data.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.username:
            raise ValidationError(_l("Enter a web address starting with https://."))
        field.data = field.data.strip()


class RoadshowForm(FlaskForm):
    """A roadshow's details; the agenda is edited on its own page."""

    title = StringField(_l("Title"), validators=[required(), Length(max=200)])
    description = TextAreaField(
        _l("Description"), validators=[required(), Length(min=10, max=10000)],
        description=_l("Who should attend, what will be presented, how to take part."))
    starts_at = _when(_l("Starts"))
    ends_at = _when(_l("Ends"))
    stream_url = URLField(
        _l("Stream URL"), validators=[Optional(), Length(max=500), StreamURL()],
        description=_l("Bilibili, Tencent Video, Youku and Xigua Video links are embedded in the "
                       "page; any other address is shown as a link."))
    capacity = IntegerField(
        _l("Capacity"), description=_l("Most confirmed attendees; leave empty for no limit."),
        validators=[Optional(), NumberRange(min=1, max=100000,
                                            message=_l("Enter a number from 1 to 100,000."))])
    requires_approval = BooleanField(_l("Registrations need my approval"))
    waitlist_enabled = BooleanField(_l("Keep a waiting list when the roadshow is full"),
                                    default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _zone_hint(self)

    def validate_ends_at(self, field):
        if self.starts_at.data and field.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("The roadshow must end after it starts."))

    def cleaned(self) -> dict:
        return {
            "title": self.title.data.strip(), "description": self.description.data.strip(),
            "starts_at": to_utc(self.starts_at.data), "ends_at": to_utc(self.ends_at.data),
            "stream_url": self.stream_url.data or None, "capacity": self.capacity.data,
            "requires_approval": bool(self.requires_approval.data),
            "waitlist_enabled": bool(self.waitlist_enabled.data),
        }


class AgendaItemForm(FlaskForm):
    """A slot of the agenda."""

    listing_id = ChoiceField(_l("Listing"), coerce=int, validators=[required()],
                             description=_l("One of your university's published listings."))
    presenter = StringField(_l("Presenter"), validators=[required(), Length(max=120)],
                            description=_l("Name and title, e.g. Prof. Li Zhenhua, inventor."))
    starts_at = _when(_l("Slot starts"))
    ends_at = _when(_l("Slot ends"))

    def __init__(self, *args, listings=(), **kwargs):
        super().__init__(*args, **kwargs)
        if self.listing_id is not None:
            self.listing_id.choices = [(listing.id, listing.title) for listing in listings]
        _zone_hint(self)

    def validate_ends_at(self, field):
        if self.starts_at.data and field.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("A slot must end after it starts."))


class AgendaEditForm(AgendaItemForm):
    """Changing a slot keeps its listing."""

    listing_id = None


class RegistrationForm(FlaskForm):
    note = TextAreaField(_l("Note to the host (optional)"), validators=[Optional(), Length(max=500)],
                         description=_l("Your organisation and what interests you."))


class ModeratorForm(FlaskForm):
    email = EmailField(_l("E-mail address of the account"),
                       validators=[required(), email_validator(), Length(max=254)])


class CancelRoadshowForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[required(), Length(min=4, max=2000)],
                           description=_l("Every registrant receives it by e-mail."))


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token."""


class GoLiveForm(FlaskForm):
    """Going live from a page (the room's confirmation when it is early): ``confirm`` says the
    moderator saw the scheduled start and goes live anyway."""

    confirm = BooleanField()
