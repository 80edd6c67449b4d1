"""Issue 19 §4: every mail is multipart/alternative (text and HTML) in the recipient's language,
read with the ``email`` package; digests and alerts carry a one-click unsubscribe (RFC 8058)
that works without a session and turns that mail off; transactional mail carries none."""

from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import urlsplit

from sqlalchemy import select

from marketplace import mail
from marketplace.accounts import mailings
from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.notifications import notify
from marketplace.notifications.kinds import KINDS
from marketplace.notifications.models import Notification
from tests import factories
from tests.conftest import post
from tests.interests_support import cast_fixture, client_for  # noqa: F401
from tests.mail_support import html, plain

PUBLIC = "http://127.0.0.1:5000"  # TestConfig's PUBLIC_URL


class _Page(HTMLParser):
    """The tags, link targets, html lang and visible text of a mail's HTML part."""

    def __init__(self, source: str):
        super().__init__()
        self.tags, self.hrefs, self.lang, self.text = set(), [], None, []
        self.feed(source)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.add(tag)
        if tag == "html":
            self.lang = attrs.get("lang")
        if "href" in attrs:
            self.hrefs.append(attrs["href"])
        assert "src" not in attrs, f"<{tag} src=…>: no remote content in mail"

    def handle_data(self, data):
        self.text.append(data)


def _check_parts(message, language: str) -> _Page:
    """Both parts present, in UTF-8 and ``language``; the HTML plain, safe and linking home."""
    assert message.get_content_type() == "multipart/alternative"
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    for part in (text_part, html_part):
        assert part.get_content_charset() == "utf-8"
        assert part["Content-Language"] == language
    assert message["Content-Language"] == language
    page = _Page(html_part.get_content())
    assert page.lang == language
    assert not page.tags & {"script", "img", "iframe", "link", "style", "form"}
    assert page.hrefs and all(href.startswith(PUBLIC + "/") for href in page.hrefs)
    return page


def test_a_reset_mail_is_text_and_html_in_each_recipients_language(client, make_user, outbox):
    chinese, english = make_user(Role.COMPANY), make_user(Role.INVESTOR, locale="en")
    for user in (chinese, english):
        assert post(client, "/auth/reset", {"email": user.email}).status_code == 302
    zh_mail, en_mail = outbox()
    page = _check_parts(zh_mail, "zh-CN")
    text = plain(zh_mail)
    link = next(word for word in text.split() if "/auth/reset/" in word)
    assert link.startswith(PUBLIC + "/auth/reset/") and link in page.hrefs
    assert "百校千项" in "".join(page.text) and "“百校千项”平台" in text
    assert "重置" in "".join(page.text)  # the same words as the text part
    page = _check_parts(en_mail, "en")
    assert "Hundred Schools, Thousand Projects" in "".join(page.text)
    assert "reset the password" in plain(en_mail) and "reset the password" in "".join(page.text)
    for message in (zh_mail, en_mail):  # transactional: nothing to unsubscribe from
        assert message["List-Unsubscribe"] is None and message["List-Unsubscribe-Post"] is None
        assert "/unsubscribe/" not in bytes(message).decode("ascii", "replace")


def test_the_html_part_escapes_the_text_and_links_only_this_site(app):
    reason = "请补充<b>营业执照</b>，参见 https://evil.example/phish 与 http://127.0.0.1:5000/orgs/edit。"
    message = mail.compose("a@example.cn", "审核", "org_rejected", "zh_CN",
                           user=SimpleNamespace(name="王晓梅"),
                           org=SimpleNamespace(name="青禾新材料", rejection_reason=reason))
    source = html(message)
    assert "&lt;b&gt;营业执照&lt;/b&gt;" in source and "<b>" not in source
    page = _check_parts(message, "zh-CN")
    assert f"{PUBLIC}/orgs/edit" in page.hrefs  # the trailing 。 is not part of the link
    assert not any("evil.example" in href for href in page.hrefs)
    assert "https://evil.example/phish" in "".join(page.text)  # shown, as the operator wrote it


