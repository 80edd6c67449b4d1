"""After the event: transcript, per-listing report, moderation log, XLSX export; the .ics file."""

import io
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook

from events.ics import escape_text, fold, roadshow_calendar
from events.live.models import (
    LiveAttendance,
    LiveInterest,
    LiveModerationEntry,
    LivePoll,
    LivePollOption,
    LiveQuestion,
    ModerationAction,
    PollStatus,
    QuestionStatus,
)
from events.models import RoadshowModerator, RoadshowState
from marketplace.accounts.models import Role
from marketplace.extensions import db
from tests import factories
from tests.conftest import zh
from tests.factories import at

FORMULA = '=HYPERLINK("http://evil.example/","点此")'


@pytest.fixture
def event(make_user):
    """An ended roadshow of two listings with questions, a poll, interests and attendance."""
    host = make_user(Role.TTO, name="主持人王")
    first = factories.listing(host.organisation, title="高镍正极材料")
    second = factories.listing(host.organisation, title="柔性压力传感器")
    roadshow = factories.roadshow(host, days=-1, state=RoadshowState.ENDED, listings=[first, second])
    roadshow.went_live_at, roadshow.ended_at = at(-1, 2), at(-1, 3)
    asker = make_user(Role.INVESTOR, name="投资人周")
    shy = make_user(Role.COMPANY, name="企业李")
    late = make_user(Role.INVESTOR, name="迟到者")

    def question(text, listing, author, status=QuestionStatus.APPROVED, **kwargs):
        uuid = f"00000000-0000-4000-8000-{len(text):04d}{author.id:08d}"
        q = LiveQuestion(roadshow_id=roadshow.id, client_uuid=uuid, listing_id=listing.id,
                         author_id=author.id, text=text, status=status, **kwargs)
        db.session.add(q)
        return q

    answered = question("循环寿命能到多少次？", first, asker, upvotes=3, answer="实验室条件下 2000 次。",
                        answered_by_id=host.id, answered_at=at(-1, 2, 10), created_at=at(-1, 2, 5))
    question("价格怎么谈？", first, shy, anonymous=True, created_at=at(-1, 2, 6))
    hidden = question("广告：低价代理专利", first, shy, status=QuestionStatus.HIDDEN,
                      created_at=at(-1, 2, 7))
    question(FORMULA, second, asker, upvotes=1, created_at=at(-1, 2, 40))
    poll = LivePoll(roadshow_id=roadshow.id, listing_id=first.id, question="是否愿意试用？",
                    status=PollStatus.CLOSED)
    poll.options = [LivePollOption(position=1, label="愿意", votes=3),
                    LivePollOption(position=2, label="观望", votes=1)]
    db.session.add_all([
        poll,
        LiveInterest(roadshow_id=roadshow.id, listing_id=first.id, user_id=asker.id),
        LiveInterest(roadshow_id=roadshow.id, listing_id=second.id, user_id=shy.id),
        # The listings were switched to at 02:00 and 02:30; the event ended at 03:00.
        LiveModerationEntry(roadshow_id=roadshow.id, actor_id=host.id, listing_id=first.id,
                            action=ModerationAction.PRESENT_LISTING, created_at=at(-1, 2)),
        LiveModerationEntry(roadshow_id=roadshow.id, actor_id=host.id, listing_id=second.id,
                            action=ModerationAction.PRESENT_LISTING, created_at=at(-1, 2, 30)),
        LiveModerationEntry(roadshow_id=roadshow.id, actor_id=host.id, action=ModerationAction.END,
                            created_at=at(-1, 3)),
        LiveAttendance(roadshow_id=roadshow.id, user_id=asker.id, first_joined_at=at(-1, 2),
                       last_joined_at=at(-1, 2), last_left_at=None),
        LiveAttendance(roadshow_id=roadshow.id, user_id=shy.id, first_joined_at=at(-1, 2),
                       last_joined_at=at(-1, 2), last_left_at=at(-1, 2, 20)),
        LiveAttendance(roadshow_id=roadshow.id, user_id=late.id, first_joined_at=at(-1, 2, 45),
                       last_joined_at=at(-1, 2, 45), last_left_at=at(-1, 3)),
    ])
    db.session.flush()
    db.session.add_all([
        LiveModerationEntry(roadshow_id=roadshow.id, actor_id=host.id, question_id=hidden.id,
                            action=ModerationAction.HIDE, created_at=at(-1, 2, 8)),
        LiveModerationEntry(roadshow_id=roadshow.id, actor_id=host.id, question_id=answered.id,
                            action=ModerationAction.EDIT_ANSWER, previous_text="2000次",
                            new_text="实验室条件下 2000 次。", created_at=at(-1, 2, 12)),
    ])
    db.session.commit()
    return {"roadshow": roadshow, "host": host, "asker": asker, "shy": shy}


