"""Open-licence events reach the licensor university's tto in the bell as well as by e-mail (one
e-mail, not two); the licensee, other universities and the announcement itself notify no one."""

from datetime import timedelta

from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.licences import reminders
from marketplace.licences.models import TrialTrigger
from marketplace.notifications.models import Notification
from tests import factories
from tests.conftest import login, zh
from tests.licences_support import world  # noqa: F401


def _notifications() -> list[tuple[int, str]]:
    return [(n.user_id, n.kind) for n in db.session.scalars(select(Notification).order_by(Notification.id))]


def test_the_announcement_notifies_no_one_and_an_acceptance_the_licensor_ttos_only(
        client, auth, world, make_user, outbox):  # noqa: F811
    colleague = make_user(Role.TTO, org=world.university)
    inventor = make_user(Role.INVENTOR, org=world.university)
    stranger = make_user(Role.TTO)  # another university
    declaration = factories.declaration(world.tto, world.listing)
    assert _notifications() == []

    before = len(outbox())
    licence = factories.licence(world.buyer, declaration)
    assert sorted(_notifications()) == sorted([(world.tto.id, "licences.accepted"),
                                               (colleague.id, "licences.accepted")])
    assert not {inventor.id, stranger.id, world.buyer.id} & {user for user, _ in _notifications()}
    # One e-mail per tto, as before: the bell adds none.
    sent = [m["To"] for m in outbox()[before:]]
    assert sent.count(world.tto.email) == 1 and sent.count(colleague.email) == 1

    login(auth, world.tto)
    page = client.get("/notifications").get_data(as_text=True)
    assert world.company.name in page and world.listing.title in page
    assert {n.link for n in db.session.scalars(select(Notification))} == {f"/licences/{licence.id}"}
    auth.logout()
    login(auth, world.buyer)
    assert world.listing.title not in client.get("/notifications").get_data(as_text=True)


def test_a_trial_turning_overdue_tells_the_licensor_ttos_once(client, auth, world, outbox):  # noqa: F811
    declaration = factories.declaration(world.tto, world.listing, trial_days=30,
                                        trial_trigger=TrialTrigger.TRIAL_END)
    licence = factories.licence(world.buyer, declaration, trial=True)
    db.session.execute(Notification.__table__.delete())
    db.session.commit()
    due = licence.payment_due_on
    reminders.run(due - timedelta(days=10))  # the reminder goes to the licensee by e-mail only
    assert _notifications() == []

    before = len(outbox())
    assert reminders.run(due + timedelta(days=1))["overdue"] == 1
    assert _notifications() == [(world.tto.id, "licences.payment_overdue")]
    assert [m["To"] for m in outbox()[before:]].count(world.tto.email) == 1
    reminders.run(due + timedelta(days=2))
    assert len(_notifications()) == 1

    login(auth, world.tto)
    page = client.get("/notifications").get_data(as_text=True)
    assert zh("Payment overdue: %(title)s", title=world.listing.title) in page
    assert "50,000.00" in page and due.isoformat() in page
