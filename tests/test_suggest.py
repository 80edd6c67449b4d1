"""Suggestions as you type (GET /listings/suggest): titles of published listings, field names."""

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.listings import reindex, suggest_index
from marketplace.listings.models import ListingState
from tests.factories import listing


def _get(client, q, **headers):
    response = client.get("/listings/suggest", query_string={"q": q}, headers=headers)
    return response, response.get_json()


def _texts(body, kind):
    return [item["text"] for group in body["groups"] if group["kind"] == kind
            for item in group["items"]]


@pytest.fixture
def world(app, make_org):
    org = make_org()
    return {
        "org": org,
        "sensor": listing(org, title="一种柔性压力传感器"),
        "battery": listing(org, title="锂离子电池正极材料及其制备方法", field="materials"),
        "draft": listing(org, title="柔性传感阵列草稿", state=ListingState.DRAFT),
        "ai": listing(org, title="AI芯片低功耗调度方法"),
    }


def test_titles_match_by_prefix_and_infix_and_link_to_the_listing(client, world):
    response, body = _get(client, "柔性")
    assert response.status_code == 200
    assert _texts(body, "title") == ["一种柔性压力传感器"]
    item = body["groups"][0]["items"][0]
    assert item["url"] == f"/listings/{world['sensor'].id}"
    assert item["match"] == [2, 4]
    _, body = _get(client, "锂离子")  # the title's beginning comes first
    assert _texts(body, "title") == ["锂离子电池正极材料及其制备方法"]
    _, body = _get(client, "正极材料")
    assert _texts(body, "title") == ["锂离子电池正极材料及其制备方法"]


def test_prefix_matches_come_before_other_matches(client, world):
    starts = listing(world["org"], title="压力传感器标定装置")
    _, body = _get(client, "压力")
    titles = _texts(body, "title")
    assert titles == ["压力传感器标定装置", "一种柔性压力传感器"]
    assert body["groups"][0]["items"][0]["url"] == f"/listings/{starts.id}"


def test_one_character_finds_titles_that_contain_it(client, world):
    _, body = _get(client, "锂")
    assert _texts(body, "title") == ["锂离子电池正极材料及其制备方法"]
    _, body = _get(client, "器")  # the title's last character
    assert _texts(body, "title") == ["一种柔性压力传感器"]


def test_drafts_and_listings_taken_down_are_never_suggested(client, world):
    _, body = _get(client, "传感")
    assert "柔性传感阵列草稿" not in _texts(body, "title")
    world["sensor"].state = ListingState.WITHDRAWN
    db.session.commit()
    _, body = _get(client, "柔性压力")
    assert body["groups"] == [] and body["count"] == 0
    world["draft"].state = ListingState.PUBLISHED
    db.session.commit()
    _, body = _get(client, "传感阵列")
    assert _texts(body, "title") == ["柔性传感阵列草稿"]


def test_a_renamed_or_deleted_listing_is_found_by_its_new_title_only(client, world):
    world["battery"].title = "钠离子电池负极材料"
    db.session.commit()
    assert _texts(_get(client, "锂离子")[1], "title") == []
    assert _texts(_get(client, "钠离子")[1], "title") == ["钠离子电池负极材料"]
    db.session.delete(world["battery"])
    db.session.commit()
    assert _texts(_get(client, "钠离子")[1], "title") == []


def test_input_is_normalised_full_width_case_spaces_and_punctuation(client, world):
    assert _texts(_get(client, "ａｉ芯片")[1], "title") == ["AI芯片低功耗调度方法"]
    assert _texts(_get(client, "  Ai 芯片 ")[1], "title") == ["AI芯片低功耗调度方法"]
    assert _texts(_get(client, "柔性·压力")[1], "title") == ["一种柔性压力传感器"]
    body = _get(client, "ａｉ芯片")[1]
    assert body["groups"][0]["items"][0]["match"] == [0, 4]


def test_field_names_in_either_language_filter_by_the_field(client, world):
    _, body = _get(client, "新能源")
    assert _texts(body, "field") == ["新能源", "新能源汽车"]
    assert [group["kind"] for group in body["groups"]] == ["term", "field"]  # no title has it
    group = body["groups"][1]
    assert group["label"] == "领域"
    assert group["items"][0]["url"] == "/listings?field=energy"
    assert _texts(_get(client, "biomed")[1], "field") == ["生物医药"]
    assert _texts(_get(client, "材料")[1], "field") == ["新材料"]


