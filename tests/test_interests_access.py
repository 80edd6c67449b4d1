"""Object-level access: no organisation sees or changes another's interest, thread, message
file, confidential file, NDA acceptance or saved search — checked per object, through the
services and through every route that takes the object."""

import io

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.errors import NotAllowed
from marketplace.extensions import db
from marketplace.interests import confidential, services, threads
from marketplace.interests.models import Interest, InterestStatus, Message, Timeline
from marketplace.listings.models import ConversionMode
from marketplace.notifications.models import Notification
from marketplace.permissions import can
from marketplace.permissions.interests import side
from tests import factories
from tests.conftest import post
from tests.interests_support import PDF, cast_fixture, client_for  # noqa: F401

DATA = {"intent": ConversionMode.TRANSFER, "timeline": Timeline.WITHIN_6_MONTHS,
        "message": "拟受让该专利并共建产线", "share_contacts": True}


@pytest.fixture
def scene(app, cast, make_user):
    """The company's accepted interest with a message file, an NDA the company accepted and a
    confidential file; the investor has an accepted interest of its own in the same listing."""
    interest = services.express_interest(cast.company, cast.listing, DATA)
    services.transition(cast.tto, interest, "accept")
    upload = type("Upload", (), {"stream": io.BytesIO(PDF), "filename": "报价单.pdf"})()
    message = threads.post_message(cast.company, interest, "报价见附件", upload)
    nda = confidential.set_nda(cast.tto, cast.listing, "保密协议全文")
    confidential.accept_nda(cast.company, cast.listing, nda.id, nda.sha256)
    upload = type("Upload", (), {"stream": io.BytesIO(PDF), "filename": "核心工艺.pdf"})()
    secret = confidential.add_file(cast.tto, cast.listing, upload)
    own = services.express_interest(cast.investor, cast.listing, {**DATA, "message": "投资意向"})
    services.transition(cast.tto, own, "accept")
    other_tto = make_user(Role.TTO)
    return {"interest": interest, "file": message.attachments[0], "secret": secret, "nda": nda,
            "own": own, "other_tto": other_tto}


def test_services_refuse_the_investor_every_object(app, cast, scene):
    investor, interest = cast.investor, scene["interest"]
    assert side(investor, interest) is None and not can("interests.view", interest, user=investor)
    assert can("interests.view", interest, user=cast.company)
    assert can("interests.view", interest, user=cast.tto)
    # An accepted interest of its own is not enough without the NDA.
    assert not can("interests.open_confidential", cast.listing, user=investor)
    assert can("interests.open_confidential", cast.listing, user=cast.company)
    with pytest.raises(NotAllowed):
        threads.post_message(investor, interest, "我也想看看")
    for action in ("negotiate", "withdraw", "accept", "deal"):
        with pytest.raises(NotAllowed):
            services.transition(investor, interest, action)
    with pytest.raises(NotAllowed):
        services.share_contacts(investor, interest)
    assert threads.unread_counts(investor, [interest.id]) == {}
    db.session.refresh(interest)
    assert interest.status is InterestStatus.IN_DISCUSSION
    assert db.session.scalar(select(db.func.count()).select_from(Message)) == 1


@pytest.mark.parametrize("who", ["investor", "other_tto"])
def test_routes_hide_the_company_interest_from_others(app, cast, scene, who):
    user = cast.investor if who == "investor" else scene["other_tto"]
    client = client_for(app, user)
    interest, listing = scene["interest"], cast.listing
    for path in (f"/interests/{interest.id}",
                 f"/interests/{interest.id}/files/{scene['file'].id}",
                 f"/listings/{listing.id}/confidential/{scene['secret'].id}"):
        response = client.get(path)
        assert response.status_code == 404, path
        response.close()
    for path, data in ((f"/interests/{interest.id}/messages", {"body": "偷看"}),
                       (f"/interests/{interest.id}/negotiate", {}),
                       (f"/interests/{interest.id}/withdraw", {}),
                       (f"/interests/{interest.id}/share-contacts", {}),
                       (f"/interests/{interest.id}/decline", {"reason": "price"})):
        assert post(client, path, data).status_code in (403, 404), path
    db.session.refresh(interest)
    assert interest.status is InterestStatus.IN_DISCUSSION
    # Lists and pages show nothing of it.
    listing_page = client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert "核心工艺.pdf" not in listing_page and "拟受让该专利并共建产线" not in listing_page
    mine = client.get("/interests").get_data(as_text=True)
    assert f"/interests/{interest.id}\"" not in mine
    notifications = client.get("/notifications").get_data(as_text=True)
    assert "报价见附件" not in notifications


def test_investor_sees_its_own_interest_but_not_the_company_thread(app, cast, scene):
    client = client_for(app, cast.investor)
    own = client.get(f"/interests/{scene['own'].id}").get_data(as_text=True)
    assert "投资意向" in own and "报价见附件" not in own and "拟受让该专利并共建产线" not in own
    listing = client.get(f"/listings/{cast.listing.id}").get_data(as_text=True)
    assert f"/listings/{cast.listing.id}/nda" in listing  # may accept the NDA for itself
    # The company's acceptance does not open the files to the investor's organisation.
    response = client.get(f"/listings/{cast.listing.id}/confidential/{scene['secret'].id}")
    assert response.status_code == 404


def test_a_colleague_shares_the_organisation_view(app, cast, scene, make_user):
    """Members of the interested organisation all see its interest; a tto of the owning
    university sees it too; an inventor of that university does not."""
    colleague = make_user(Role.COMPANY, org=cast.company.organisation)
    inventor = make_user(Role.INVENTOR, org=cast.tto.organisation)
    interest = scene["interest"]
    assert client_for(app, colleague).get(f"/interests/{interest.id}").status_code == 200
    assert client_for(app, inventor).get(f"/interests/{interest.id}").status_code == 404
    response = client_for(app, colleague).get(
        f"/listings/{cast.listing.id}/confidential/{scene['secret'].id}")
    assert response.status_code == 200
    response.close()


def test_notifications_reach_only_the_two_sides(app, cast, scene):
    recipients = set(db.session.scalars(select(Notification.user_id).where(
        Notification.link == f"/interests/{scene['interest'].id}")))
    assert recipients == {cast.tto.id, cast.company.id}
    assert cast.investor.id not in recipients


def test_interest_ids_do_not_leak_through_other_listings(app, cast, scene):
    """A thread's file id under another interest's URL is refused."""
    client = client_for(app, cast.investor)
    response = client.get(f"/interests/{scene['own'].id}/files/{scene['file'].id}")
    assert response.status_code == 404
    other_listing = factories.published_listing(cast.tto, title="另一项成果")
    response = client_for(app, cast.company).get(
        f"/listings/{other_listing.id}/confidential/{scene['secret'].id}")
    assert response.status_code == 404
    assert db.session.get(Interest, scene["interest"].id).organisation_id == cast.company.organisation_id
