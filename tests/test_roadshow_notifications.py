"""A host's decisions on a roadshow registration (approved, rejected, promoted from the waiting
list) reach the registrant's bell, with the one e-mail the roadshow already sends."""

from sqlalchemy import select

from events import registrations as regs
from events.models import RegistrationStatus
from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.notifications.models import Notification
from tests import factories


def _bell() -> list[tuple[int, str]]:
    return [(n.user_id, n.kind) for n in db.session.scalars(select(Notification).order_by(Notification.id))]


def test_approval_and_rejection_reach_the_registrant_only(make_user, outbox):
    host = make_user(Role.TTO)
    roadshow = factories.roadshow(host, capacity=1, approval=True)
    first, second, bystander = (make_user(Role.INVESTOR) for _ in range(3))
    one, two = regs.register(first, roadshow), regs.register(second, roadshow)
    regs.register(bystander, roadshow)
    assert _bell() == []  # registering is not a decision

    before = len(outbox())
    regs.approve(host, one)
    assert _bell() == [(first.id, "events.registration_confirmed")]
    assert [m["To"] for m in outbox()[before:]] == [first.email]  # one e-mail, as before
    regs.approve(host, two)  # full: approved onto the waiting list
    regs.reject(host, regs.registration_of(bystander, roadshow))
    assert _bell() == [(first.id, "events.registration_confirmed"),
                       (second.id, "events.registration_waitlisted"),
                       (bystander.id, "events.registration_rejected")]
    assert {n.link for n in db.session.scalars(select(Notification))} == {f"/roadshows/{roadshow.id}"}
    assert host.id not in {user for user, _ in _bell()}


def test_promotion_from_the_waiting_list_reaches_the_promoted(client, auth, make_user, outbox):
    host = make_user(Role.TTO)
    roadshow = factories.roadshow(host, capacity=1, title="储能材料专场路演")
    first, second, third = (make_user(Role.INVESTOR) for _ in range(3))
    regs.register(first, roadshow)
    regs.register(second, roadshow)
    regs.register(third, roadshow)
    before = len(outbox())
    regs.cancel(first, regs.registration_of(first, roadshow))
    assert regs.registration_of(second, roadshow).status is RegistrationStatus.CONFIRMED
    assert _bell() == [(second.id, "events.registration_promoted")]
    assert [m["To"] for m in outbox()[before:]].count(second.email) == 1

    assert auth.login(second.email).status_code == 302
    assert "储能材料专场路演" in client.get("/notifications").get_data(as_text=True)
    auth.logout()
    assert auth.login(third.email).status_code == 302
    assert "储能材料专场路演" not in client.get("/notifications").get_data(as_text=True)
