"""One upload limit (issue 15, part 3): every file field states it and carries it for uploads.js,
the service refuses a file over it with the same words, and a request too large to read goes back
to the form it came from with that message instead of a bare 413 page."""

import io

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.config import Config
from marketplace.interests.models import Interest, Message
from marketplace.orgs.models import DocumentKind
from tests.conftest import post, zh
from tests.interests_support import INTEREST_FORM, PDF, cast_fixture, client_for  # noqa: F401

MB = 1024 * 1024


@pytest.fixture
def thread(app, cast):
    """The company's interest in the tto's listing, accepted; (company's client, thread path)."""
    company = client_for(app, cast.company)
    assert post(company, f"/listings/{cast.listing.id}/interest", INTEREST_FORM).status_code == 302
    interest = app.extensions["sqlalchemy"].session.scalar(select(Interest))
    assert post(client_for(app, cast.tto), f"/interests/{interest.id}/accept").status_code == 302
    return company, f"/interests/{interest.id}"


def limit_hint(mb: int = 10) -> str:
    return zh("At most %(mb)d MB per file.", mb=mb)


def test_the_request_limit_follows_the_one_file_limit():
    assert Config.MAX_ATTACHMENT_BYTES == 10 * MB
    # Two files (a claim's two documents) and the form's text.
    assert Config.MAX_CONTENT_LENGTH == 2 * Config.MAX_ATTACHMENT_BYTES + MB


def test_the_thread_form_states_the_limit_and_carries_it_for_the_browser(thread):
    company, path = thread
    html = company.get(path).get_data(as_text=True)
    assert limit_hint() in html
    assert f'data-max-bytes="{10 * MB}"' in html
    assert f'data-too-large="{zh("Files may be at most %(mb)d MB.", mb=10)}"' in html
    assert "10 MB" not in html.replace(limit_hint(), "").replace(
        zh("Files may be at most %(mb)d MB.", mb=10), "")  # no second, different limit
    assert "/static/js/uploads." in html  # under its content-hashed name


def test_the_stated_limit_is_the_configured_one(app, thread):
    app.config["MAX_ATTACHMENT_BYTES"] = 5 * MB
    company, path = thread
    html = company.get(path).get_data(as_text=True)
    assert limit_hint(5) in html and f'data-max-bytes="{5 * MB}"' in html


@pytest.mark.parametrize("url", ["/auth/register", "/manage/imports/new"])
def test_other_upload_forms_state_the_same_limit(app, client, auth, make_user, url):
    if url != "/auth/register":
        auth.login(make_user().email)
    html = client.get(url).get_data(as_text=True)
    assert limit_hint() in html and f'data-max-bytes="{10 * MB}"' in html


def test_the_listing_attachment_form_states_the_limit(app, cast):
    html = client_for(app, cast.tto).get(f"/listings/{cast.listing.id}").get_data(as_text=True)
    assert limit_hint() in html and 'id="file"' in html and f'data-max-bytes="{10 * MB}"' in html


def test_a_file_over_the_limit_is_refused_with_the_same_words(app, thread):
    app.config["MAX_ATTACHMENT_BYTES"] = 1 * MB
    company, path = thread
    response = post(company, f"{path}/messages",
                    {"body": "附上资料", "file": (io.BytesIO(PDF + b"0" * (MB + 10)), "big.pdf")},
                    content_type="multipart/form-data", follow_redirects=True)
    assert zh("Files may be at most %(mb)d MB.", mb=1) in response.get_data(as_text=True)
    assert app.extensions["sqlalchemy"].session.scalar(select(Message).where(
        Message.body == "附上资料")) is None


def test_a_request_too_large_to_read_returns_to_its_form_with_the_limit(app, thread):
    company, path = thread
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    response = company.post(f"{path}/messages",
                            data={"body": "我们的报价单", "file": (io.BytesIO(PDF + b"0" * 100_000),
                                                              "quote.pdf")},
                            content_type="multipart/form-data",
                            headers={"Referer": f"http://localhost{path}"})
    assert response.status_code == 303 and response.headers["Location"] == path
    html = company.get(path).get_data(as_text=True)
    assert zh("Your file was not sent: %(limit)s Choose a smaller file and send the form again.",
              limit=zh("Files may be at most %(mb)d MB.", mb=10)) in html


def test_a_too_large_request_from_elsewhere_gets_the_413_page(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    for headers in ({}, {"Referer": "https://evil.example.com/form"}):
        response = client.post("/auth/login", data={"email": "x" * 4096}, headers=headers)
        assert response.status_code == 413
        html = response.get_data(as_text=True)
        assert zh("The upload is too large") in html
        assert zh("Files may be at most %(mb)d MB.", mb=10) in html
    response = client.post("/auth/login", data={"email": "x" * 4096},
                           headers={"Accept": "application/json", "Referer": "http://localhost/x"})
    assert response.status_code == 413
    assert response.json["message"] == zh("Files may be at most %(mb)d MB.", mb=10)


def test_claim_documents_no_longer_state_their_own_limit():
    from marketplace.orgs.forms import DOCUMENT_HINTS

    for kind in DocumentKind:
        assert "MB" not in str(DOCUMENT_HINTS[kind])


def test_a_file_field_shown_again_with_errors_still_states_the_limit(app, client, auth, make_user):
    from marketplace.orgs.models import OrgStatus

    auth.login(make_user(Role.TTO, org_status=OrgStatus.PENDING).email)
    response = post(client, "/org/documents", {"kind": "business_licence"},
                    content_type="multipart/form-data")
    assert response.status_code == 422
    assert limit_hint() in response.get_data(as_text=True)
