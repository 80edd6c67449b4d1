"""The workbench (/dashboard) of inventors, companies, investors and admins: each to-do from the
list behind it, with the same count, and gone once acted on."""

import re
from datetime import timedelta

from marketplace.accounts.models import Role
from marketplace.alerts import services as alerts
from marketplace.db_types import utcnow
from marketplace.extensions import db
from marketplace.interests import services as interests
from marketplace.interests import threads
from marketplace.jobs.models import Job, JobState
from marketplace.licences import royalties
from marketplace.listings.models import ListingState
from marketplace.needs import services as needs
from marketplace.needs.models import Match
from marketplace.orgs.models import OrgKind, OrgStatus
from marketplace.payments.models import Payment
from tests import factories
from tests.conftest import login, post, zh
from tests.test_workbench import DATA, count, links, section


def test_inventor_sees_new_interest_until_marked_seen_and_the_roadshows_presenting_them(
        app, client, auth):
    tto = factories.user(Role.TTO)
    inventor = factories.user(Role.INVENTOR, org=tto.organisation)
    company = factories.user(Role.COMPANY)
    mine = factories.patent(tto.organisation, tto, title="一种固态电解质膜")
    mine.inventor_users.append(inventor)
    other = factories.patent(tto.organisation, tto, title="别人的发明")
    db.session.commit()
    interests.express_interest(company, mine, DATA)
    interests.express_interest(company, other, DATA)
    show = factories.roadshow(tto, listings=[mine], days=5)
    login(auth, inventor)
    html = client.get("/dashboard").get_data(as_text=True)
    new = section(html, "new_interest")
    assert "一种固态电解质膜" in new and company.organisation.name in new and "别人的发明" not in new
    assert count(html, "new_interest") == 1
    assert show.title in section(html, "roadshows")
    listed = client.get("/my/listings").get_data(as_text=True)
    assert count(html, "listings") == len(links(listed, r'href="(/listings/\d+)"')) == 1

    assert post(client, "/dashboard/interest-seen").status_code == 302
    html = client.get("/dashboard").get_data(as_text=True)
    assert count(html, "new_interest") == 0 and "一种固态电解质膜" not in section(html, "new_interest")


def _thread_with_reply():
    tto = factories.user(Role.TTO)
    company = factories.user(Role.COMPANY)
    listing = factories.patent(tto.organisation, tto)
    interest = interests.express_interest(company, listing, DATA)
    interests.transition(tto, interest, "accept")
    threads.post_message(tto, interest, "欢迎来校交流。")
    return tto, company, interest


def test_company_sees_an_unread_reply_until_it_opens_the_thread(app, client, auth):
    _tto, company, interest = _thread_with_reply()
    login(auth, company)
    html = client.get("/dashboard").get_data(as_text=True)
    assert f"/interests/{interest.id}" in section(html, "replies")
    listed = client.get("/interests?waiting=1").get_data(as_text=True)
    assert count(html, "replies") == len(links(listed, r'href="(/interests/\d+)"')) == 1

    client.get(f"/interests/{interest.id}")
    html = client.get("/dashboard").get_data(as_text=True)
    assert count(html, "replies") == 0
    assert zh("No unread reply from a university.") in section(html, "replies")


def test_company_licence_fee_to_pay(app, client, auth):
    tto = factories.user(Role.TTO)
    company = factories.user(Role.COMPANY)
    licence = factories.licence(company, factories.declaration(tto, factories.patent(
        tto.organisation, tto)))
    login(auth, company)
    html = client.get("/dashboard").get_data(as_text=True)
    assert f"/licences/{licence.id}" in section(html, "licences") and "¥50,000.00" in html


