"""Delivery: compressed responses by Accept-Encoding, static files under content-hashed names."""

import gzip
import hashlib
import re
from pathlib import Path

import brotli
import pytest
from flask import Response, url_for

from marketplace import delivery
from marketplace.listings import cache
from tests.conftest import csrf_token

TOKEN = re.compile(r'name="csrf_token"[^>]*value="[^"]{20,}"')
APP_CSS = re.compile(r'href="(/static/css/app\.([0-9a-f]{12})\.css)"')


def _get(client, url: str, **kwargs):
    """GET, read the whole body, close the response (a file response holds the file open)."""
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


def _body(response) -> bytes:
    data = response.get_data()
    encoding = response.headers.get("Content-Encoding")
    if encoding == "gzip":
        return gzip.decompress(data)
    if encoding == "br":
        return brotli.decompress(data)
    assert encoding is None, encoding
    return data


# --- pages and JSON ----------------------------------------------------------------------------

def test_a_page_is_gzipped_only_for_a_browser_that_accepts_it(client):
    plain = client.get("/auth/login")
    zipped = client.get("/auth/login", headers={"Accept-Encoding": "gzip, deflate"})
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in plain.headers["Vary"] and "Accept-Encoding" in zipped.headers["Vary"]
    assert int(zipped.headers["Content-Length"]) == len(zipped.get_data()) < len(plain.get_data()) / 2
    html = _body(zipped).decode()
    assert "<form" in html and html.endswith(plain.get_data(as_text=True)[-200:])


def test_brotli_when_the_browser_prefers_it_and_identity_when_it_refuses_both(client):
    assert client.get("/", headers={"Accept-Encoding": "gzip, br"}).headers["Content-Encoding"] == "br"
    assert client.get("/", headers={"Accept-Encoding": "br;q=0.5, gzip"}).headers[
        "Content-Encoding"] == "gzip"
    refused = client.get("/", headers={"Accept-Encoding": "gzip;q=0, br;q=0"})
    assert "Content-Encoding" not in refused.headers
    assert b"</html>" in _body(client.get("/", headers={"Accept-Encoding": "br"}))


def test_small_responses_go_out_as_they_are(client):
    response = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers


def test_compression_can_be_turned_off(app, client):
    app.config["COMPRESS_RESPONSES"] = False
    assert "Content-Encoding" not in client.get("/", headers={"Accept-Encoding": "gzip"}).headers


def test_a_compressed_json_answer_keeps_conditional_requests_working(client):
    first = client.get("/api/v1/listings", headers={"Accept-Encoding": "gzip"})
    assert first.status_code == 200
    etag = first.headers["ETag"]
    if first.headers.get("Content-Encoding") == "gzip":
        assert etag.startswith('W/"')  # another representation than the uncompressed one
    again = client.get("/api/v1/listings", headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""


def test_streamed_responses_are_left_alone(app, client):
    text = "x" * 5000

    @app.get("/_test/stream")
    def stream():
        return Response((part for part in [text]), mimetype="text/plain")

    response = client.get("/_test/stream", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in response.headers
    assert response.get_data(as_text=True) == text


def test_the_search_page_cache_serves_compressed_pages_each_with_its_own_token(app):
    app.config["SEARCH_CACHE_SECONDS"] = 30
    for _ in range(2):  # the second visitor is served from the cache
        client = app.test_client()
        csrf_token(client)
        response = client.get("/listings?q=电池", headers={"Accept-Encoding": "gzip"})
        assert response.headers["Content-Encoding"] == "gzip"
        html = _body(response).decode()
        assert TOKEN.search(html) and cache._TOKEN_HOLE not in html


# --- static files ------------------------------------------------------------------------------

def test_pages_link_static_files_by_content_hash_cached_for_a_year(client, app):
    html = _get(client, "/").get_data(as_text=True)
    href, digest = APP_CSS.search(html).groups()
    css = (Path(app.static_folder) / "css" / "app.css").read_bytes()
    assert digest == hashlib.sha256(css).hexdigest()[:12]
    response = _get(client, href)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.mimetype == "text/css"
    assert b"--" in response.get_data()  # the style sheet's custom properties
    assert re.search(r'src="/static/js/app\.[0-9a-f]{12}\.js"', html)


def test_a_static_file_is_compressed_once_and_answers_304_to_its_etag(client):
    href = APP_CSS.search(_get(client, "/").get_data(as_text=True)).group(1)
    plain = _get(client, href)
    zipped = _get(client, href, headers={"Accept-Encoding": "gzip"})
    brotlied = _get(client, href, headers={"Accept-Encoding": "br, gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip" and brotlied.headers["Content-Encoding"] == "br"
    assert _body(zipped) == _body(brotlied) == plain.get_data()
    assert len(brotlied.get_data()) < len(plain.get_data()) / 3
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert len({plain.headers["ETag"], zipped.headers["ETag"], brotlied.headers["ETag"]}) == 3
    again = _get(client, href, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]})
    assert again.status_code == 304
    assert again.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_the_vendored_chart_library_is_served_compressed(client, app):
    with app.test_request_context():
        href = url_for("static", filename="vendor/chart.umd.min.js")
    assert re.fullmatch(r"/static/vendor/chart\.umd\.min\.[0-9a-f]{12}\.js", href)
    response = _get(client, href, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
    assert len(response.get_data()) < 100_000 < len(_body(response))


@pytest.fixture
def static_dir(app, tmp_path):
    folder = tmp_path / "static"
    (folder / "js").mkdir(parents=True)
    app.static_folder = str(folder)
    return folder


def test_the_hashed_name_changes_when_the_file_changes(app, client, static_dir):
    script = static_dir / "js" / "page.js"
    script.write_text("console.log(1);\n")
    with app.test_request_context():
        first = url_for("static", filename="js/page.js")
    script.write_text("console.log(2);\n")
    with app.test_request_context():
        second = url_for("static", filename="js/page.js")
    assert first != second
    assert _get(client, second).get_data(as_text=True) == "console.log(2);\n"
    assert _get(client, second).headers["Cache-Control"].endswith("immutable")
    # A page of the previous release still gets the file, but only briefly cached.
    stale = _get(client, first)
    assert stale.status_code == 200 and stale.get_data(as_text=True) == "console.log(2);\n"
    assert stale.headers["Cache-Control"] == f"public, max-age={delivery.STATIC_SHORT_MAX_AGE}"


def test_plain_names_work_briefly_cached_and_unknown_files_are_404(client, static_dir):
    (static_dir / "js" / "page.js").write_text("console.log(3);\n")
    plain = _get(client, "/static/js/page.js")
    assert plain.status_code == 200
    assert plain.headers["Cache-Control"] == f"public, max-age={delivery.STATIC_SHORT_MAX_AGE}"
    assert _get(client, "/static/js/missing.0123456789ab.js").status_code == 404
    assert _get(client, "/static/js/missing.js").status_code == 404
    assert _get(client, "/static/../config.py").status_code == 404
