"""Technology needs: posting, states, visibility of private needs, proposals and their answers."""

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.listings import services as listings
from marketplace.listings.models import ConversionMode, Grade, LegalStatus, ListingKind
from marketplace.needs import services as needs
from marketplace.needs.models import Match, Need, NeedState, Proposal, ProposalStatus, shanghai_today
from marketplace.notifications.models import Notification
from marketplace.orgs.models import OrgStatus
from tests.conftest import post, zh

BATTERY = ("一种动力电池热失控早期预警方法",
           "本发明公开了一种动力电池热失控早期预警方法，通过监测电池模组内的气体浓度与温升速率，"
           "结合电化学阻抗谱特征，在热失控发生前数分钟发出预警，适用于电动汽车与储能电站。")
NEED = {"title": "动力电池热失控预警技术", "field": "energy",
        "description": "我司生产储能电站电池系统，需要一种电池热失控早期预警技术，能在热失控发生前发出预警，"
                       "可集成到现有电池管理系统中。"}


def publish_listing(tto, title, abstract, field="energy", trl=6, modes=(ConversionMode.TRANSFER,),
                    price=None):
    data = {"kind": ListingKind.ACHIEVEMENT, "title": title, "abstract": abstract, "field": field,
            "inventors": "张伟", "legal_status": LegalStatus.NOT_APPLICABLE, "grade": Grade.B,
            "trl": trl, "modes": list(modes), "asking_price": price, "contact_name": "王老师",
            "contact_email": "tto@example.edu.cn"}
    listing = listings.create_listing(tto, data)
    listings.transition(tto, listing, "publish")
    return listing


def need_form(**changes) -> dict:
    data = {"title": NEED["title"], "description": NEED["description"], "field": NEED["field"],
            "keywords": "热失控, 预警", "budget_min": "100000", "budget_max": "800000", "mode": "",
            "trl_min": "4", "trl_max": "8", "deadline": "", "visibility": "public", "publish": "1"}
    data.update(changes)
    return data


@pytest.fixture
def company(make_user, auth):
    return make_user(Role.COMPANY)


@pytest.fixture
def tto(make_user):
    return make_user(Role.TTO)


def login(auth, user):
    response = auth.login(user.email)
    assert response.status_code == 302
    return user


def make_need(user, publish=True, **changes) -> Need:
    data = {"title": NEED["title"], "description": NEED["description"], "field": "energy",
            "trl_min": 1, "trl_max": 9, "is_public": True}
    data.update(changes)
    return needs.create_need(user, data, publish=publish)


def test_company_posts_a_need_and_sees_explained_matches(client, auth, company, tto):
    listing = publish_listing(tto, *BATTERY, price=Decimal("300000"))
    publish_listing(tto, "一种小麦抗旱品种选育方法", "本发明涉及一种小麦抗旱品种选育方法，通过分子标记辅助选择，"
                    "提高了小麦在干旱条件下的产量。", field="agriculture")
    login(auth, company)
    response = post(client, "/manage/needs/new", need_form())
    assert response.status_code == 302
    need = db.session.scalars(sa.select(Need)).one()
    assert need.state is NeedState.OPEN and need.budget_max == Decimal("800000.00")
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert listing.title in page
    assert "小麦" not in page
    assert zh("Shares the key terms %(terms)s.", terms="“热失控”") .split("“")[0] in page
    assert "热失控" in page
    assert zh("In the same field: %(field)s.", field=zh("New energy")) in page
    assert zh("The asking price of %(price)s is within the budget.", price="¥300,000.00") in page


def test_explanations_read_in_english(client, auth, company, tto):
    publish_listing(tto, *BATTERY)
    need = make_need(company)
    login(auth, company)
    post(client, "/language", {"lang": "en"})
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "Shares the key terms “热失控”" in page or "Shares the key terms" in page
    assert "In the same field: New energy." in page
