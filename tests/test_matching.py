"""Matching: the score's parts, candidates from the search index, recomputing on changes."""

from decimal import Decimal

import sqlalchemy as sa

from marketplace.accounts.models import Role, User
from marketplace.extensions import db
from marketplace.jobs.models import Job
from marketplace.listings import services as listings
from marketplace.listings.models import ConversionMode, Grade, LegalStatus, ListingKind
from marketplace.needs import explain, matching, scoring
from marketplace.needs import services as needs
from marketplace.needs.models import Match
from tests import factories
from tests.conftest import login, post, zh
from tests.factories import BATTERY

M = ConversionMode


def candidate(**changes) -> scoring.Candidate:
    values = {"id": 1, "title": BATTERY["title"], "text": BATTERY["abstract"], "field": "energy", "trl": 6,
              "modes": frozenset({M.TRANSFER}), "price": Decimal("300000")}
    values.update(changes)
    return scoring.Candidate(**values)


def demand(**changes) -> scoring.Demand:
    values = {"terms": scoring.demand_terms("电池热失控预警", "储能电站电池热失控早期预警"),
              "text": "电池热失控预警 储能电站电池热失控早期预警", "fields": ("energy",)}
    values.update(changes)
    return scoring.Demand(**values)


def weights(d):
    return {term: weight for term, weight in d.terms.items()}


def test_need_words_are_not_key_terms():
    terms = scoring.demand_terms("寻求电池热失控预警技术", "我司需要一种解决方案")
    assert "失控" in terms and "预警" in terms
    assert not {"寻求", "技术", "我司", "需要", "解决方案"} & set(terms)


def test_same_words_in_another_field_rank_lower():
    d = demand()
    same, _ = scoring.score(d, weights(d), candidate())
    other, reasons = scoring.score(d, weights(d), candidate(field="agriculture"))
    related, _ = scoring.score(d, weights(d), candidate(field="vehicles"))
    assert same > related > other
    assert reasons["field"] == {"fit": "other", "value": "agriculture"}


def test_no_shared_terms_is_no_match():
    d = demand()
    assert scoring.score(d, weights(d), candidate(title="一种小麦育种方法", text="小麦抗旱育种")) is None


def test_trl_mode_and_budget_fit():
    d = demand(trl_min=4, trl_max=6, modes=(M.EXCLUSIVE_LICENCE,), budget_max=Decimal("200000"))
    inside = scoring.score(d, weights(d), candidate(trl=5, modes=frozenset({M.EXCLUSIVE_LICENCE}),
                                                    price=Decimal("150000")))
    outside = scoring.score(d, weights(d), candidate(trl=9, modes=frozenset({M.OPEN_LICENCE}),
                                                     price=Decimal("600000")))
    assert inside[0] > outside[0]
    assert inside[1]["trl"]["fit"] == "inside" and outside[1]["trl"]["fit"] == "above"
    assert inside[1]["mode"]["fit"] == "offered" and outside[1]["mode"]["fit"] == "missing"
    assert inside[1]["budget"]["fit"] == "within" and outside[1]["budget"]["fit"] == "above"
    similar = scoring.score(d, weights(d), candidate(modes=frozenset({M.SOLE_LICENCE}), price=None))
    assert similar[1]["mode"] == {"fit": "similar", "wanted": ["exclusive_licence"],
                                  "modes": ["sole_licence"]}
    assert similar[1]["budget"]["fit"] == "negotiable"


def test_explanations_are_chinese_sentences(app):
    d = demand(trl_min=4, trl_max=6, modes=(M.EXCLUSIVE_LICENCE,), budget_max=Decimal("200000"))
    _, reasons = scoring.score(d, weights(d), candidate(trl=8, modes=frozenset({M.TRANSFER}),
                                                        price=Decimal("600000")))
    with app.test_request_context():
        sentences = explain.sentences(reasons)
    assert len(sentences) == 5
    # Whole phrases both texts share, not the segmenter's fragments (失控 alone, 电池热).
    assert "热失控" in sentences[0] and "“失控" not in sentences[0] and "电池热”" not in sentences[0]
    assert sentences[1] == zh("In the same field: %(field)s.", field=zh("New energy"))
    assert sentences[2] == zh("Readiness TRL %(trl)d is above the wanted range %(low)d–%(high)d.",
                              trl=8, low=4, high=6)
    assert sentences[4] == zh("The asking price of %(price)s is above the budget of %(budget)s.",
                              price="¥600,000.00", budget="¥200,000.00")


def test_candidates_come_from_the_search_index(app, make_user):
    tto = make_user(Role.TTO)
    listing = factories.published_listing(tto, **BATTERY)
    assert matching.candidate_ids(["失控", "预警"]) == [listing.id]
    # A listing missing from the index is never a candidate, even if its text would match.
    db.session.execute(sa.text("DELETE FROM listing_search"))
    db.session.commit()
    assert matching.candidate_ids(["失控", "预警"]) == []


