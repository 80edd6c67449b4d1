"""Roadshows: creating one with its agenda, the public pages, registration with approval and a
waiting list, e-mails with a calendar file, and what another university may not do."""

from datetime import datetime, timedelta
from email import policy
from email.parser import BytesParser
from zoneinfo import ZoneInfo

import pytest
from markupsafe import escape
from sqlalchemy import select

from events import registrations as regs
from events import services
from events.models import (
    AgendaItem,
    Registration,
    RegistrationStatus,
    Roadshow,
    RoadshowModerator,
    RoadshowState,
)
from marketplace.accounts.models import Role
from marketplace.audit.models import AuditEvent
from marketplace.errors import InvalidTransition, NotAllowed, ServiceError
from marketplace.extensions import db
from marketplace.listings.models import (
    ListingState,
)
from marketplace.permissions import can
from tests import factories
from tests.conftest import post, zh
from tests.factories import at

SHANGHAI_OFFSET = timedelta(hours=8)


def local(value: datetime) -> str:
    """The datetime-local text a user in Asia/Shanghai types for ``value``."""
    return (value + SHANGHAI_OFFSET).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def host(make_user):
    return make_user(Role.TTO)


@pytest.fixture
def login(auth):
    def _login(user):
        auth.logout()
        response = auth.login(user.email)
        assert response.status_code == 302
        return user
    return _login


def roadshow_form(**overrides) -> dict:
    data = {"title": "2026 新材料专场路演", "description": "邀请投资机构与企业研发负责人参加。",
            "starts_at": local(at(10, 2)), "ends_at": local(at(10, 5)),
            "stream_url": "https://live.bilibili.com/21452505", "capacity": "2",
            "waitlist_enabled": "y"}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# --- creating a roadshow ----------------------------------------------------------------------

def test_tto_creates_a_roadshow_in_their_time_zone(client, host, login):
    login(host)
    response = post(client, "/manage/roadshows/new", roadshow_form())
    assert response.status_code == 302
    roadshow = db.session.scalar(select(Roadshow))
    assert roadshow.organisation_id == host.organisation_id
    assert roadshow.state is RoadshowState.DRAFT
    # Typed as 10:00 China Standard Time, stored as 02:00 UTC.
    assert roadshow.starts_at == at(10, 2) and roadshow.ends_at == at(10, 5)
    assert roadshow.capacity == 2 and roadshow.waitlist_enabled and not roadshow.requires_approval
    assert db.session.scalar(select(AuditEvent.event).where(AuditEvent.target_type == "roadshows")) \
        == "roadshow.created"


def test_a_user_in_another_zone_types_and_reads_their_own_time(client, host, login):
    host.timezone = "Europe/Berlin"
    db.session.commit()
    login(host)
    typed = at(10, 2).astimezone(ZoneInfo("Europe/Berlin")).strftime("%Y-%m-%dT%H:%M")
    ends = at(10, 5).astimezone(ZoneInfo("Europe/Berlin")).strftime("%Y-%m-%dT%H:%M")
    assert post(client, "/manage/roadshows/new",
                roadshow_form(starts_at=typed, ends_at=ends)).status_code == 302
    roadshow = db.session.scalar(select(Roadshow))
    assert roadshow.starts_at == at(10, 2)
    html = client.get(f"/manage/roadshows/{roadshow.id}/edit").get_data(as_text=True)
    assert f'value="{typed}"' in html


@pytest.mark.parametrize(("overrides", "message"), [
    ({"title": ""}, "This field is required."),
    ({"ends_at": local(at(10, 1))}, "The roadshow must end after it starts."),
    ({"capacity": "0"}, "Enter a number from 1 to 100,000."),
    ({"stream_url": "javascript:alert(1)"}, "Enter a web address starting with https://."),
])
def test_invalid_roadshow_form_is_shown_again_with_errors(client, host, login, overrides, message):
    login(host)
    response = post(client, "/manage/roadshows/new", roadshow_form(**overrides))
    assert response.status_code == 422
    assert str(escape(zh(message))) in response.get_data(as_text=True)
    assert db.session.scalar(select(Roadshow)) is None


def test_roadshow_in_the_past_is_refused(client, host, login):
    login(host)
    response = post(client, "/manage/roadshows/new",
                    roadshow_form(starts_at=local(at(-2, 2)), ends_at=local(at(-2, 3))))
    assert response.status_code == 422
    assert zh("The roadshow must start in the future.") in response.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.INVENTOR, Role.INVESTOR, Role.COMPANY])
