"""Language, security headers, error pages, health, demo data and the schema."""

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from babel.messages.pofile import read_po
from sqlalchemy import func, select

from marketplace.accounts.models import Role, User
from marketplace.demo import ACCOUNTS, DEMO_LIST_SIZE, DEMO_LISTINGS, DEMO_PASSWORD
from marketplace.extensions import db
from marketplace.listings.models import Listing, ListingState, listing_inventor_users
from marketplace.listings.queries import SearchQuery, run_search
from marketplace.listings.search import include_object
from marketplace.lists.models import PublishedList
from marketplace.orgs.models import Organisation, OrgStatus
from tests.conftest import post, zh

ROOT = Path(__file__).resolve().parent.parent


def test_home_is_chinese_by_default_and_english_on_request(client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert zh("Turn university patents into products") in html
    response = post(client, "/language", {"lang": "en", "next": "/auth/login"})
    assert response.headers["Location"] == "/auth/login"
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html and "Turn university patents into products" in html
    post(client, "/language", {"lang": "zh_CN"})
    assert '<html lang="zh-CN">' in client.get("/").get_data(as_text=True)


def test_language_switch_ignores_unknown_languages_and_foreign_next(client):
    response = post(client, "/language", {"lang": "fr", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
    assert '<html lang="zh-CN">' in client.get("/").get_data(as_text=True)


def test_chinese_catalogue_is_complete():
    path = ROOT / "marketplace/translations/zh_Hans_CN/LC_MESSAGES/messages.po"
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    missing = [m.id for m in catalogue if m.id and (not m.string or m.fuzzy)]
    assert missing == []


def test_every_message_in_the_code_is_in_the_catalogue():
    from babel.messages.extract import extract_from_dir

    path = ROOT / "marketplace/translations/zh_Hans_CN/LC_MESSAGES/messages.po"
    with path.open("rb") as handle:
        known = {(m.context, m.id if isinstance(m.id, str) else m.id[0])
                 for m in read_po(handle) if m.id}
    method_map = [("marketplace/**.py", "python"), ("events/**.py", "python"),
                  ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
    keywords = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2),
                "pgettext": ((1, "c"), 2), "_lp": ((1, "c"), 2), "lazy_pgettext": ((1, "c"), 2)}
    used = set()
    for filename, _lineno, message, _comments, context in extract_from_dir(
            str(ROOT), method_map=method_map, keywords=keywords):
        if filename.startswith((".venv", "tests")):
            continue
        used.add((context, message if isinstance(message, str) else message[0]))
    assert sorted(used - known, key=str) == [], \
        "run `make extract-messages` and translate the new strings"


def test_security_headers_and_strict_csp(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "<script>" not in response.get_data(as_text=True)


def test_production_config_uses_secure_cookies_and_hsts():
    from marketplace import create_app
    from marketplace.config import ProductionConfig

    class Production(ProductionConfig):
        SECRET_KEY = "x" * 40
        SQLALCHEMY_DATABASE_URI = "sqlite://"

    app = create_app(Production)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"]
    response = app.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_production_refuses_the_development_secret(monkeypatch):
    from marketplace import create_app
    from marketplace.config import ProductionConfig

    class Insecure(ProductionConfig):
        SECRET_KEY = "dev-only-secret-key-change-me"

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(Insecure)


def test_session_cookie_is_httponly_and_samesite(client, auth, make_user):
    user = make_user(Role.TTO)
    response = auth.login(user.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_not_found_page_is_in_chinese(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert zh("Page not found") in response.get_data(as_text=True)


def test_json_clients_get_json_errors(client):
    response = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json["error"] == zh("Page not found")


def test_forbidden_page_explains_why(client, auth, make_user):
    auth.login(make_user(Role.INVESTOR).email)
    response = client.get("/admin/")
    assert response.status_code == 403
    assert zh("Your role does not give access to this page.") in response.get_data(as_text=True)


def test_too_large_upload_is_refused_with_413(client, app):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/auth/login", data={"email": "x" * 4096})
    assert response.status_code == 413
    assert zh("The upload is too large") in response.get_data(as_text=True)


def test_unexpected_error_shows_the_500_page(app, client):
    @app.get("/_boom")
    def boom():
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/_boom")
    assert response.status_code == 500
    assert zh("Something went wrong on our side") in response.get_data(as_text=True)


def test_get_on_a_post_only_route_is_405(client):
    assert client.get("/auth/logout").status_code == 405


def test_health_check(client):
    assert client.get("/healthz").json == {"status": "ok"}


def test_demo_load_is_idempotent_and_every_account_logs_in(app, runner):
    result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert result.exit_code == 0, result.output
    users = db.session.scalar(select(func.count()).select_from(User))
    orgs = db.session.scalar(select(func.count()).select_from(Organisation))
    assert users == len(ACCOUNTS)
    # The action's demo marks a few of them converted (its dashboards chart conversions).
    demo_listings = select(func.count()).select_from(Listing).where(
        Listing.is_demo, Listing.state.in_((ListingState.PUBLISHED, ListingState.CONVERTED)))
    assert db.session.scalar(demo_listings) == sum(n for n, _, _ in DEMO_LISTINGS.values())
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0 and "0 account(s) created" in result.output
    assert "0 listing(s) created" in result.output and "0 list(s) published" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == users
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == orgs
    assert db.session.scalar(demo_listings) == sum(n for n, _, _ in DEMO_LISTINGS.values())
    demo_lists = db.session.scalars(select(PublishedList)).all()
    assert len(demo_lists) == 2 and all(plist.is_demo and plist.latest for plist in demo_lists)
    assert all(len(plist.latest.snapshot) == DEMO_LIST_SIZE for plist in demo_lists)
    inventor = db.session.scalar(select(User).where(User.email == "inventor@demo.bxqx.cn"))
    assert db.session.scalar(select(func.count()).select_from(listing_inventor_users).where(
        listing_inventor_users.c.user_id == inventor.id)) >= 5
    assert run_search(SearchQuery(q="电池")).total > 10
    assert {role for _, _, role, _, _ in ACCOUNTS} == set(Role)
    for org in db.session.scalars(select(Organisation)):
        assert org.is_demo and org.name.startswith("【演示】")
    pending = db.session.scalars(select(Organisation).where(
        Organisation.status == OrgStatus.PENDING)).all()
    assert len(pending) == 2
    for email, *_ in ACCOUNTS:
        client = app.test_client()
        response = post(client, "/auth/login", {"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email


def test_demo_if_empty_leaves_a_used_database_alone(runner, make_user):
    make_user(Role.TTO)
    result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert "not loaded" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_migrations_match_the_models_exactly(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_object": include_object})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_create_admin_from_the_command_line(runner):
    result = runner.invoke(args=["users", "create-admin", "ops@example.gov.cn", "运营"],
                           input="Ops-Strong-2026\nOps-Strong-2026\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "ops@example.gov.cn"))
    assert user.role is Role.ADMIN and user.organisation_id is None
    weak = runner.invoke(args=["users", "create-admin", "x@example.gov.cn", "X"],
                         input="short\nshort\n")
    assert weak.exit_code != 0
    again = runner.invoke(args=["users", "create-admin", "ops@example.gov.cn", "运营"],
                          input="Ops-Strong-2026\nOps-Strong-2026\n")
    assert again.exit_code != 0


def test_behind_a_proxy_the_client_address_is_taken_from_forwarded_headers(another_app, make_user):
    from marketplace.audit.models import AuditEvent

    proxied = another_app(PROXY_FIX_HOPS=1)
    post(proxied.test_client(), "/auth/login", {"email": "x@example.com", "password": "nope-1234"},
         headers={"X-Forwarded-For": "203.0.113.7"})
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "accounts.login_failed"))
    assert event.ip == "203.0.113.7"


def test_python_older_than_3_12_is_refused_with_the_reason():
    from marketplace.runtime import check_python

    with pytest.raises(RuntimeError, match=r"3\.12 or newer is required; this is 3\.11\.7"):
        check_python((3, 11, 7, "final", 0))
    check_python((3, 12, 1, "final", 0))
    check_python((3, 13, 0, "final", 0))
