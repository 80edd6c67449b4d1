"""Issue 13 §1: every absolute URL that leaves the platform is built from PUBLIC_URL, never from the
request's Host or X-Forwarded-Host; production refuses other hosts; PUBLIC_URL follows HOST/PORT."""

import io
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.config import ProductionConfig, TestConfig
from marketplace.extensions import db
from marketplace.lists.models import PublishedList
from tests import factories
from tests.conftest import PASSWORD, post

ROOT = Path(__file__).resolve().parents[2]
EVIL = {"Host": "evil.example"}
PUBLIC = "https://bxqx.example.gov.cn"
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_LINK = re.compile(r"https?://[^\s\"'<>]+")


def post_with(client, path: str, data: dict, headers: dict, form_page: str | None = None, **kwargs):
    """GET the form page and POST it with the same headers (the cookies follow the Host)."""
    html = client.get(form_page or path, headers=headers, **kwargs).get_data(as_text=True)
    token = _TOKEN.search(html).group(1)
    return client.post(path, data={"csrf_token": token, **data}, headers=headers, **kwargs)


def links(text: str) -> list[str]:
    return _LINK.findall(text)


def only_public(text: str, public: str) -> list[str]:
    """The absolute links in ``text``; asserts that every one is on ``public``."""
    found = links(text)
    assert found, "no absolute link found"
    strangers = [url for url in found if not url.startswith(public.rstrip("/") + "/")]
    assert strangers == [], f"links not on {public}: {strangers}"
    return found


def mail_text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


@pytest.fixture
def production_app(another_app, tmp_path):
    """The production configuration (trusted hosts from PUBLIC_URL), on the test's database."""
    return another_app(
        CONFIG_CLASS=ProductionConfig, PUBLIC_URL=PUBLIC, SECRET_KEY="p" * 40,
        RATELIMIT_STORAGE_URI="memory://", SOCKETIO_ASYNC_MODE="threading",
        SOCKETIO_MESSAGE_QUEUE=None, SERVER_ROLE="all", MAIL_SERVER="", JOBS_INLINE=True,
        PASSWORD_HASH_METHOD=TestConfig.PASSWORD_HASH_METHOD, SEARCH_CACHE_SECONDS=0,
        PROXY_FIX_HOPS=0, EXTRA_TRUSTED_HOSTS=["127.0.0.1"], UPLOAD_DIR=str(tmp_path / "up"))


# --- The password-reset mail (the account takeover of the issue) ---------------------------------

def test_reset_link_ignores_the_host_header(app, client, make_user, outbox):
    user = make_user(Role.INVESTOR)
    response = post_with(client, "/auth/reset", {"email": user.email}, EVIL)
    assert response.status_code == 302
    (message,) = outbox()
    (link,) = [url for url in links(mail_text(message)) if "/auth/reset/" in url]
    assert link.startswith(app.config["PUBLIC_URL"] + "/auth/reset/")
    assert "evil.example" not in mail_text(message)


def test_reset_link_ignores_x_forwarded_host_behind_the_proxy(another_app, make_user, outbox):
    proxied = another_app(PROXY_FIX_HOPS=1)
    client = proxied.test_client()
    user = make_user(Role.INVESTOR)
    headers = {"X-Forwarded-Host": "evil.example", "X-Forwarded-For": "203.0.113.9"}
    assert post_with(client, "/auth/reset", {"email": user.email}, headers).status_code == 302
    (message,) = outbox()
    only_public(mail_text(message), proxied.config["PUBLIC_URL"])


def test_production_refuses_a_foreign_host_and_mails_public_links(production_app, make_user,
                                                                   outbox):
    user = make_user(Role.INVESTOR)
    client = production_app.test_client()
    https = {"base_url": PUBLIC}
    assert client.get("/auth/reset", headers=EVIL, **https).status_code == 400
    assert client.post("/auth/reset", data={"email": user.email}, headers=EVIL,
                       **https).status_code == 400
    forwarded = {"Host": "bxqx.example.gov.cn", "X-Forwarded-Host": "evil.example"}
    assert client.get("/auth/reset", headers=forwarded, **https).status_code in (200, 400)
    assert outbox() == []
    # The public host works, and the link in the mail is PUBLIC_URL's.
    good = {"Host": "bxqx.example.gov.cn", "Referer": PUBLIC + "/auth/reset"}
    response = post_with(client, "/auth/reset", {"email": user.email}, good, **https)
    assert response.status_code == 302
    (message,) = outbox()
    assert any(url.startswith(PUBLIC + "/auth/reset/") for url in only_public(mail_text(message),
                                                                               PUBLIC))