def test_only_ttos_create_roadshows(client, make_user, login, role):
    login(make_user(role))
    assert post(client, "/manage/roadshows/new", roadshow_form()).status_code == 403


# --- the agenda -------------------------------------------------------------------------------

def add_slot(client, roadshow, listing, start, end, presenter="李振华 教授"):
    return post(client, f"/manage/roadshows/{roadshow.id}/agenda",
                {"listing_id": str(listing.id), "presenter": presenter,
                 "starts_at": local(start), "ends_at": local(end)})


def test_agenda_is_ordered_by_time_and_validated(client, host, login):
    login(host)
    roadshow = factories.roadshow(host, state=RoadshowState.DRAFT)
    first, second, third = (factories.listing(host.organisation, title=title)
                            for title in ("甲成果", "乙成果", "丙成果"))
    assert add_slot(client, roadshow, second, at(7, 3), at(7, 3, 30)).status_code == 302
    assert add_slot(client, roadshow, first, at(7, 2), at(7, 2, 30)).status_code == 302
    db.session.expire_all()
    assert [(i.position, i.listing.title) for i in roadshow.agenda] == [(1, "甲成果"), (2, "乙成果")]

    cases = [
        ((third, at(7, 2, 15), at(7, 2, 45)), zh("The slot overlaps “%(title)s”.", title="甲成果")),
        ((third, at(7, 1, 30), at(7, 2, 10)), zh("The slot must lie within the roadshow's time.")),
        ((third, at(7, 3, 45), at(7, 4, 30)), zh("The slot must lie within the roadshow's time.")),
        ((first, at(7, 3, 30), at(7, 3, 45)), zh("This listing is already on the agenda.")),
    ]
    for args, message in cases:
        response = add_slot(client, roadshow, *args)
        assert response.status_code == 422, message
        assert str(escape(message)) in response.get_data(as_text=True)
    assert len(db.session.scalars(select(AgendaItem)).all()) == 2


def test_agenda_takes_only_own_published_listings(client, host, login, make_user):
    login(host)
    roadshow = factories.roadshow(host, state=RoadshowState.DRAFT)
    draft = factories.listing(host.organisation, title="草稿成果", state=ListingState.DRAFT)
    foreign = factories.listing(make_user(Role.TTO).organisation, title="别校成果")
    html = client.get(f"/manage/roadshows/{roadshow.id}/agenda").get_data(as_text=True)
    assert "草稿成果" not in html and "别校成果" not in html
    for listing in (draft, foreign):
        assert add_slot(client, roadshow, listing, at(7, 2), at(7, 3)).status_code == 422
    assert roadshow.agenda == []


def test_publish_needs_an_agenda_then_the_public_sees_it(client, host, login):
    login(host)
    roadshow = factories.roadshow(host, state=RoadshowState.DRAFT)
    assert client.get("/roadshows").get_data(as_text=True).count("新材料专场路演") == 0
    post(client, f"/manage/roadshows/{roadshow.id}/publish")
    db.session.refresh(roadshow)
    assert roadshow.state is RoadshowState.DRAFT
    add_slot(client, roadshow, factories.listing(host.organisation), at(7, 2), at(7, 3))
    assert post(client, f"/manage/roadshows/{roadshow.id}/publish").status_code == 302
    db.session.refresh(roadshow)
    assert roadshow.state is RoadshowState.PUBLISHED
    client.get("/")  # keep the session's CSRF token; log out to see the public pages
    post(client, "/auth/logout")
    assert "新材料专场路演" in client.get("/roadshows").get_data(as_text=True)
    page = client.get(f"/roadshows/{roadshow.id}").get_data(as_text=True)
    assert "一种柔性压力传感器" in page and "李振华 教授" in page


def test_draft_is_hidden_from_the_public_and_other_universities(client, host, login, make_user):
    roadshow = factories.roadshow(host, state=RoadshowState.DRAFT)
    assert client.get(f"/roadshows/{roadshow.id}").status_code == 404
    login(make_user(Role.TTO))
    assert client.get(f"/roadshows/{roadshow.id}").status_code == 404
    login(host)
    assert client.get(f"/roadshows/{roadshow.id}").status_code == 200


