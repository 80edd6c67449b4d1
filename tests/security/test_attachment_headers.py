"""Attachments: what is not public is never cached, and a file is served under its real type's
extension (issue 13, items 10 and 11)."""

import io
import re
import secrets
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from marketplace import uploads
from marketplace.extensions import db
from marketplace.listings.models import Attachment, Listing, ListingState
from tests.conftest import post
from tests.factories import LISTING_FORM

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PDF = b"%PDF-1.4\n%test document\n"


def draft_listing(client) -> Listing:
    assert post(client, "/manage/listings/new", LISTING_FORM).status_code == 302
    return db.session.scalar(select(Listing).order_by(Listing.id.desc()))


def attach(client, listing, content: bytes, name: str) -> Attachment:
    upload = {"file": (io.BytesIO(content), name)}
    assert post(client, f"/manage/listings/{listing.id}/files", upload,
                content_type="multipart/form-data").status_code == 302
    return db.session.scalar(select(Attachment).order_by(Attachment.id.desc()))


def download(client, listing, attachment):
    response = client.get(f"/listings/{listing.id}/files/{attachment.id}")
    assert response.status_code == 200
    response.close()
    return response


def filename(response) -> str:
    disposition = response.headers["Content-Disposition"]
    match = re.search(r"filename\*=UTF-8''([^;]+)", disposition) or re.search(r'filename="?([^";]+)',
                                                                              disposition)
    return unquote(match.group(1))


def test_a_draft_attachment_is_private_and_never_stored(client, tto):
    listing = draft_listing(client)
    attachment = attach(client, listing, PDF, "报告.pdf")
    cache = download(client, listing, attachment).headers["Cache-Control"]
    directives = {part.strip() for part in cache.split(",")}
    assert "public" not in directives and not any(d.startswith("max-age=") and d != "max-age=0"
                                                  for d in directives), cache
    assert {"private", "no-store"} <= directives, cache


def test_a_published_attachment_stays_cacheable_and_becomes_private_again(client, tto):
    listing = draft_listing(client)
    attachment = attach(client, listing, PDF, "报告.pdf")
    assert post(client, f"/manage/listings/{listing.id}/publish").status_code == 302
    assert "public" in download(client, listing, attachment).headers["Cache-Control"]
    assert post(client, f"/manage/listings/{listing.id}/suspend", {"reason": "信息有误"}).status_code == 302
    db.session.refresh(listing)
    assert listing.state is ListingState.SUSPENDED
    directives = {part.strip() for part in download(client, listing, attachment)
                  .headers["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives and "public" not in directives


JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16


@pytest.mark.parametrize(("content", "name", "expected"), [
    (PNG, "x.png.html", "x.png"),
    (PNG, "截图.html", "截图.png"),
    (PDF, "报告.PDF", "报告.PDF"),
    (PDF, "report.svg", "report.pdf"),
    (JPEG, "photo.jpeg", "photo.jpeg"),
    (JPEG, "photo", "photo.jpg"),
], ids=["double-extension", "html", "upper-case-kept", "svg", "jpeg-kept", "no-extension"])
def test_an_attachment_is_stored_and_served_under_its_detected_types_extension(
        client, tto, content, name, expected):
    listing = draft_listing(client)
    attachment = attach(client, listing, content, name)
    assert attachment.original_name == expected
    assert filename(download(client, listing, attachment)) == expected


def test_an_attachment_stored_before_the_fix_is_served_under_its_real_extension(client, tto, app):
    listing = draft_listing(client)
    stored = secrets.token_hex(16) + ".png"
    (uploads.upload_dir() / stored).write_bytes(PNG)
    legacy = Attachment(listing=listing, stored_name=stored, original_name="x.png.html",
                        content_type="image/png", size=len(PNG), sha256="0" * 64,
                        uploaded_by_id=tto.id)
    db.session.add(legacy)
    db.session.commit()
    response = download(client, listing, legacy)
    assert response.mimetype == "image/png"
    assert filename(response) == "x.png"


def test_a_list_download_is_cached_only_while_anyone_may_see_it(client, tto, make_user):
    from marketplace.orgs.models import OrgStatus
    from tests.lists_support import add, new_list

    listing = draft_listing(client)
    assert post(client, f"/manage/listings/{listing.id}/publish").status_code == 302
    plist = new_list(client)
    add(client, plist, listing)
    assert post(client, f"/manage/lists/{plist.id}/publish").status_code == 302
    assert "public" in client.get(f"/lists/{plist.id}/versions/1.xlsx").headers["Cache-Control"]

    tto.organisation.status = OrgStatus.PENDING  # its people still see the list; nobody else does
    db.session.commit()
    response = client.get(f"/lists/{plist.id}/versions/1.xlsx")
    assert response.status_code == 200
    directives = {part.strip() for part in response.headers["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives and "public" not in directives
