"""Seats under concurrency: two people take the last seat at once, a cancellation races a new
registration. Each request runs in its own thread, app context and database connection.

Every registration change locks the roadshow row before it counts seats. To make the race real,
the seat check is slowed down: without the lock both threads would read "one seat free" and both
be confirmed. Run it on PostgreSQL (TEST_DATABASE_URL) as well as SQLite.
"""

import threading
import time

import pytest
from sqlalchemy import select

from events import registrations as regs
from events.models import Registration, RegistrationStatus, Roadshow
from marketplace.accounts.models import Role, User
from marketplace.errors import ServiceError
from marketplace.extensions import db
from tests import factories


@pytest.fixture
def slow_seat_check(monkeypatch):
    """Hold each request between counting the seats and writing its registration."""
    original = regs._has_seat

    def slow(roadshow):
        free = original(roadshow)
        time.sleep(0.3)
        return free

    monkeypatch.setattr(regs, "_has_seat", slow)


def run_in_threads(app, *calls):
    """Run each ``call(user_id)`` in its own thread and app context, all released at once."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def worker(index, fn):
        with app.app_context():
            try:
                barrier.wait()
                outcomes[index] = fn()
            except ServiceError as error:
                db.session.rollback()
                outcomes[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i, fn)) for i, fn in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def register_call(user_id, roadshow_id):
    def call():
        user, roadshow = db.session.get(User, user_id), db.session.get(Roadshow, roadshow_id)
        return regs.register(user, roadshow).status
    return call


def statuses(roadshow_id):
    db.session.expire_all()
    return {r.user_id: r.status for r in db.session.scalars(
        select(Registration).where(Registration.roadshow_id == roadshow_id))}


@pytest.mark.parametrize("waitlist", [True, False])
def test_two_people_taking_the_last_seat_at_once(app, make_user, slow_seat_check, waitlist):
    host = make_user(Role.TTO)
    roadshow = factories.roadshow(host, capacity=1, waitlist=waitlist)
    a, b = make_user(Role.INVESTOR), make_user(Role.COMPANY)
    outcomes = run_in_threads(app, register_call(a.id, roadshow.id), register_call(b.id, roadshow.id))
    assert sorted(str(o) for o in outcomes).count(str(RegistrationStatus.CONFIRMED)) == 1
    seen = list(statuses(roadshow.id).values())
    assert seen.count(RegistrationStatus.CONFIRMED) == 1
    if waitlist:
        assert seen.count(RegistrationStatus.WAITLISTED) == 1
    else:
        assert len(seen) == 1 and any(isinstance(o, ServiceError) for o in outcomes)


def test_a_freed_seat_goes_to_the_waiting_list_not_to_a_newcomer(app, make_user, slow_seat_check):
    host = make_user(Role.TTO)
    roadshow = factories.roadshow(host, capacity=1)
    holder, waiting, newcomer = (make_user(Role.INVESTOR) for _ in range(3))
    regs.register(holder, roadshow)
    regs.register(waiting, roadshow)
    holder_registration_id = regs.registration_of(holder, roadshow).id

    def cancel():
        registration = db.session.get(Registration, holder_registration_id)
        return regs.cancel(registration.user, registration)

    run_in_threads(app, cancel, register_call(newcomer.id, roadshow.id))
    final = statuses(roadshow.id)
    assert final[holder.id] is RegistrationStatus.CANCELLED
    assert final[waiting.id] is RegistrationStatus.CONFIRMED
    assert final[newcomer.id] is RegistrationStatus.WAITLISTED
    assert list(final.values()).count(RegistrationStatus.CONFIRMED) == 1