def test_upcoming_and_past_lists(client, host):
    factories.roadshow(host, title="将来的路演", days=3)
    factories.roadshow(host, title="结束的路演", days=-3, state=RoadshowState.ENDED)
    factories.roadshow(host, title="草稿路演", state=RoadshowState.DRAFT)
    upcoming = client.get("/roadshows").get_data(as_text=True)
    past = client.get("/roadshows?when=past").get_data(as_text=True)
    assert "将来的路演" in upcoming and "结束的路演" not in upcoming and "草稿路演" not in upcoming
    assert "结束的路演" in past and "将来的路演" not in past and "草稿路演" not in past


# --- stream embed -----------------------------------------------------------------------------

def test_known_video_host_is_embedded_with_a_precise_csp(client, host, make_user, login):
    roadshow = factories.roadshow(host, stream_url="https://www.bilibili.com/video/BV1GJ411x7h7")
    attendee = login(make_user(Role.INVESTOR))
    regs.register(attendee, roadshow)
    response = client.get(f"/roadshows/{roadshow.id}")
    html = response.get_data(as_text=True)
    assert 'src="https://player.bilibili.com/player.html?bvid=BV1GJ411x7h7' in html
    csp = response.headers["Content-Security-Policy"]
    assert "frame-src 'self' https://player.bilibili.com;" in csp
    assert "script-src 'self';" in csp and "*" not in csp


def test_unknown_stream_host_is_a_link_and_the_csp_stays_strict(client, host, make_user, login):
    roadshow = factories.roadshow(host, stream_url="https://meeting.tencent.com/dm/AbCdEf")
    attendee = login(make_user(Role.INVESTOR))
    regs.register(attendee, roadshow)
    response = client.get(f"/roadshows/{roadshow.id}")
    html = response.get_data(as_text=True)
    assert "<iframe" not in html and 'href="https://meeting.tencent.com/dm/AbCdEf"' in html
    assert "frame-src 'self';" in response.headers["Content-Security-Policy"]


def test_stream_is_not_shown_before_registering(client, host, make_user, login):
    roadshow = factories.roadshow(host, stream_url="https://live.bilibili.com/21452505")
    login(make_user(Role.INVESTOR))
    html = client.get(f"/roadshows/{roadshow.id}").get_data(as_text=True)
    assert "<iframe" not in html and "live.bilibili.com" not in html


# --- registration -----------------------------------------------------------------------------

def test_registration_confirms_and_mails_a_calendar_file(client, host, make_user, login, outbox):
    roadshow = factories.roadshow(host, capacity=10, listings=[factories.listing(host.organisation)])
    attendee = login(make_user(Role.INVESTOR, name="周投资"))
    response = post(client, f"/roadshows/{roadshow.id}/register")
    assert response.status_code == 302
    registration = db.session.scalar(select(Registration))
    assert registration.user_id == attendee.id and registration.status is RegistrationStatus.CONFIRMED
    [message] = outbox()
    assert message["To"] == attendee.email
    body = message.get_body(preferencelist=("plain",)).get_content()
    # 02:00 UTC is shown as 10:00 in the attendee's zone (Beijing time by default, named in words).
    assert "10:00" in body and "北京时间" in body and f"/roadshows/{roadshow.id}" in body
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_filename() == f"roadshow-{roadshow.id}.ics"
    ics = attachment.get_payload(decode=True).decode()
    assert f"DTSTART:{at(7, 2).strftime('%Y%m%dT%H%M%SZ')}\r\n" in ics
    assert f"DTEND:{at(7, 4).strftime('%Y%m%dT%H%M%SZ')}\r\n" in ics
    assert "UID:roadshow-" in ics and "DTSTAMP:" in ics and "SUMMARY:新材料专场路演\r\n" in ics
    html = client.get(f"/roadshows/{roadshow.id}").get_data(as_text=True)
    assert zh("Cancel my registration") in html


def test_anonymous_visitor_must_log_in_to_register(client, host):
    roadshow = factories.roadshow(host)
    response = post(client, f"/roadshows/{roadshow.id}/register")
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login")
    assert db.session.scalar(select(Registration)) is None


def test_registering_twice_is_refused(client, host, make_user, login):
    roadshow = factories.roadshow(host)
    login(make_user(Role.COMPANY))
    post(client, f"/roadshows/{roadshow.id}/register")
    post(client, f"/roadshows/{roadshow.id}/register")
    assert len(db.session.scalars(select(Registration)).all()) == 1


