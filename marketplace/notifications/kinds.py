"""Notification kinds: how a stored (kind, params) pair becomes text in the reader's language."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import gettext as _

#: Every kind a feature has declared, by name.
KINDS: dict[str, "Kind"] = {}


@dataclass(frozen=True)
class Kind:
    """A kind of notification: lazy msgids for its title and text, filled from stored params."""

    name: str
    title: object
    text: object
    #: Params whose stored value is a key of a dict of (lazy) labels, shown translated.
    labels: Mapping[str, Mapping] = field(default_factory=dict)
    #: Whether ``notify`` also sends an e-mail.
    email: bool = True
    #: The mailing (accounts/mailings.py) its e-mail belongs to, which the recipient may turn off
    #: and which carries a one-click unsubscribe link; None for transactional mail (agreements,
    #: payments), which always goes out and has no unsubscribe link.
    mailing: str | None = "notifications"


def register_kind(kind: Kind) -> Kind:
    """Declare a kind (idempotent for the same name)."""
    KINDS[kind.name] = kind
    return kind


class _SafeParams(dict):
    def __missing__(self, key):
        return "…"


def _params(kind: Kind, params: dict) -> _SafeParams:
    values = _SafeParams(params or {})
    for name, labels in kind.labels.items():
        if name in values:
            label = labels.get(values[name])
            if label is None:
                label = {str(key.value if hasattr(key, "value") else key): value
                         for key, value in labels.items()}.get(str(values[name]), values[name])
            values[name] = str(label)
    return values


def render_title(kind_name: str, params: dict) -> str:
    """The title in the current locale."""
    kind = KINDS.get(kind_name)
    if kind is None:
        return _("Notification")
    return str(kind.title) % _params(kind, params)


def render_text(kind_name: str, params: dict) -> str:
    """The text in the current locale."""
    kind = KINDS.get(kind_name)
    if kind is None:
        return ""
    return str(kind.text) % _params(kind, params)
