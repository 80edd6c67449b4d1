"""Following listings and saved searches: follow alerts and idempotent e-mail digests."""

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from marketplace.alerts import services as alerts
from marketplace.alerts.models import SavedSearch, SavedSearchHit
from marketplace.db_types import utcnow
from marketplace.extensions import db
from marketplace.listings import services as listings
from marketplace.notifications.models import Notification
from tests import factories
from tests.conftest import post
from tests.interests_support import cast_fixture, client_for  # noqa: F401
from tests.mail_support import plain


def _notes(user) -> list[tuple[str, str]]:
    return [(n.kind, n.title) for n in db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))]


def test_follow_from_the_listing_page_and_hear_of_changes(app, cast, runner, outbox):
    client = client_for(app, cast.investor)
    listing = cast.listing
    assert post(client, f"/listings/{listing.id}/follow").status_code == 302
    assert post(client, f"/listings/{listing.id}/follow").status_code == 302  # idempotent
    assert "取消关注" in client.get(f"/listings/{listing.id}").get_data(as_text=True) or \
        "Unfollow" in client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert runner.invoke(args=["alerts", "run"]).exit_code == 0
    assert _notes(cast.investor) == []  # nothing changed yet
    listings.update_listing(cast.tto, listing, {"asking_price": Decimal("150000")})
    # Told as soon as the change is committed; the periodic run finds nothing more to say.
    assert [kind for kind, _ in _notes(cast.investor)] == ["alerts.listing_terms"]
    result = runner.invoke(args=["alerts", "run"])
    assert "follow alerts: 0" in result.output
    assert len(_notes(cast.investor)) == 1  # never twice for one change
    listings.update_listing(cast.tto, listing, {"title": listing.title + "（修订）"})
    assert len(_notes(cast.investor)) == 1  # the title is neither state nor terms
    listings.transition(cast.tto, listing, "suspend", "补充材料")
    assert [kind for kind, _ in _notes(cast.investor)][-1] == "alerts.listing_state"
    assert [m["To"] for m in outbox()] == [cast.investor.email] * 2
    assert post(client, f"/listings/{listing.id}/unfollow").status_code == 302
    listings.transition(cast.tto, listing, "publish")
    runner.invoke(args=["alerts", "run"])
    assert len(_notes(cast.investor)) == 2


def test_the_periodic_run_catches_changes_the_hook_missed(app, cast, runner):
    """A change written outside the services (a data fix in SQL, say) is caught by the run."""
    import sqlalchemy as sa

    from marketplace.listings.models import Listing

    alerts.follow(cast.company, cast.listing)
    db.session.execute(sa.update(Listing).where(Listing.id == cast.listing.id)
                       .values(terms="改为一次性付款"))
    db.session.info.pop("alerts.changed_listings", None)  # as if written by another program
    db.session.commit()
    assert _notes(cast.company) == []
    assert "follow alerts: 1" in runner.invoke(args=["alerts", "run"]).output
    assert [kind for kind, _ in _notes(cast.company)] == ["alerts.listing_terms"]


def test_saved_search_digest_is_idempotent(app, cast, runner, outbox):
    client = client_for(app, cast.company)
    response = post(client, "/alerts/searches", {"q": "电池", "field": "materials", "name": "电池材料",
                                                 "frequency": "daily"})
    assert response.status_code == 302
    saved = db.session.scalar(select(SavedSearch))
    assert saved.query_args == {"q": "电池", "field": "materials"}
    assert "电池材料" in client.get("/alerts").get_data(as_text=True)
    # Listings published before the search was saved are not "new".
    assert runner.invoke(args=["alerts", "run"]).exit_code == 0
    assert outbox() == []
    saved.last_run_at = None  # as if the last run was long ago
    db.session.commit()
    first = factories.published_listing(cast.tto, title="一种固态电池电解质膜", field="materials")
    factories.published_listing(cast.tto, title="一种电池回收方法", field="environment")  # other field
    result = runner.invoke(args=["alerts", "run"])
    assert "digests e-mailed: 1" in result.output
    (mail,) = outbox()
    assert mail["To"] == cast.company.email and "电池材料" in mail["Subject"]
    body = plain(mail)
    assert "一种固态电池电解质膜" in body and "一种电池回收方法" not in body
    assert cast.listing.title not in body  # published before the search was saved
    assert f"/listings/{first.id}" in body
    # Run again at once and the next day: the same listing is never sent twice.
    runner.invoke(args=["alerts", "run"])
    saved = db.session.get(SavedSearch, saved.id)
    saved.last_run_at = utcnow() - timedelta(days=2)
    db.session.commit()
    runner.invoke(args=["alerts", "run"])
    assert len(outbox()) == 1
    assert db.session.scalar(select(db.func.count()).select_from(SavedSearchHit)) == 1
    second = factories.published_listing(cast.tto, title="一种钠离子电池负极材料", field="materials")
    saved = db.session.get(SavedSearch, saved.id)
    saved.last_run_at = utcnow() - timedelta(days=2)
    db.session.commit()
    runner.invoke(args=["alerts", "run"])
    assert len(outbox()) == 2
    body = plain(outbox()[-1])
    assert "一种钠离子电池负极材料" in body and "一种固态电池电解质膜" not in body
    assert second.id in set(db.session.scalars(select(SavedSearchHit.listing_id)))
    assert [kind for kind, _ in _notes(cast.company)] == ["alerts.digest", "alerts.digest"]


def test_empty_search_cannot_be_saved_and_searches_are_private(app, cast, make_user):
    client = client_for(app, cast.company)
    post(client, "/alerts/searches", {"q": "", "frequency": "daily"})
    assert db.session.scalar(select(SavedSearch)) is None
    post(client, "/alerts/searches", {"q": "电池", "frequency": "weekly"})
    saved_id = db.session.scalar(select(SavedSearch.id))
    other = client_for(app, cast.investor)
    assert f"/alerts/searches/{saved_id}/delete" not in other.get("/alerts").get_data(as_text=True)
    assert post(other, f"/alerts/searches/{saved_id}/delete").status_code == 404
    assert db.session.get(SavedSearch, saved_id) is not None
    assert post(client, f"/alerts/searches/{saved_id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(SavedSearch, saved_id) is None


def test_save_search_button_on_the_search_page(app, cast):
    client = client_for(app, cast.company)
    html = client.get("/listings?q=电池&grade=A").get_data(as_text=True)
    assert 'action="/alerts/searches"' in html and 'name="grade" value="A"' in html
    assert 'action="/alerts/searches"' not in client.get("/listings").get_data(as_text=True)
    assert alerts.MAX_SAVED_SEARCHES >= 10