def test_full_roadshow_waitlists_and_a_cancellation_promotes_the_first(host, make_user, outbox):
    roadshow = factories.roadshow(host, capacity=1)
    first, second, third = (make_user(Role.INVESTOR) for _ in range(3))
    assert regs.register(first, roadshow).status is RegistrationStatus.CONFIRMED
    assert regs.register(second, roadshow).status is RegistrationStatus.WAITLISTED
    third_registration = regs.register(third, roadshow)
    assert regs.waitlist_position(third_registration) == 2
    mails_before = len(outbox())
    promoted = regs.cancel(first, regs.registration_of(first, roadshow))
    assert [r.user_id for r in promoted] == [second.id]
    statuses = {r.user_id: r.status for r in db.session.scalars(select(Registration))}
    assert statuses == {first.id: RegistrationStatus.CANCELLED, second.id: RegistrationStatus.CONFIRMED,
                        third.id: RegistrationStatus.WAITLISTED}
    assert regs.waitlist_position(third_registration) == 1
    new_mail = outbox()[mails_before:]
    promoted_mail = [m for m in new_mail if m["To"] == second.email]
    assert len(promoted_mail) == 1 and list(promoted_mail[0].iter_attachments())
    events = db.session.scalars(select(AuditEvent.event).order_by(AuditEvent.id)).all()
    assert "roadshow.registration_promoted" in events


def test_without_a_waiting_list_a_full_roadshow_refuses(host, make_user):
    roadshow = factories.roadshow(host, capacity=1, waitlist=False)
    regs.register(make_user(Role.INVESTOR), roadshow)
    with pytest.raises(ServiceError, match=zh("This roadshow is full.")):
        regs.register(make_user(Role.INVESTOR), roadshow)


def test_approval_flow(client, host, make_user, login, outbox):
    roadshow = factories.roadshow(host, capacity=1, approval=True)
    asker, other = make_user(Role.INVESTOR, name="投资人甲"), make_user(Role.COMPANY, name="企业乙")
    login(asker)
    post(client, f"/roadshows/{roadshow.id}/register", {"note": "关注新材料方向"})
    login(other)
    post(client, f"/roadshows/{roadshow.id}/register")
    first, second = db.session.scalars(select(Registration).order_by(Registration.id)).all()
    assert first.status is second.status is RegistrationStatus.PENDING
    assert not can("events.enter_room", roadshow, user=asker)

    login(host)
    page = client.get(f"/manage/roadshows/{roadshow.id}/registrations").get_data(as_text=True)
    assert "投资人甲" in page and "关注新材料方向" in page
    post(client, f"/manage/roadshows/{roadshow.id}/registrations/{first.id}/approve")
    post(client, f"/manage/roadshows/{roadshow.id}/registrations/{second.id}/approve")
    db.session.expire_all()
    assert first.status is RegistrationStatus.CONFIRMED and first.decided_by_id == host.id
    assert second.status is RegistrationStatus.WAITLISTED
    assert can("events.enter_room", roadshow, user=asker)
    post(client, f"/manage/roadshows/{roadshow.id}/registrations/{second.id}/reject")
    db.session.expire_all()
    assert second.status is RegistrationStatus.REJECTED
    subjects = [(m["To"], m["Subject"]) for m in outbox()]
    assert sum(1 for to, _s in subjects if to == other.email) == 3  # received, waitlisted, declined


def test_host_cancelling_a_confirmed_seat_promotes_the_waiting(client, host, make_user, login):
    roadshow = factories.roadshow(host, capacity=1)
    a, b = make_user(Role.INVESTOR), make_user(Role.INVESTOR)
    ra, rb = regs.register(a, roadshow), regs.register(b, roadshow)
    login(host)
    post(client, f"/manage/roadshows/{roadshow.id}/registrations/{ra.id}/cancel")
    db.session.expire_all()
    assert ra.status is RegistrationStatus.CANCELLED and rb.status is RegistrationStatus.CONFIRMED


