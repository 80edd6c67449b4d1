"""Published lists made through the management pages, as a tto makes them (the lists tests and
the download-header tests)."""

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.lists.models import PublishedList
from tests.conftest import post


def new_list(client, title="2026年度高价值专利清单") -> PublishedList:
    response = post(client, "/manage/lists/new", {"kind": "high_value_patents", "title": title,
                                                  "description": "材料学院遴选的高价值专利。"})
    assert response.status_code == 302
    return db.session.scalar(select(PublishedList).order_by(PublishedList.id.desc()))


def add(client, plist, listing):
    return post(client, f"/manage/lists/{plist.id}/items", {"listing_id": str(listing.id)},
                follow_redirects=True)