def test_production_trusts_the_extra_hosts_for_health_checks(production_app):
    client = production_app.test_client()
    assert client.get("/healthz", headers={"Host": "127.0.0.1:8201"}).status_code == 200
    assert client.get("/healthz", headers=EVIL).status_code == 400


def test_production_behind_the_proxy_refuses_a_forwarded_foreign_host(another_app, tmp_path):
    app = another_app(CONFIG_CLASS=ProductionConfig, PUBLIC_URL=PUBLIC, SECRET_KEY="p" * 40,
                      RATELIMIT_STORAGE_URI="memory://", SOCKETIO_ASYNC_MODE="threading",
                      SOCKETIO_MESSAGE_QUEUE=None, SERVER_ROLE="all", PROXY_FIX_HOPS=1,
                      UPLOAD_DIR=str(tmp_path / "up"))
    client = app.test_client()
    headers = {"Host": "127.0.0.1:8201", "X-Forwarded-Proto": "https"}
    assert client.get("/healthz", headers={**headers, "X-Forwarded-Host": "evil.example"}
                      ).status_code == 400
    assert client.get("/healthz", headers={**headers, "X-Forwarded-Host": "bxqx.example.gov.cn"}
                      ).status_code == 200


# --- Other mail sent during a request --------------------------------------------------------------

def test_invitation_mail_links_to_public_url(app, client, make_user, outbox):
    admin = make_user(Role.TTO)
    assert post_with(client, "/auth/login", {"email": admin.email, "password": PASSWORD},
                     EVIL).status_code == 302
    response = post_with(client, "/org/invitations", {"email": "new@example.edu.cn",
                                                      "role": "inventor"}, EVIL, form_page="/org")
    assert response.status_code == 302
    (message,) = outbox()
    assert any("/invite/" in url for url in only_public(mail_text(message), app.config["PUBLIC_URL"]))


def test_notification_mail_links_to_public_url(app, make_user, outbox):
    from marketplace.notifications import notify

    user = make_user(Role.COMPANY)
    with app.test_request_context("/", headers=EVIL):
        notify([user], "interests.message", "/interests/1", listing="传感器", org="某大学",
               excerpt="您好")
    (message,) = outbox()
    found = only_public(mail_text(message), app.config["PUBLIC_URL"])
    assert app.config["PUBLIC_URL"] + "/interests/1" in found


# --- Files, API, Stripe, pages ---------------------------------------------------------------------

def test_list_exports_link_to_public_url(app, client, auth, make_user):
    tto = make_user(Role.TTO)
    auth.login(tto.email)
    listing = factories.listing(tto.organisation, abstract="石墨烯压力传感器。")
    assert post(client, "/manage/lists/new", {"kind": "high_value_patents", "title": "清单",
                                              "description": "遴选"}).status_code == 302
    plist = db.session.scalar(select(PublishedList))
    post(client, f"/manage/lists/{plist.id}/items", {"listing_id": str(listing.id)})
    post(client, f"/manage/lists/{plist.id}/publish")
    response = client.get(f"/lists/{plist.id}/versions/1.xlsx", headers=EVIL)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    text = " ".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row
                    if cell is not None)
    assert f"{app.config['PUBLIC_URL']}/listings/{listing.id}" in only_public(
        text, app.config["PUBLIC_URL"])


def test_api_links_and_openapi_servers_use_public_url(app, client, make_user):
    listing = factories.listing(make_user(Role.TTO).organisation, abstract="石墨烯压力传感器。")
    public = app.config["PUBLIC_URL"]
    body = client.get("/api/v1/listings", headers=EVIL).get_data(as_text=True)
    assert f"{public}/listings/{listing.id}" in only_public(body, public)
    body = client.get(f"/api/v1/listings/{listing.id}", headers=EVIL).get_data(as_text=True)
    only_public(body, public)
    document = client.get("/api/v1/openapi.json", headers=EVIL).json
    assert document["servers"] == [{"url": public + "/api/v1"}]
    missing = client.get("/api/v1/no-such-thing", headers=EVIL).json["message"]
    assert public + "/api/v1/openapi.json" in missing and "evil.example" not in missing