def test_raising_capacity_promotes_the_waiting_list(client, host, make_user, login):
    roadshow = factories.roadshow(host, capacity=1, listings=[factories.listing(host.organisation)])
    users = [make_user(Role.INVESTOR) for _ in range(3)]
    for user in users:
        regs.register(user, roadshow)
    login(host)
    form = roadshow_form(title=roadshow.title, description=roadshow.description,
                         starts_at=local(roadshow.starts_at), ends_at=local(roadshow.ends_at),
                         stream_url="", capacity="2")
    assert post(client, f"/manage/roadshows/{roadshow.id}/edit", form).status_code == 302
    confirmed = db.session.scalars(select(Registration.user_id).where(
        Registration.status == RegistrationStatus.CONFIRMED).order_by(Registration.id)).all()
    assert confirmed == [users[0].id, users[1].id]


def test_cancelling_the_roadshow_cancels_and_mails_everyone(client, host, make_user, login, outbox):
    roadshow = factories.roadshow(host, capacity=1)
    a, b = make_user(Role.INVESTOR), make_user(Role.COMPANY)
    regs.register(a, roadshow), regs.register(b, roadshow)
    login(host)
    before = len(outbox())
    post(client, f"/manage/roadshows/{roadshow.id}/cancel", {"reason": "主讲专家临时出差，改期另行通知。"})
    db.session.refresh(roadshow)
    assert roadshow.state is RoadshowState.CANCELLED and roadshow.ics_sequence == 1
    assert {r.status for r in db.session.scalars(select(Registration))} == {RegistrationStatus.CANCELLED}
    mails = outbox()[before:]
    assert {m["To"] for m in mails} == {a.email, b.email}
    ics = list(mails[0].iter_attachments())[0].get_payload(decode=True).decode()
    assert "STATUS:CANCELLED" in ics and "SEQUENCE:1" in ics


def test_registration_is_closed_after_the_event(host, make_user):
    roadshow = factories.roadshow(host, days=-2, state=RoadshowState.ENDED)
    with pytest.raises(InvalidTransition, match=zh("Registration for this roadshow is closed.")):
        regs.register(make_user(Role.INVESTOR), roadshow)


def test_my_roadshows_lists_my_registrations(client, host, make_user, login):
    roadshow = factories.roadshow(host, title="我报名的路演")
    factories.roadshow(host, title="别的路演")
    attendee = login(make_user(Role.INVESTOR))
    regs.register(attendee, roadshow)
    html = client.get("/my/roadshows").get_data(as_text=True)
    assert "我报名的路演" in html and "别的路演" not in html


