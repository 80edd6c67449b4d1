"""Pages read as a native speaker writes: each word in its sense (报名, not 注册, for a roadshow),
times to the minute, time zones by name, and an audit log in words with links."""

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role, User
from marketplace.audit import describe
from marketplace.audit.services import record
from marketplace.extensions import db
from marketplace.i18n import datetime_filter, moment_text
from tests import factories
from tests.conftest import login, post

SECONDS = re.compile(r"\b\d{1,2}:\d{2}:\d{2}\b")


def text_of(response) -> str:
    """The page's visible text, roughly: tags and scripts removed."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture
def show(make_user):
    host = make_user(Role.TTO)
    listing = factories.listing(host.organisation, title="柔性电池隔膜")
    return factories.roadshow(host, listings=[listing])


def test_signing_up_for_a_roadshow_reads_baoming_not_zhuce(client, auth, make_user, show):
    investor = login(auth, make_user(Role.INVESTOR))
    page = client.get(f"/roadshows/{show.id}")
    assert re.search(r"<button[^>]*>\s*报名\s*</button>", page.get_data(as_text=True))
    assert "注册" not in text_of(page)
    post(client, f"/roadshows/{show.id}/register", {})
    auth.logout()
    host = db.session.scalar(select(User).where(User.organisation_id == show.organisation_id))
    login(auth, host)
    page = client.get(f"/manage/roadshows/{show.id}/registrations")
    assert investor.name in text_of(page)
    assert "报名时间" in text_of(page) and "注册" not in text_of(page)


def test_a_need_open_for_proposals_reads_zhengjizhong(client, auth, make_user):
    company = make_user(Role.COMPANY)
    need = factories.need(company)
    login(auth, company)
    for path in ("/needs", f"/needs/{need.id}"):
        text = text_of(client.get(path))
        assert "征集中" in text and "打开" not in text


def test_the_saved_search_is_named_mingcheng_not_xingming(client, auth, make_user):
    login(auth, make_user(Role.INVESTOR))
    html = client.get("/listings?q=电池").get_data(as_text=True)
    assert re.search(r'<label for="saved-name">名称</label>', html)


def test_times_are_shown_to_the_minute(app):
    moment = datetime(2026, 12, 6, 14, 5, 33, tzinfo=UTC)
    beijing = ZoneInfo("Asia/Shanghai")
    assert moment_text(moment, tzinfo=beijing, locale="zh_Hans_CN") == "2026年12月6日 22:05"
    assert moment_text(moment, "short", tzinfo=beijing, locale="zh_Hans_CN") == "2026/12/6 22:05"
    assert moment_text(moment, tzinfo=beijing, locale="en") == "Dec 6, 2026, 10:05\u202fPM"
    with app.test_request_context("/"):
        for size in ("short", "medium", "long"):
            assert not SECONDS.search(datetime_filter(moment, size)), size


def test_the_profile_names_time_zones_in_chinese_and_keeps_the_zone_id(client, auth, make_user):
    user = login(auth, make_user(Role.INVESTOR))
    html = client.get("/account/profile").get_data(as_text=True)
    assert re.search(r'<option value="Asia/Hong_Kong">香港时间</option>', html)
    assert re.search(r'<option (selected )?value="">北京时间（中国标准时间）</option>', html)
    assert "America/New_York<" not in html and "美国东部时间（纽约）" in html
    post(client, "/account/profile", {"name": user.name, "locale": "", "timezone": "Asia/Tokyo"})
    db.session.refresh(user)
    assert user.timezone == "Asia/Tokyo"
    assert re.search(r'<option selected value="Asia/Tokyo">东京时间</option>',
                     client.get("/account/profile").get_data(as_text=True))


def test_the_audit_log_names_objects_in_words_and_links_them(client, auth, make_user):
    tto = make_user(Role.TTO)
    listing = factories.listing(tto.organisation, title="柔性电池隔膜")
    record("listing.published", actor=tto, target=listing)
    record("org.rejected", actor=tto, target=tto.organisation, reason="材料不全",
           fields=["name", "city"])
    db.session.commit()
    login(auth, make_user(Role.ADMIN))
    response = client.get("/admin/audit")
    html = response.get_data(as_text=True)
    assert f'<a href="/listings/{listing.id}">成果 #{listing.id}</a>' in html
    assert f'<a href="/admin/organisations/{tto.organisation_id}">机构 #{tto.organisation_id}</a>' in html
    text = text_of(response)
    assert "原因：材料不全" in text and "修改的字段：name、city" in text
    assert "listings #" not in text and "organisations #" not in text and "reason:" not in text
    assert not SECONDS.search(text)


def test_every_audit_target_names_a_real_table_and_page(app):
    tables = set(db.metadata.tables)
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    for table, (_label, endpoint, _argument) in describe.TARGETS.items():
        assert table in tables
        assert endpoint is None or endpoint in endpoints, endpoint