@pytest.fixture
def as_host(auth, event):
    auth.login(event["host"].email)
    return event


def test_transcript_shows_answers_by_listing_and_keeps_anonymity(client, as_host):
    html = client.get(f"/roadshows/{as_host['roadshow'].id}/transcript").get_data(as_text=True)
    assert html.index("高镍正极材料") < html.index("循环寿命能到多少次？") < html.index("柔性压力传感器")
    assert "实验室条件下 2000 次。" in html and "投资人周" in html
    assert "价格怎么谈？" in html and "企业李" not in html and zh("Anonymous") in html
    assert "广告：低价代理专利" not in html


def test_report_per_listing(client, as_host):
    html = client.get(f"/roadshows/{as_host['roadshow'].id}/report").get_data(as_text=True)
    first = html[html.index("高镍正极材料"):html.index("柔性压力传感器")]
    assert "愿意：3 (75%)" in first and "投资人周" in first


def test_listing_report_figures(app, event):
    from events.reports import listing_reports, summary

    first, second = listing_reports(event["roadshow"])
    assert (first.questions, first.answered, first.hidden, first.upvotes) == (2, 1, 1, 3)
    assert [i.user.name for i in first.interests] == ["投资人周"]
    # Presented 02:00-02:30: asker (stayed) and shy (left 02:20) were there; late came 02:45.
    assert first.attendance == 2
    # Presented 02:30-03:00: asker and late.
    assert (second.questions, second.upvotes, second.attendance) == (1, 1, 2)
    assert summary(event["roadshow"])["attended"] == 3


def test_moderation_log_shows_who_hid_and_edited_what(client, as_host):
    html = client.get(f"/roadshows/{as_host['roadshow'].id}/moderation-log").get_data(as_text=True)
    assert "广告：低价代理专利" in html and zh("Hid a question") in html
    assert "2000次" in html and zh("Edited an answer") in html and "主持人王" in html


def test_xlsx_export_is_formula_safe(client, as_host):
    response = client.get(f"/roadshows/{as_host['roadshow'].id}/report.xlsx")
    assert response.status_code == 200
    assert 'filename="bxqx-roadshow-' in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.get_data()))
    transcript = book[zh("Transcript")]
    texts = [row[3] for row in transcript.iter_rows(min_row=2, values_only=True)]
    assert "'" + FORMULA in texts and FORMULA not in texts
    per_listing = book[zh("Per listing")]
    rows = list(per_listing.iter_rows(min_row=2, values_only=True))
    assert rows[0][1] == "高镍正极材料" and rows[0][5:11] == (2, 1, 1, 3, 1, 2)
    assert isinstance(rows[0][3], datetime) and rows[0][3] < rows[0][4]  # date cells
    log = [row[2] for row in book[zh("Moderation log")].iter_rows(min_row=2, values_only=True)]
    assert zh("Hid a question") in log