def test_calendar_download(client, host):
    roadshow = factories.roadshow(host)
    response = client.get(f"/roadshows/{roadshow.id}/calendar.ics")
    assert response.mimetype == "text/calendar"
    assert response.get_data().startswith(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")


# --- access helpers ---------------------------------------------------------------------------

def test_room_access(host, make_user):
    roadshow = factories.roadshow(host)
    colleague = make_user(Role.TTO, org=host.organisation, is_org_admin=False)
    inventor = make_user(Role.INVENTOR, org=host.organisation, is_org_admin=False)
    stranger_tto, attendee, waiting = (make_user(Role.TTO), make_user(Role.INVESTOR),
                                       make_user(Role.COMPANY))
    moderator, admin = make_user(Role.INVESTOR), make_user(Role.ADMIN)
    roadshow.capacity = 1
    db.session.add(RoadshowModerator(roadshow_id=roadshow.id, user_id=moderator.id))
    db.session.commit()
    regs.register(attendee, roadshow)
    regs.register(waiting, roadshow)
    enter = {u: can("events.enter_room", roadshow, user=u)
             for u in (host, colleague, inventor, stranger_tto, attendee, waiting, moderator, admin)}
    assert enter == {host: True, colleague: True, inventor: False, stranger_tto: False,
                     attendee: True, waiting: False, moderator: True, admin: True}
    moderate = {u: can("events.moderate", roadshow, user=u) for u in enter}
    assert moderate == {host: True, colleague: True, inventor: False, stranger_tto: False,
                        attendee: False, waiting: False, moderator: True, admin: True}


def test_go_live_and_end_are_audited_transitions(host, make_user):
    roadshow = factories.roadshow(host)
    with pytest.raises(NotAllowed):
        services.go_live(roadshow, make_user(Role.INVESTOR))
    services.go_live(roadshow, host, confirmed_early=True)
    assert roadshow.state is RoadshowState.LIVE and roadshow.went_live_at is not None
    with pytest.raises(InvalidTransition):
        services.go_live(roadshow, host)
    services.end_roadshow(roadshow, host)
    assert roadshow.state is RoadshowState.ENDED
    events = db.session.scalars(select(AuditEvent.event).order_by(AuditEvent.id)).all()
    assert events[-2:] == ["roadshow.live", "roadshow.ended"]


# --- another university (IDOR) ----------------------------------------------------------------

@pytest.fixture
def foreign(host, make_user):
    """University B's roadshow with one registration, and university A's tto logged in."""
    other_host = make_user(Role.TTO)
    listing = factories.listing(other_host.organisation, title="乙校成果")
    roadshow = factories.roadshow(other_host, listings=[listing], title="乙校路演", capacity=5)
    attendee = make_user(Role.INVESTOR, name="乙校报名人")
    registration = regs.register(attendee, roadshow)
    moderator = RoadshowModerator(roadshow_id=roadshow.id, user_id=attendee.id)
    db.session.add(moderator)
    db.session.commit()
    return {"roadshow": roadshow, "registration": registration, "item": roadshow.agenda[0],
            "moderator": moderator}


def test_another_universitys_tto_cannot_see_or_change_a_roadshow(client, host, login, foreign):
    login(host)
    rid = foreign["roadshow"].id
    for url in (f"/manage/roadshows/{rid}/edit", f"/manage/roadshows/{rid}/agenda",
                f"/manage/roadshows/{rid}/registrations", f"/manage/roadshows/{rid}/moderators",
                f"/manage/roadshows/{rid}/cancel",
                f"/manage/roadshows/{rid}/agenda/{foreign['item'].id}",
                f"/roadshows/{rid}/report", f"/roadshows/{rid}/transcript",
                f"/roadshows/{rid}/moderation-log", f"/roadshows/{rid}/report.xlsx"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "乙校报名人" not in response.get_data(as_text=True)
    posts = [
        (f"/manage/roadshows/{rid}/edit", roadshow_form(title="篡改")),
        (f"/manage/roadshows/{rid}/publish", {}),
        (f"/manage/roadshows/{rid}/cancel", {"reason": "恶意取消他校路演"}),
        (f"/manage/roadshows/{rid}/agenda/{foreign['item'].id}/remove", {}),
        (f"/manage/roadshows/{rid}/registrations/{foreign['registration'].id}/cancel", {}),
        (f"/manage/roadshows/{rid}/registrations/{foreign['registration'].id}/reject", {}),
        (f"/manage/roadshows/{rid}/moderators", {"email": host.email}),
        (f"/manage/roadshows/{rid}/moderators/{foreign['moderator'].id}/remove", {}),
    ]
    for url, data in posts:
        assert post(client, url, data).status_code == 404, url
    db.session.expire_all()
    roadshow = foreign["roadshow"]
    assert roadshow.title == "乙校路演" and roadshow.state is RoadshowState.PUBLISHED
    assert len(roadshow.agenda) == 1 and len(roadshow.moderators) == 1
    assert foreign["registration"].status is RegistrationStatus.CONFIRMED


def test_own_ids_mixed_with_a_foreign_roadshow_are_404(client, host, login, foreign):
    """A registration or slot of university B addressed through university A's roadshow."""
    login(host)
    mine = factories.roadshow(host, listings=[factories.listing(host.organisation)])
    for url in (f"/manage/roadshows/{mine.id}/registrations/{foreign['registration'].id}/cancel",
                f"/manage/roadshows/{mine.id}/agenda/{foreign['item'].id}/remove",
                f"/manage/roadshows/{mine.id}/moderators/{foreign['moderator'].id}/remove"):
        assert post(client, url).status_code == 404, url
    db.session.expire_all()
    assert foreign["registration"].status is RegistrationStatus.CONFIRMED
    assert len(foreign["roadshow"].agenda) == 1 and len(foreign["roadshow"].moderators) == 1


def test_parse_ics_with_email_parser_keeps_crlf(host, make_user, outbox):
    """The attachment survives the trip through the outbox byte for byte (CRLF line ends)."""
    roadshow = factories.roadshow(host)
    regs.register(make_user(Role.INVESTOR), roadshow)
    raw = bytes(outbox()[0])
    message = BytesParser(policy=policy.default).parsebytes(raw)
    ics = list(message.iter_attachments())[0].get_payload(decode=True)
    assert ics.count(b"\r\n") == len(ics.split(b"\r\n")) - 1 and b"\n" not in ics.replace(b"\r\n", b"")
    assert ics.endswith(b"END:VCALENDAR\r\n")