def test_a_listing_published_later_joins_the_needs_matches(app, make_user):
    company, tto = make_user(Role.COMPANY), make_user(Role.TTO)
    need = factories.need(company)
    assert not db.session.scalars(sa.select(Match).where(Match.need_id == need.id)).all()
    listing = factories.published_listing(tto, **BATTERY)
    rows = db.session.scalars(sa.select(Match).where(Match.need_id == need.id)).all()
    assert [row.listing_id for row in rows] == [listing.id]
    assert any("热失控" in term for term in rows[0].reasons["terms"])
    # The listing-side score is the need-side score.
    stored = rows[0].score
    matching.recompute_need(need)
    assert db.session.scalars(sa.select(Match.score).where(Match.need_id == need.id)).one() == stored
    # Withdrawn: its matches go.
    listings.transition(tto, listing, "withdraw", "已转让")
    assert not db.session.scalars(sa.select(Match).where(Match.listing_id == listing.id)).all()


def test_listing_edits_rematch_through_the_job_interface(app, make_user):
    company, tto = make_user(Role.COMPANY), make_user(Role.TTO)
    listing = factories.published_listing(tto, **{
        **BATTERY, "title": "一种小麦抗旱品种选育方法",
        "abstract": "本发明涉及小麦抗旱品种选育，通过分子标记提高产量。",
        "field": "agriculture"})
    need = factories.need(company)
    assert not db.session.scalars(sa.select(Match).where(Match.need_id == need.id)).all()
    listings.update_listing(tto, listing, {"title": BATTERY["title"], "abstract": BATTERY["abstract"],
                                           "field": "energy"})
    assert db.session.scalars(sa.select(Match.listing_id).where(Match.need_id == need.id)).all() \
        == [listing.id]
    names = db.session.scalars(sa.select(Job.name).order_by(Job.id)).all()
    assert names.count("needs.match_listings") == 1 and "needs.match_need" in names


def test_no_job_when_there_is_nothing_to_match(app, make_user):
    factories.published_listing(make_user(Role.TTO), **BATTERY)
    assert not db.session.scalars(sa.select(Job.name).where(Job.name == "needs.match_listings")).all()


def test_a_rolled_back_change_submits_nothing(app, make_user):
    company, tto = make_user(Role.COMPANY), make_user(Role.TTO)
    factories.need(company)
    listing = listings.create_listing(tto, {
        "kind": ListingKind.ACHIEVEMENT, "title": BATTERY["title"], "abstract": BATTERY["abstract"],
        "field": "energy", "inventors": "张伟", "legal_status": LegalStatus.NOT_APPLICABLE,
        "grade": Grade.B, "trl": 5, "modes": [M.TRANSFER], "contact_name": "王",
        "contact_email": "t@example.edu.cn"})
    listings.transition(tto, listing, "publish", commit=False)
    db.session.rollback()
    assert not db.session.scalars(sa.select(Job.name).where(Job.name == "needs.match_listings")).all()


def test_a_need_keeps_only_its_best_matches(app, make_user, monkeypatch):
    monkeypatch.setattr(matching, "KEEP", 2)
    company, tto = make_user(Role.COMPANY), make_user(Role.TTO)
    need = factories.need(company)
    for n in range(3):
        factories.published_listing(tto, **{
            **BATTERY, "title": f"{BATTERY['title']}（第{n}代）",
            "abstract": BATTERY["abstract"] if n else "电池热失控预警。" * 3})
    assert len(db.session.scalars(sa.select(Match).where(Match.need_id == need.id)).all()) == 2


def test_recommendations_from_preferences_and_open_needs(client, auth, make_user):
    investor, company, tto = make_user(Role.INVESTOR), make_user(Role.COMPANY), make_user(Role.TTO)
    battery = factories.published_listing(tto, **BATTERY)
    rice = factories.published_listing(tto, **{
        **BATTERY, "title": "水稻抗稻瘟病基因分子标记及其应用",
        "abstract": "本发明开发与抗稻瘟病基因紧密连锁的分子标记，用于水稻抗病品种选育。",
        "field": "agriculture", "modes": [M.ORDINARY_LICENCE]})
    login(auth, investor)
    page = client.get("/recommendations").get_data(as_text=True)
    assert battery.title not in page and rice.title not in page
    response = post(client, "/recommendations/preferences", {
        "fields": ["agriculture"], "keywords": "水稻，抗病", "modes": ["ordinary_licence"],
        "trl_min": "1", "trl_max": "9", "budget_max": ""})
    assert response.status_code == 302
    page = client.get("/recommendations").get_data(as_text=True)
    assert rice.title in page and battery.title not in page
    assert zh("In one of your fields: %(field)s.", field=zh("Modern agriculture")) in page
    auth.logout()
    # A company's open needs are a signal too, without any stated preference.
    factories.need(company)
    login(auth, company)
    page = client.get("/recommendations").get_data(as_text=True)
    assert battery.title in page and rice.title not in page


def test_preferences_need_a_field_or_keyword(client, auth, make_user):
    login(auth, make_user(Role.INVESTOR))
    response = post(client, "/recommendations/preferences", {"trl_min": "1", "trl_max": "9"})
    assert response.status_code == 422
    assert zh("Choose at least one field or give a keyword.") in response.get_data(as_text=True)
    assert needs.profile_of(db.session.scalars(sa.select(User)).one()) is None
