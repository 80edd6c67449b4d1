"""Shared helpers for the interests, alerts and pipeline tests: a published listing, people on
both sides, and a logged-in client per person."""

from dataclasses import dataclass
from decimal import Decimal

import pytest

from marketplace.accounts.models import Role, User
from marketplace.listings import services as listings
from marketplace.listings.models import ConversionMode, Grade, Listing, ListingKind
from tests.conftest import PASSWORD, post

PDF = b"%PDF-1.4\n% confidential test document\n"
LISTING = {
    "kind": ListingKind.ACHIEVEMENT, "title": "一种高镍锂离子电池正极材料表面包覆工艺",
    "abstract": "通过表面包覆提高高镍正极材料的循环稳定性。",
    "field": "materials", "inventors": "李振华", "grade": Grade.A,
    "trl": 6, "asking_price": Decimal("200000"), "terms": "入门费加提成",
    "contact_name": "王晓梅", "contact_email": "tto-contact@example.edu.cn",
    "modes": [ConversionMode.ORDINARY_LICENCE],
}


def publish_listing(tto: User, **overrides) -> Listing:
    listing = listings.create_listing(tto, {**LISTING, **overrides})
    listings.transition(tto, listing, "publish")
    return listing


def client_for(app, user: User):
    client = app.test_client()
    response = post(client, "/auth/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, f"could not log in {user.email}"
    return client


@dataclass
class Cast:
    tto: User
    company: User
    investor: User
    listing: Listing


@pytest.fixture(name="cast")
def cast_fixture(app, make_user) -> Cast:
    tto = make_user(Role.TTO, name="王晓梅", phone="021-55550001", email="wang@uni.example.edu.cn")
    company = make_user(Role.COMPANY, name="赵敏", phone="0512-66660002", email="zhao@qinghe.example.com")
    investor = make_user(Role.INVESTOR, name="陈立", email="chen@xinghe.example.com")
    return Cast(tto=tto, company=company, investor=investor, listing=publish_listing(tto))


INTEREST_FORM = {"intent": "ordinary_licence", "budget_min": "100000", "budget_max": "300000",
                 "timeline": "6m", "message": "我们计划将该工艺用于动力电池正极材料产线。",
                 "share_contacts": "y"}
