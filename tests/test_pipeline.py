"""Listing views (one upsert per counted view) and the university's pipeline page."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from marketplace import timezones
from marketplace.db_types import utcnow
from marketplace.extensions import db
from marketplace.interests import pipeline, services
from marketplace.interests.models import DeclineReason, Interest, ListingViewDay, Timeline
from marketplace.listings.models import ConversionMode
from tests import factories
from tests.interests_support import cast_fixture, client_for  # noqa: F401

DATA = {"intent": ConversionMode.TRANSFER, "timeline": Timeline.WITHIN_6_MONTHS, "message": "意向"}


def _views(listing) -> int:
    return pipeline.views_of(listing.id)


def test_a_session_counts_once_a_day_and_owners_not_at_all(app, cast):
    listing = cast.listing
    visitor = app.test_client()
    for _ in range(3):
        assert visitor.get(f"/listings/{listing.id}").status_code == 200
    assert _views(listing) == 1
    app.test_client().get(f"/listings/{listing.id}")  # another browser
    client_for(app, cast.company).get(f"/listings/{listing.id}")
    assert _views(listing) == 3
    client_for(app, cast.tto).get(f"/listings/{listing.id}")  # the university's own view
    assert _views(listing) == 3
    assert app.test_client().get("/listings/987654").status_code == 404
    rows = db.session.scalars(select(ListingViewDay)).all()
    assert [(row.listing_id, row.day, row.views) for row in rows] == [
        (listing.id, timezones.today(), 3)]


def test_a_counted_view_is_one_write_statement(app, cast):
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "listing_view_days" in statement:
            statements.append(statement.split()[0].upper())

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        client = app.test_client()
        client.get(f"/listings/{cast.listing.id}")
        client.get(f"/listings/{cast.listing.id}")  # same session: nothing at all
        app.test_client().get(f"/listings/{cast.listing.id}")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert statements == ["INSERT", "INSERT"]  # INSERT … ON CONFLICT DO UPDATE, one each


def test_pipeline_page_counts_each_stage_and_the_decline_reasons(app, cast, make_user):
    listing, other = cast.listing, factories.published_listing(cast.tto, title="一种海水淡化膜")
    for _ in range(4):
        app.test_client().get(f"/listings/{listing.id}")
    deal = services.express_interest(cast.company, listing, DATA)
    services.transition(cast.tto, deal, "accept")
    services.transition(cast.tto, deal, "deal")
    declined = services.express_interest(cast.investor, listing, DATA)
    services.transition(cast.tto, declined, "accept")
    services.transition(cast.tto, declined, "decline", reason=DeclineReason.PRICE)
    late = services.express_interest(make_user(cast.company.role), other, DATA)
    services.transition(cast.tto, late, "decline", reason=DeclineReason.TOO_EARLY)
    data = pipeline.pipeline(cast.tto.organisation_id)
    by_listing = {row.listing.id: (row.views, row.interests, row.discussion, row.deals)
                  for row in data.rows}
    assert by_listing == {listing.id: (4, 2, 2, 1), other.id: (0, 1, 0, 0)}
    totals = data.totals
    assert (totals.views, totals.interests, totals.discussion, totals.deals) == (4, 3, 2, 1)
    month = timezones.today().strftime("%Y-%m")
    assert data.months[-1] == month and len(data.months) == 12
    assert data.declines["price"][-1] == 1 and data.declines["too_early"][-1] == 1
    assert sum(data.declines["other"]) == 0
    # The page: chart canvases with their data, and the same numbers as tables.
    html = client_for(app, cast.tto).get("/manage/pipeline").get_data(as_text=True)
    assert 'id="funnel-chart"' in html and "data-values='[4, 3, 2, 1]'" in html
    assert "vendor/chart.umd.min." in html and "js/pipeline." in html
    assert "<td>4</td><td>3</td><td>2</td><td>1</td>" in html
    one = client_for(app, cast.tto).get(f"/manage/pipeline?listing={other.id}").get_data(as_text=True)
    assert "data-values='[0, 1, 0, 0]'" in one


def test_old_interests_leave_a_short_period(app, cast):
    interest = services.express_interest(cast.company, cast.listing, DATA)
    interest.created_at = utcnow() - timedelta(days=100)
    db.session.commit()
    assert pipeline.pipeline(cast.tto.organisation_id, days=90).totals.interests == 0
    assert pipeline.pipeline(cast.tto.organisation_id, days=365).totals.interests == 1


@pytest.mark.parametrize("who", ["investor", "other_tto"])
def test_pipeline_of_another_university_is_not_shown(app, cast, make_user, who):
    from marketplace.accounts.models import Role

    user = cast.investor if who == "investor" else make_user(Role.TTO)
    client = client_for(app, user)
    response = client.get(f"/manage/pipeline?listing={cast.listing.id}")
    assert response.status_code == (403 if who == "investor" else 404)
    if who == "other_tto":
        html = client.get("/manage/pipeline").get_data(as_text=True)
        assert cast.listing.title not in html
    assert db.session.scalar(select(db.func.count()).select_from(Interest)) == 0