def test_at_most_eight_suggestions_newest_first(client, world):
    for number in range(12):
        listing(world["org"], title=f"传感器第{number}号")
    _, body = _get(client, "传感器")
    assert body["count"] == 8
    titles = _texts(body, "title")
    assert len(titles) == 8
    assert titles[:3] == ["传感器第11号", "传感器第10号", "传感器第9号"]
    assert body["status"] == "8 条建议：用上下方向键选择。"


def test_empty_or_symbol_only_text_gives_nothing(client, world):
    for text in ("", "   ", "·，。", "%_"):
        response, body = _get(client, text)
        assert response.status_code == 200
        assert body["groups"] == [] and body["count"] == 0 and body["status"] == "没有建议。"


def test_long_or_repeated_text_is_refused_as_json(client, world):
    response, body = _get(client, "传" * 101)
    assert response.status_code == 400
    assert body["parameter"] == "q" and body["message"] == "最多输入 100 个字符。"
    assert _get(client, "传" * 100)[0].status_code == 200
    response = client.get("/listings/suggest?q=a&q=b")
    assert response.status_code == 400 and response.is_json
    assert response.get_json()["message"] == "请用参数 q 给出已输入的文字，且只给一次。"
    response = client.get("/listings/suggest")  # nothing typed yet: nothing to suggest
    assert response.status_code == 200 and response.get_json()["groups"] == []


def test_quotes_and_query_syntax_are_only_text(client, world):
    for text in ('"柔性', "柔性*", "NEAR(柔性)", "柔性' OR 1=1 --", "a:* & !b", "\ue000柔"):
        response, body = _get(client, text)
        assert response.status_code == 200, text


def test_suggestions_are_rate_limited(app, client, world):
    app.config["SUGGEST_RATE_LIMIT"] = "3 per minute"
    statuses = [_get(client, "柔性")[0].status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_rebuild_indexes_exactly_the_published_titles(app, world):
    with db.engine.begin() as connection:
        assert suggest_index.rebuild(connection) == 3
    assert suggest_index.find("传感", 8, prefix=False) == [
        (world["sensor"].id, "一种柔性压力传感器")]


def test_the_same_title_is_suggested_once_for_its_newest_listing(client, world):
    listing(world["org"], title="一种柔性压力传感器")
    newest = listing(world["org"], title="一种柔性压力传感器")
    _, body = _get(client, "柔性压力")
    assert [item["url"] for item in body["groups"][0]["items"]] == [f"/listings/{newest.id}"]


def test_in_english_field_names_and_messages_are_english(client, world):
    with client.session_transaction() as session:
        session["lang"] = "en"
    _, body = _get(client, "energy")
    assert _texts(body, "field") == ["Energy saving and environmental protection",  # starts with it
                                     "New energy", "New-energy vehicles"]
    assert body["groups"][0]["label"] == "Fields"
    assert body["status"] == "3 suggestions: use the up and down arrows to choose."
    assert _texts(_get(client, "新能源")[1], "field") == []  # the labels of the language shown


def test_dictionary_terms_come_first_and_search_the_term(client, world):
    _, body = _get(client, "锂电")
    assert body["groups"][0]["kind"] == "term" and body["groups"][0]["label"] == "搜索词"
    assert _texts(body, "term") == ["锂电", "锂电池"]
    assert body["groups"][0]["items"][1]["url"] == "/listings?q=%E9%94%82%E7%94%B5%E6%B1%A0"
    assert _texts(_get(client, "人工智")[1], "term") == ["人工智能"]
    assert _texts(_get(client, "ｂｍｓ")[1], "term") == ["BMS"]


def test_traditional_characters_find_simplified_titles(client, world):
    _, body = _get(client, "鋰離子電池")
    assert _texts(body, "title") == ["锂离子电池正极材料及其制备方法"]
    traditional = listing(world["org"], title="一種柔性壓力感測器")
    body = _get(client, "压力感测")[1]
    item = next(group for group in body["groups"] if group["kind"] == "title")["items"][0]
    assert item == {"text": "一種柔性壓力感測器", "url": f"/listings/{traditional.id}",
                    "match": [4, 8]}


def test_flask_search_reindex_rebuilds_the_title_index(app, client, world):
    db.session.execute(sa.text(f"DELETE FROM {suggest_index.TABLE}"))  # noqa: S608
    db.session.commit()
    assert _texts(_get(client, "柔性")[1], "title") == []
    assert reindex.rebuild() == 3
    assert _texts(_get(client, "柔性")[1], "title") == ["一种柔性压力传感器"]
