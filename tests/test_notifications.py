"""Notifications: stored per recipient, rendered in the reader's language, e-mailed, the bell."""

import pytest
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.notifications import Kind, mark_all_read, notify, register_kind, unread_count
from marketplace.notifications.models import Notification
from tests.conftest import post, zhp
from tests.mail_support import plain

STATES = {"open": _lp("need status", "Open"), "closed": _lp("need status", "Closed")}
register_kind(Kind("test.event", title=_l("Listing %(listing)s changed"),
                   text=_l("%(org)s changed %(listing)s."), labels={"state": STATES}))
register_kind(Kind("test.quiet", title=_l("Listing %(listing)s changed"),
                   text=_l("%(org)s changed %(listing)s."), email=False))


@pytest.fixture
def people(make_user):
    tto = make_user(Role.TTO, email="tto@example.edu.cn", locale="en")
    company = make_user(Role.COMPANY, email="buyer@example.com")
    return tto, company


def test_notify_stores_one_row_per_recipient_and_emails_in_their_language(app, people, outbox):
    tto, company = people
    rows = notify([tto, company, tto], "test.event", "/listings/1", listing="锂电池", org="青禾")
    assert len(rows) == 2
    stored = db.session.scalars(db.select(Notification).order_by(Notification.user_id)).all()
    assert [(n.user_id, n.link, n.params["listing"]) for n in stored] == [
        (tto.id, "/listings/1", "锂电池"), (company.id, "/listings/1", "锂电池")]
    mails = {m["To"]: m for m in outbox()}
    assert set(mails) == {"tto@example.edu.cn", "buyer@example.com"}
    english = mails["tto@example.edu.cn"]
    assert english["Subject"] == "Listing 锂电池 changed"
    body = plain(english)
    assert "青禾 changed 锂电池." in body and app.config["PUBLIC_URL"] + "/listings/1" in body
    assert all(n.emailed_at is not None for n in stored)


def test_in_app_only_kind_sends_no_mail(app, people, outbox):
    tto, _ = people
    notify([tto], "test.quiet", "/", listing="x", org="y")
    assert unread_count(tto) == 1 and outbox() == []


def test_inactive_users_and_unsafe_links_are_refused(app, people):
    tto, company = people
    company.active = False
    db.session.commit()
    assert [n.user_id for n in notify([tto, company], "test.quiet", "/x", listing="a", org="b")] == [
        tto.id]
    with pytest.raises(ValueError):
        notify([tto], "test.quiet", "https://evil.example/", listing="a", org="b")
    with pytest.raises(ValueError):
        notify([tto], "no.such.kind", "/")


def test_labels_are_translated_for_the_reader(app, people):
    tto, _ = people
    register_kind(Kind("test.state", title=_l("Interest is now %(state)s"), text=_l("%(state)s"),
                       labels={"state": STATES}, email=False))
    (row,) = notify([tto], "test.state", "/", state="closed")
    # The label is rendered in the reader's language when shown (zh-CN by default; the test-only
    # title has no catalogue entry, so it stays English around the label).
    assert row.title == "Interest is now " + zhp("need status", "Closed")
    with force_locale("en"):
        assert row.title == "Interest is now Closed"


def test_bell_page_and_mark_read(app, client, auth, people):
    tto, company = people
    notify([tto], "test.event", "/listings/7", listing="钙钛矿", org="青禾")
    notify([tto], "test.quiet", "/listings/8", listing="储能", org="青禾")
    (other,) = notify([company], "test.quiet", "/listings/9", listing="别人的", org="x")
    auth.login(tto.email)
    html = client.get("/dashboard").get_data(as_text=True)
    assert 'class="bell-count" aria-hidden="true">2<' in html
    page = client.get("/notifications").get_data(as_text=True)
    assert "钙钛矿" in page and "储能" in page and "别人的" not in page
    first = db.session.scalars(db.select(Notification).where(
        Notification.user_id == tto.id).order_by(Notification.id)).first()
    response = post(client, f"/notifications/{first.id}/open")
    assert response.status_code == 302 and response.headers["Location"] == "/listings/7"
    assert unread_count(tto) == 1
    # Somebody else's notification does not exist for this user.
    assert post(client, f"/notifications/{other.id}/open").status_code == 404
    assert post(client, f"/notifications/{other.id}/read").status_code == 404
    assert db.session.get(Notification, other.id).read_at is None
    assert post(client, "/notifications/read-all").status_code == 302
    assert unread_count(tto) == 0 and unread_count(company) == 1
    assert "bell-count" not in client.get("/dashboard").get_data(as_text=True)


def test_mark_all_read_counts(app, people):
    tto, _ = people
    notify([tto], "test.quiet", "/", listing="a", org="b")
    notify([tto], "test.quiet", "/", listing="c", org="d")
    assert mark_all_read(tto) == 2 and mark_all_read(tto) == 0
