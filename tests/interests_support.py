"""Shared set-up of the interests, alerts and pipeline tests: people on both sides of a published
listing, and a logged-in client per person."""

from dataclasses import dataclass

import pytest

from marketplace.accounts.models import Role, User
from marketplace.listings.models import Listing
from tests import factories
from tests.conftest import PASSWORD, post

PDF = b"%PDF-1.4\n% confidential test document\n"


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
    return Cast(tto=tto, company=company, investor=investor, listing=factories.published_listing(tto))


INTEREST_FORM = {"intent": "ordinary_licence", "budget_min": "100000", "budget_max": "300000",
                 "timeline": "6m", "message": "我们计划将该工艺用于动力电池正极材料产线。",
                 "share_contacts": "y"}
