"""Roadshow dead ends (issue 15, part 3): the host is not asked to register for its own roadshow,
going live days early asks first, and the live room's refusal says why and what to do next."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from events import services
from events.live.models import LiveModerationEntry, ModerationAction
from events.models import Registration, RegistrationStatus, RoadshowModerator, RoadshowState
from marketplace.accounts.models import Role
from marketplace.db_types import utcnow
from marketplace.extensions import db
from tests import factories
from tests.conftest import post, zh, zhp
from tests.live_support import ack, connect


@pytest.fixture
def host(make_user):
    return make_user(Role.TTO)


@pytest.fixture
def roadshow(host):
    return factories.roadshow(host, listings=[factories.listing(host.organisation)])


def page(client, auth, user, url):
    auth.logout()
    if user is not None:
        assert auth.login(user.email).status_code == 302
    return client.get(url)


# --- hosts see host actions, everyone else registration ------------------------------------------

@pytest.mark.parametrize("who, hosts", [
    ("host", "host"), ("colleague", "host"), ("moderator", "moderator"), ("admin", "moderator"),
    ("inventor", None), ("other_tto", None), ("investor", None), ("company", None)])
def test_the_registration_box_depends_on_who_runs_the_room(client, auth, host, roadshow, make_user,
                                                           who, hosts):
    people = {
        "host": host, "colleague": make_user(Role.TTO, org=host.organisation),
        "moderator": make_user(Role.INVESTOR), "admin": make_user(Role.ADMIN),
        "inventor": make_user(Role.INVENTOR, org=host.organisation),
        "other_tto": make_user(Role.TTO), "investor": make_user(Role.INVESTOR),
        "company": make_user(Role.COMPANY)}
    db.session.add(RoadshowModerator(roadshow_id=roadshow.id, user_id=people["moderator"].id))
    db.session.commit()
    html = page(client, auth, people[who], f"/roadshows/{roadshow.id}").get_data(as_text=True)
    register_form = f'action="/roadshows/{roadshow.id}/register"'
    if hosts is None:
        assert register_form in html and zhp("roadshow", "Register") in html
        assert zh("You host this roadshow") not in html and zh("Go to the live room") not in html
        return
    assert register_form not in html and zh("Join the waiting list") not in html
    assert zh("You host this roadshow" if hosts == "host" else "You moderate this roadshow") in html
    assert f'href="/roadshows/{roadshow.id}/live"' in html and zh("Go to the live room") in html
    manage_link = f'href="/manage/roadshows/{roadshow.id}/registrations"'
    assert (manage_link in html) is (hosts == "host")


def test_the_host_sees_how_many_registrations_wait_for_approval(client, auth, host, make_user):
    roadshow = factories.roadshow(host, approval=True)
    for _ in range(2):
        factories.registration(roadshow, make_user(Role.INVESTOR), RegistrationStatus.PENDING)
    html = page(client, auth, host, f"/roadshows/{roadshow.id}").get_data(as_text=True)
    assert "2 人待审核" in html  # ngettext("%(num)d awaiting approval", ...)


def test_the_host_cannot_register_for_its_own_roadshow(client, auth, host, roadshow):
    page(client, auth, host, "/")
    response = post(client, f"/roadshows/{roadshow.id}/register", follow_redirects=True)
    assert zh("You run this roadshow: you enter its live room without registering.") \
        in response.get_data(as_text=True)
    assert db.session.scalar(select(Registration)) is None


def test_anonymous_visitors_are_offered_the_login(client, roadshow):
    html = client.get(f"/roadshows/{roadshow.id}").get_data(as_text=True)
    assert zh("Log in to register") in html and zh("You host this roadshow") not in html


# --- going live early asks first ---------------------------------------------------------------

def test_going_live_a_week_early_needs_a_confirmation_over_socketio(app, host, roadshow):
    client = connect(app, host, roadshow.id)
    refused = ack(client, "go_live")
    assert refused["ok"] is False and refused["error"] == "confirm_early"
    assert refused["message"].startswith(zh(
        "The roadshow is scheduled for %(when)s. Go live now, before the scheduled start?")
        .split("%(when)s")[0])
    db.session.expire_all()
    assert roadshow.state is RoadshowState.PUBLISHED
    assert ack(client, "go_live", {"confirm": "yes"})["error"] == "invalid"  # a flag, not a string
    assert ack(client, "go_live", {"confirm": True})["ok"]
    db.session.expire_all()
    assert roadshow.state is RoadshowState.LIVE


def test_going_live_within_half_an_hour_of_the_start_needs_no_confirmation(app, host, roadshow):
    roadshow.starts_at = utcnow() + timedelta(minutes=29)
    db.session.commit()
    assert ack(connect(app, host, roadshow.id), "go_live")["ok"]


def test_the_service_refuses_an_unconfirmed_early_start(host, roadshow):
    with pytest.raises(services.EarlyStart):
        services.go_live(roadshow, host)
    assert roadshow.state is RoadshowState.PUBLISHED
    services.go_live(roadshow, host, confirmed_early=True)
    assert roadshow.state is RoadshowState.LIVE


def test_going_live_from_the_page_confirms_then_goes_live(client, auth, host, roadshow):
    page(client, auth, host, "/")
    url = f"/roadshows/{roadshow.id}/live/go"
    asked = post(client, url)
    assert asked.status_code == 200
    html = asked.get_data(as_text=True)
    assert zh("Go live now?") in html and 'name="confirm" value="y"' in html
    db.session.expire_all()
    assert roadshow.state is RoadshowState.PUBLISHED
    done = post(client, url, {"confirm": "y"})
    assert done.status_code == 302 and done.headers["Location"] == f"/roadshows/{roadshow.id}/live"
    db.session.expire_all()
    assert roadshow.state is RoadshowState.LIVE
    assert db.session.scalar(select(LiveModerationEntry.action)) is ModerationAction.GO_LIVE


def test_only_those_who_run_the_room_go_live_from_the_page(client, auth, roadshow, make_user):
    attendee = make_user(Role.INVESTOR)
    factories.registration(roadshow, attendee)
    page(client, auth, attendee, "/")
    assert post(client, f"/roadshows/{roadshow.id}/live/go", {"confirm": "y"}).status_code == 403
    db.session.expire_all()
    assert roadshow.state is RoadshowState.PUBLISHED


def test_the_room_offers_the_confirmation_dialog_to_moderators_only(client, auth, host, roadshow,
                                                                   make_user):
    html = page(client, auth, host, f"/roadshows/{roadshow.id}/live").get_data(as_text=True)
    assert "data-live-early" in html and "/js/room-golive." in html
    attendee = make_user(Role.COMPANY)
    factories.registration(roadshow, attendee)
    html = page(client, auth, attendee, f"/roadshows/{roadshow.id}/live").get_data(as_text=True)
    assert "data-live-early" not in html and "/js/room-golive." not in html


# --- the live room without access ---------------------------------------------------------------

REFUSALS = {
    None: ("Register for this roadshow to enter its live room.", "Go to registration"),
    RegistrationStatus.PENDING: ("Your registration is waiting for the host's approval. You can "
                                 "enter the room once it is confirmed.", "My registration"),
    RegistrationStatus.WAITLISTED: ("You are on the waiting list. You can enter the room once a seat "
                                    "is confirmed for you; you will be e-mailed.", "My registration"),
    RegistrationStatus.REJECTED: ("The host did not accept your registration for this roadshow.",
                                  "Back to the roadshow"),
    RegistrationStatus.CANCELLED: ("Your registration was cancelled. Register again to enter the "
                                   "live room.", "Go to registration"),
}


@pytest.mark.parametrize("status", list(REFUSALS))
def test_a_refused_room_says_why_and_links_the_next_step(client, auth, roadshow, make_user, status):
    person = make_user(Role.INVESTOR)
    if status is not None:
        factories.registration(roadshow, person, status)
    response = page(client, auth, person, f"/roadshows/{roadshow.id}/live")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    message, label = REFUSALS[status]
    assert zh("You cannot enter this live room") in html and zh(message) in html
    assert f'href="/roadshows/{roadshow.id}">{zh(label)}</a>' in html
    assert zh("Your account cannot open this page. If you think it should, contact your "
              "organisation's administrator.") not in html


def test_a_closed_registration_and_a_cancelled_roadshow_are_said(client, auth, host, make_user):
    person = make_user(Role.COMPANY)
    ended = factories.roadshow(host, state=RoadshowState.ENDED)
    html = page(client, auth, person, f"/roadshows/{ended.id}/live").get_data(as_text=True)
    assert zh("Registration for this roadshow is closed; its live room is open only to confirmed "
              "registrants.") in html
    cancelled = factories.roadshow(host, state=RoadshowState.CANCELLED)
    factories.registration(cancelled, person)
    response = page(client, auth, person, f"/roadshows/{cancelled.id}/live")
    assert response.status_code == 403
    assert zh("This roadshow was cancelled; its live room is closed.") in response.get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_log_in_and_confirmed_attendees_get_in(client, auth, roadshow,
                                                                             make_user):
    url = f"/roadshows/{roadshow.id}/live"
    response = client.get(url)
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login")
    attendee = make_user(Role.INVESTOR)
    factories.registration(roadshow, attendee)
    assert page(client, auth, attendee, url).status_code == 200


def test_the_socket_still_refuses_with_the_same_reason(app, roadshow, make_user):
    person = make_user(Role.INVESTOR)
    factories.registration(roadshow, person, RegistrationStatus.WAITLISTED)
    client = connect(app, person, roadshow.id)
    assert not client.is_connected()