def test_new_recommendations_count_the_new_ones_on_the_recommendations_page(app, client, auth):
    tto = factories.user(Role.TTO)
    investor = factories.user(Role.INVESTOR)
    listings = [factories.patent(tto.organisation, tto, title=f"推荐成果{n}") for n in range(3)]
    profile = needs.save_profile(investor, {"fields": ["materials"], "keywords": "正极材料",
                                            "trl_min": 1, "trl_max": 9, "modes": []})
    db.session.execute(Match.__table__.delete())
    for n, item in enumerate(listings):
        db.session.add(Match(profile_id=profile.id, listing_id=item.id, score=80 - n, reasons={},
                             computed_at=utcnow()))
    db.session.commit()
    login(auth, investor)
    html = client.get("/dashboard").get_data(as_text=True)
    assert count(html, "recommendations") == 3
    page = client.get("/recommendations").get_data(as_text=True)
    assert page.count("上次查看后新增") == 3
    html = client.get("/dashboard").get_data(as_text=True)
    assert count(html, "recommendations") == 0
    assert "上次查看后新增" not in client.get("/recommendations").get_data(as_text=True)


def test_investor_sees_a_change_to_a_followed_listing_until_it_opens_it(app, client, auth):
    tto = factories.user(Role.TTO)
    investor = factories.user(Role.INVESTOR)
    listing = factories.patent(tto.organisation, tto, title="关注的成果")
    alerts.follow(investor, listing)
    listing.state = ListingState.SUSPENDED
    db.session.commit()
    with app.test_request_context():
        alerts.run_follow_alerts([listing.id])
    login(auth, investor)
    html = client.get("/dashboard").get_data(as_text=True)
    follows = section(html, "follows")
    assert "关注的成果" in follows and count(html, "follows") == 1
    opener = re.search(r'action="(/notifications/\d+/open)"', follows).group(1)
    assert post(client, opener).headers["Location"] == f"/listings/{listing.id}"
    assert count(client.get("/dashboard").get_data(as_text=True), "follows") == 0


def test_admin_gets_a_workbench_whose_queue_matches_the_verification_page(app, client, auth):
    admin = factories.user(Role.ADMIN)
    waiting = [factories.organisation(OrgKind.COMPANY, OrgStatus.PENDING) for _ in range(2)]
    factories.organisation(OrgKind.COMPANY, OrgStatus.VERIFIED)
    login(auth, admin)
    response = client.get("/dashboard")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    queue = client.get("/admin/organisations").get_data(as_text=True)
    assert count(html, "verification") == len(links(queue, r'href="(/admin/organisations/\d+)"')) == 2
    org = waiting[0]
    assert post(client, f"/admin/organisations/{org.id}/verify").status_code == 302
    html = client.get("/dashboard").get_data(as_text=True)
    assert count(html, "verification") == 1 and f"/admin/organisations/{org.id}\"" not in html
    assert 'href="/admin/"' in html  # the overview stays where it is


def test_admin_sees_failed_jobs_and_stalled_transfers(app, client, auth):
    admin = factories.user(Role.ADMIN)
    db.session.add(Job(name="listings.import_validate", state=JobState.FAILED,
                       error="第 3 行：申请号校验位错误", finished_at=utcnow()))
    db.session.add(Job(name="mail.deliver", state=JobState.SUCCEEDED, finished_at=utcnow()))
    tto = factories.user(Role.TTO)
    company = factories.user(Role.COMPANY)
    licence = factories.licence(company, factories.declaration(tto, factories.patent(
        tto.organisation, tto)))
    payment = royalties.pay_fee(company, licence, "bank_transfer")
    login(auth, admin)
    html = client.get("/dashboard").get_data(as_text=True)
    jobs = section(html, "jobs")
    assert "listings.import_validate" in jobs and "申请号校验位错误" in jobs and "mail.deliver" not in jobs
    assert count(html, "payments") == 0  # started today: not stalled

    db.session.get(Payment, payment.id).created_at = utcnow() - timedelta(days=20)
    db.session.commit()
    html = client.get("/dashboard").get_data(as_text=True)
    assert f"/payments/{payment.public_id}" in section(html, "payments")
    listed = client.get("/admin/payments?attention=1")
    assert count(html, "payments") == len(links(listed.get_data(as_text=True),
                                                 r'href="(/payments/[0-9a-f]{32})"')) == 1
