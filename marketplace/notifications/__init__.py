"""In-app notifications and their e-mails: one small interface every feature calls.

Use it from a service, **after** the service has committed the change it reports::

    from marketplace.notifications import Kind, notify, register_kind
    from flask_babel import lazy_gettext as _l

    # once, at import time of your feature (e.g. at the top of your services.py):
    register_kind(Kind(
        "needs.proposed",                                    # unique, "<feature>.<event>"
        title=_l("New proposal for %(need)s"),               # short, shown in the bell list and as
        text=_l("%(org)s proposed %(listing)s."),            # the e-mail subject; text is the body
        labels={"mode": MODE_LABELS},                        # optional: params whose *value* is a
    ))                                                       # key of a dict of lazy labels

    notify([user, ...], "needs.proposed", url_for("needs.detail", need_id=need.id),
           need=need.title, org=org.name, listing=listing.title)

``notify(users, kind, link, *, email=True, **params)``
    Stores one ``Notification`` per distinct active recipient (commits) and, when ``email`` is true
    and the kind allows e-mail, sends each recipient one e-mail in that recipient's language
    (``User.locale``, else the platform default) through ``marketplace.mail`` (a background job
    once the notifications are committed; inline in tests, so the ``outbox`` fixture sees it).
    ``params`` must be JSON values (strings, numbers); they are stored, and the title and text are
    rendered from the kind's msgids when shown, always in the reader's language. ``link`` is a
    path on this site (``/interests/3``); the e-mail makes it absolute. Returns the stored notifications.

``register_kind(Kind(...))``
    Declares a kind. ``title`` and ``text`` are ``lazy_gettext`` msgids with ``%(name)s``
    placeholders filled from the params. ``email=False`` keeps a kind in-app only.

``unread_count(user)``, ``mark_read(user, notification)``, ``mark_all_read(user)``
    What the bell and the notifications page (``/notifications``) use.

Recipients: pass ``User`` objects; ``members_of(organisation)`` gives an organisation's active
members. The acting user is not skipped automatically: leave them out yourself.
"""

from marketplace.notifications.kinds import Kind, register_kind
from marketplace.notifications.services import (
    mark_all_read,
    mark_read,
    members_of,
    notify,
    unread_count,
)

__all__ = ["Kind", "register_kind", "notify", "members_of", "unread_count", "mark_read",
           "mark_all_read"]
