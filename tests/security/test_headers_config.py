"""Issue 13 §11: the CSP lets pages connect only to our own origin; production refuses a short
SECRET_KEY."""

import re

import pytest

from marketplace.config import ProductionConfig


def connect_src(response) -> list[str]:
    policy = response.headers["Content-Security-Policy"]
    return re.search(r"connect-src ([^;]+)", policy).group(1).split()


def test_connect_src_names_only_our_own_origin(client):
    sources = connect_src(client.get("/"))
    # No scheme-only sources: "ws:" or "wss:" would let a page talk to any host.
    assert not [source for source in sources if source.endswith(":")], sources
    assert sources == ["'self'", "ws://127.0.0.1:5000"]


def test_connect_src_follows_public_url(another_app):
    client = another_app(PUBLIC_URL="https://bxqx.example.gov.cn").test_client()
    assert connect_src(client.get("/")) == ["'self'", "wss://bxqx.example.gov.cn"]
    assert connect_src(client.get("/listings")) == ["'self'", "wss://bxqx.example.gov.cn"]


def test_the_roadshow_page_with_a_player_keeps_connect_src_narrow(client, make_user):
    from tests.live_support import build_room

    room = build_room(make_user)
    room.roadshow.stream_url = "https://www.bilibili.com/video/BV1GJ411x7h7"
    from marketplace.extensions import db

    db.session.commit()
    response = client.get(f"/roadshows/{room.roadshow.id}")
    assert response.status_code == 200
    assert connect_src(response) == ["'self'", "ws://127.0.0.1:5000"]


def _production(**settings):
    class Production(ProductionConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite://"
        PUBLIC_URL = "https://bxqx.example.gov.cn"
        RATELIMIT_STORAGE_URI = "memory://"
        SOCKETIO_MESSAGE_QUEUE = None

    for name, value in settings.items():
        setattr(Production, name, value)
    return Production


@pytest.mark.parametrize("key", ["x" * 31, "短密钥" * 3, "change-me-to-a-long-random-value"])
def test_production_refuses_a_short_or_example_secret_key(key):
    from marketplace import create_app

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(_production(SECRET_KEY=key))


def test_production_accepts_a_32_byte_secret_key():
    from marketplace import create_app

    app = create_app(_production(SECRET_KEY="k" * 32))
    assert app.config["TRUSTED_HOSTS"] == ["bxqx.example.gov.cn"]


def test_development_keeps_its_own_secret(another_app):
    assert another_app(SECRET_KEY="short").config["SECRET_KEY"] == "short"