def test_canonical_links_of_public_pages_use_public_url(app, client, make_user):
    listing = factories.listing(make_user(Role.TTO).organisation, abstract="石墨烯压力传感器。")
    public = app.config["PUBLIC_URL"]
    for path in (f"/listings/{listing.id}", f"/orgs/{listing.organisation_id}", "/lists"):
        html = client.get(path, headers=EVIL).get_data(as_text=True)
        canonical = re.search(r'<link rel="canonical" href="([^"]+)"', html)
        assert canonical and canonical.group(1).startswith(public + "/"), path
        assert "evil.example" not in html, path


def test_calendar_file_uses_public_url(app, client, make_user):
    from tests.live_support import build_room

    room = build_room(make_user)
    body = client.get(f"/roadshows/{room.roadshow.id}/calendar.ics", headers=EVIL).get_data(
        as_text=True)
    unfolded = body.replace("\r\n ", "")
    assert f"{app.config['PUBLIC_URL']}/roadshows/{room.roadshow.id}" in unfolded
    assert "evil.example" not in unfolded


def test_stripe_return_urls_use_public_url(app, monkeypatch):
    from marketplace.payments.stripe_provider import StripeProvider

    sent = {}

    class Sessions:
        def create(self, params, options):
            sent.update(params)
            return {"id": "cs_test_1", "url": "https://checkout.stripe.com/c/pay/cs_test_1"}

    fake = SimpleNamespace(v1=SimpleNamespace(checkout=SimpleNamespace(sessions=Sessions())))
    monkeypatch.setattr(StripeProvider, "client", lambda self: fake)
    payment = SimpleNamespace(public_id="pay_abc", amount_fen=100, description="许可费",
                              purpose="licence_fee")
    with app.test_request_context("/", headers=EVIL):
        StripeProvider().prepare(payment)
    public = app.config["PUBLIC_URL"]
    assert sent["success_url"].startswith(public + "/")
    assert sent["cancel_url"].startswith(public + "/")


# --- One way to build them -------------------------------------------------------------------------

#: Ways of building an absolute URL from the request.
_FROM_REQUEST = re.compile(r"_external\s*=|host_url|url_root|request\.host\b|request\.url\b"
                           r"|request\.base_url|request\.root_url|X-Forwarded-Host")


def test_no_code_or_template_builds_an_absolute_url_from_the_request():
    helper = ROOT / "marketplace" / "public_urls.py"
    offenders = []
    for folder in ("marketplace", "events", "templates"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix not in {".py", ".html", ".txt", ".js"} or path == helper:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if _FROM_REQUEST.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == [], "build absolute URLs with marketplace.public_urls:\n" + "\n".join(offenders)


# --- PUBLIC_URL's default follows HOST and PORT ----------------------------------------------------

def test_public_url_defaults_from_host_and_port(another_app, monkeypatch, make_user):
    from tests.live_support import build_room, connect

    monkeypatch.delenv("PUBLIC_URL", raising=False)
    monkeypatch.delenv("HOST", raising=False)
    monkeypatch.setenv("PORT", "5100")
    app = another_app(PUBLIC_URL=None)
    assert app.config["PUBLIC_URL"] == "http://127.0.0.1:5100"
    room = build_room(make_user)
    # The live room accepts a browser on that port (it refused every port but 5000).
    assert connect(app, room.alice, room.roadshow.id,
                   origin="http://127.0.0.1:5100").is_connected("/live")
    assert not connect(app, room.alice, room.roadshow.id,
                       origin="http://127.0.0.1:5000").is_connected("/live")


def test_public_url_default_with_a_wildcard_host(another_app, monkeypatch):
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    monkeypatch.setenv("HOST", "0.0.0.0")  # noqa: S104  (what a user may set to listen everywhere)
    monkeypatch.setenv("PORT", "8080")
    assert another_app(PUBLIC_URL=None).config["PUBLIC_URL"] == "http://127.0.0.1:8080"


def test_a_malformed_public_url_stops_the_start(another_app):
    with pytest.raises(RuntimeError, match="PUBLIC_URL"):
        another_app(PUBLIC_URL="bxqx.example.gov.cn")
