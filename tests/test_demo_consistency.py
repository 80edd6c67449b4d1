"""``flask demo load`` gives data that agrees with itself (issue 15 §3): every listing offered under
an open licence has an announced declaration a company can accept, the submitted annual report's
figures are the platform's figures, no demo marker is a "shared keyword", and the demo proposal
is about what the need asks for."""

import re

import pytest
import sqlalchemy as sa

from marketplace.action import registry
from marketplace.action.models import Plan, PlanState
from marketplace.action.reports.models import Report, ReportState
from marketplace.demo import DEMO_PASSWORD
from marketplace.extensions import db
from marketplace.licences.models import DeclarationState, OpenLicenceDeclaration
from marketplace.listings import search
from marketplace.listings.models import ConversionMode, Listing, ListingMode, ListingState
from marketplace.listings.queries import SearchQuery, run_search
from marketplace.needs import scoring
from marketplace.needs.models import Match, Need, Proposal
from tests.conftest import zh


@pytest.fixture
def demo(app, runner):
    # The fixtures empty the ORM tables only; SQLite's FTS5 table keeps earlier tests' rows.
    db.session.execute(sa.text(f"DELETE FROM {search.INDEX_TABLE}"))  # noqa: S608
    db.session.commit()
    result = runner.invoke(args=["demo", "load"])
    assert "Demo data ready" in result.output, result.output
    return app


def _announced() -> dict[int, int]:
    """listing id -> its announced declaration's id."""
    return dict(db.session.execute(sa.select(OpenLicenceDeclaration.listing_id, OpenLicenceDeclaration.id)
                                   .where(OpenLicenceDeclaration.state == DeclarationState.ANNOUNCED)).all())


def test_every_open_licence_chip_leads_to_a_declaration_a_company_can_accept(demo, client):
    offered = set(db.session.scalars(sa.select(ListingMode.listing_id).where(
        ListingMode.mode == ConversionMode.OPEN_LICENCE)))
    announced = _announced()
    assert len(announced) >= 3 and offered == set(announced)

    published = set(db.session.scalars(sa.select(Listing.id).where(
        Listing.state == ListingState.PUBLISHED, Listing.id.in_(offered))))
    found = run_search(SearchQuery(mode=ConversionMode.OPEN_LICENCE))
    assert found.total == len(published)
    facet = dict(run_search(SearchQuery()).facets["mode"])
    assert facet[ConversionMode.OPEN_LICENCE] == len(published)

    page = client.get("/listings?mode=open_licence").get_data(as_text=True)
    chips = set(re.findall(r'class="chip chip-open" href="/listings/(\d+)/open-licence"', page))
    assert chips and {int(chip) for chip in chips} <= published
    for listing_id in chips:
        response = client.get(f"/listings/{listing_id}/open-licence")
        declaration_id = announced[int(listing_id)]
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/open-licences/{declaration_id}")
        terms = client.get(f"/open-licences/{declaration_id}").get_data(as_text=True)
        assert f"/open-licences/{declaration_id}/accept" in terms or "/login" in terms


def test_the_submitted_report_shows_the_platforms_figures(demo, client, auth):
    report = db.session.scalar(sa.select(Report).where(Report.state == ReportState.SUBMITTED))
    assert report is not None
    frozen = {row["key"]: row["platform"] for row in report.figures}
    live = {m.key: registry.value_text(m.fn(report.organisation_id, report.year))
            for m in registry.metrics()}
    assert frozen == live
    assert int(frozen["interests_received"]) > 0 and int(frozen["interest_deals"]) >= 1
    assert int(frozen["open_licences_granted"]) >= 1
    if "roadshows" in frozen:
        assert int(frozen["roadshows"]) >= 1
    keys = {deal.key for deal in registry.deals(report.organisation_id, report.year)}
    assert report.cases and all(case.deal_key in keys for case in report.cases)

    # the approved plan reads in the annex's order: section 5 (key projects) between 4 and 6
    auth.login("tto@demo.bxqx.cn", password=DEMO_PASSWORD)
    plan = db.session.scalar(sa.select(Plan).where(Plan.state == PlanState.APPROVED))
    page = client.get(f"/action/plans/{plan.id}").get_data(as_text=True)
    headings = [zh("4. Mechanisms"), zh("5. Key projects and patent portfolios"),
                zh("6. Support measures")]
    positions = [page.index(f">{heading}<") for heading in headings]
    assert positions == sorted(positions), headings
    assert page.index(plan.projects[0].title) < positions[2]


def test_no_demo_marker_is_a_shared_keyword_and_the_proposal_is_on_topic(demo):
    for reasons in db.session.scalars(sa.select(Match.reasons)):
        assert not set(reasons.get("terms") or []) & scoring.MARKER_WORDS, reasons
    proposal = db.session.scalar(sa.select(Proposal))
    need = db.session.get(Need, proposal.need_id)
    wanted = scoring.demand_terms(need.title, "", need.keywords)
    title = set(search.tokens_for_index(proposal.listing.title))
    assert wanted.keys() & title, (need.title, proposal.listing.title)