def _token(message) -> tuple[str, str]:
    """The unsubscribe link of a mail (checked against both headers) and its path."""
    header = message["List-Unsubscribe"]
    assert header.startswith("<") and header.endswith(">") and "," not in header
    url = header[1:-1]
    assert url.startswith(PUBLIC + "/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url in plain(message) and url in _Page(html(message)).hrefs
    return url, urlsplit(url).path


def test_a_digest_unsubscribes_in_one_click_without_a_session(app, cast, runner, outbox):
    client = client_for(app, cast.company)
    assert post(client, "/alerts/searches", {"q": "电池", "name": "电池材料",
                                             "frequency": "daily"}).status_code == 302
    factories.published_listing(cast.tto, title="一种固态电池电解质膜")
    from marketplace.alerts.models import SavedSearch
    saved = db.session.scalar(select(SavedSearch))
    saved.created_at = saved.created_at.replace(year=saved.created_at.year - 1)
    db.session.commit()
    assert "digests e-mailed: 1" in runner.invoke(args=["alerts", "run"]).output
    [digest] = outbox()
    _check_parts(digest, "zh-CN")
    url, path = _token(digest)

    # What a mail client does (RFC 8058): a POST with that body, no cookie, no CSRF token.
    response = app.test_client().post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "已退订" in response.get_data(as_text=True)
    db.session.expire_all()
    company = db.session.get(type(cast.company), cast.company.id)
    assert (company.mail_digests, company.mail_follow_alerts, company.mail_notifications) == \
        (False, True, True)
    assert app.test_client().post(path).status_code == 200  # again: still off, no error

    # The next digest is not mailed; the bell still says there are new listings.
    factories.published_listing(cast.tto, title="一种钠离子电池负极材料")
    saved = db.session.get(SavedSearch, saved.id)
    saved.last_run_at = None
    db.session.commit()
    runner.invoke(args=["alerts", "run"])
    assert len(outbox()) == 1
    kinds = db.session.scalars(select(Notification.kind).where(
        Notification.user_id == company.id)).all()
    assert kinds == ["alerts.digest", "alerts.digest"]

    # The profile shows the switch off, and turns the digests back on.
    html_page = client.get("/account/profile").get_data(as_text=True)
    assert 'name="mail_digests"' in html_page and 'name="mail_follows"' in html_page
    assert post(client, "/account/profile", {
        "name": company.name, "locale": "", "timezone": "", "mail_digests": "y",
        "mail_follows": "y", "mail_notifications": "y"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(type(company), company.id).mail_digests is True


def test_alerts_and_notifications_carry_their_own_list_and_transactional_ones_none(
        app, make_user, outbox):
    user = make_user(Role.INVESTOR, locale="en")
    listing = factories.published_listing(make_user(Role.TTO))
    link = f"/listings/{listing.id}"
    notify([user], "alerts.listing_state", link, listing=listing.title, state="suspended")
    notify([user], "needs.invited", link, org="岭南生物医药大学", need="电池回收")
    notify([user], "interests.nda", link, org="青禾新材料", version=2, listing=listing.title)
    alert, invited, nda = outbox()
    assert [mailings.read_token(_token(m)[0].rsplit("/", 1)[1])[1] for m in (alert, invited)] == \
        ["follows", "notifications"]
    assert nda["List-Unsubscribe"] is None  # an NDA is an agreement: transactional
    for message in (alert, invited, nda):
        _check_parts(message, "en")
    # Payments and licences are transactional too.
    assert {KINDS[k].mailing for k in ("payments.transfer_started", "licences.accepted",
                                       "licences.payment_overdue", "interests.nda_changed")} == {None}

    app.test_client().post(_token(alert)[1])
    notify([user], "alerts.listing_state", link, listing=listing.title, state="published")
    notify([user], "needs.invited", link, org="岭南生物医药大学", need="储能材料")
    assert [m["Subject"] for m in outbox()[3:]] == [invited["Subject"]]  # the alert stays in-app
    unmailed = db.session.scalars(select(Notification).where(
        Notification.kind == "alerts.listing_state").order_by(Notification.id)).all()
    assert [n.emailed_at is None for n in unmailed] == [False, True]


def test_the_link_asks_first_and_a_bad_or_expired_one_gets_a_clear_400(app, make_user):
    user = make_user(Role.INVESTOR, locale="en")
    path = urlsplit(mailings.unsubscribe_url(user, "follows")).path
    visitor = app.test_client()  # a browser with no session (the link was opened from the mail)
    page = visitor.get(path)
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Unsubscribe from these e-mails?" in body  # English
    assert f'<form method="post" action="{path}">' in body and "<button" in body
    assert "Alerts on listings you follow" in body and user.email in body
    db.session.refresh(user)
    assert user.mail_follow_alerts is True  # a GET (a link preview, a scanner) changes nothing

    bad = visitor.post(path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb"))
    assert bad.status_code == 400 and "此退订链接无效" in bad.get_data(as_text=True)
    assert visitor.get("/unsubscribe/not-a-token").status_code == 400
    app.config["UNSUBSCRIBE_MAX_AGE"] = -1  # every link is too old
    expired = visitor.post(path)
    text = expired.get_data(as_text=True)
    assert expired.status_code == 400 and "This unsubscribe link does not work" in text
    assert 'lang="en"' in text  # the addressee's language, though nobody is logged in
    db.session.refresh(user)
    assert user.mail_follow_alerts is True