def test_a_moderator_reads_the_reports_an_attendee_does_not(client, auth, event, make_user):
    moderator = make_user(Role.INVESTOR)
    db.session.add(RoadshowModerator(roadshow_id=event["roadshow"].id, user_id=moderator.id))
    db.session.commit()
    auth.login(event["asker"].email)
    assert client.get(f"/roadshows/{event['roadshow'].id}/transcript").status_code == 404
    auth.logout()
    auth.login(moderator.email)
    assert client.get(f"/roadshows/{event['roadshow'].id}/transcript").status_code == 200


# --- the calendar file ------------------------------------------------------------------------

def test_ics_escapes_text_and_folds_long_lines_on_character_boundaries(app, make_user):
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    line = "DESCRIPTION:" + "高价值专利" * 30
    folded = fold(line)
    parts = folded.split("\r\n")
    assert all(len(part.encode()) <= 75 for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    assert "".join(part[1:] if i else part for i, part in enumerate(parts)) == line

    host = make_user(Role.TTO)
    roadshow = factories.roadshow(host, title="路演, 第一场; 专场",
                                  listings=[factories.listing(host.organisation)])
    text = roadshow_calendar(roadshow, page_url="https://bxqx.example/roadshows/1",
                             host="bxqx.example", now=at(0, 1)).decode()
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    assert "SUMMARY:路演\\, 第一场\\; 专场" in lines
    assert f"UID:roadshow-{roadshow.id}@bxqx.example" in lines
    assert f"DTSTAMP:{at(0, 1).strftime('%Y%m%dT%H%M%SZ')}" in lines
    assert f"DTSTART:{roadshow.starts_at.strftime('%Y%m%dT%H%M%SZ')}" in lines
    assert all(len(line.encode()) <= 75 for line in lines)
    assert roadshow.ends_at - roadshow.starts_at == timedelta(hours=2)


# --- demo data --------------------------------------------------------------------------------

def test_demo_roadshows_load_once_and_their_pages_work(app, runner, client, auth):
    from sqlalchemy import func, select

    from events.demo import CLOSED, PAST, UPCOMING
    from events.models import Registration, RegistrationStatus, Roadshow
    from marketplace.demo import DEMO_PASSWORD

    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0 and "0 other demo item(s)" in result.output
    upcoming = db.session.scalar(select(Roadshow).where(Roadshow.title == UPCOMING))
    past = db.session.scalar(select(Roadshow).where(Roadshow.title == PAST))
    closed = db.session.scalar(select(Roadshow).where(Roadshow.title == CLOSED))
    assert db.session.scalar(select(func.count()).select_from(Roadshow)) == 3
    assert upcoming.state is RoadshowState.PUBLISHED and len(upcoming.agenda) == 3
    assert past.state is RoadshowState.ENDED and len(past.agenda) == 2
    statuses = sorted(r.status.value for r in db.session.scalars(
        select(Registration).where(Registration.roadshow_id == upcoming.id)))
    assert statuses == ["confirmed", "confirmed", "waitlisted"]
    assert all(item.listing.organisation_id == upcoming.organisation_id for item in upcoming.agenda)
    # The closed-door roadshow presents the demo inventor's patents; one registration awaits approval.
    assert closed.requires_approval and closed.agenda
    assert all("inventor@demo.bxqx.cn" in {u.email for u in item.listing.inventor_users}
               for item in closed.agenda)
    assert [r.status for r in closed.registrations] == [RegistrationStatus.PENDING]
    assert UPCOMING in client.get("/roadshows").get_data(as_text=True)
    assert PAST in client.get("/roadshows?when=past").get_data(as_text=True)
    auth.login("tto@demo.bxqx.cn", DEMO_PASSWORD)
    transcript = client.get(f"/roadshows/{past.id}/transcript").get_data(as_text=True)
    assert "已完成百公斤级中试" in transcript
    assert client.get(f"/roadshows/{past.id}/report.xlsx").status_code == 200
    assert RegistrationStatus.CONFIRMED in {r.status for r in upcoming.registrations}
