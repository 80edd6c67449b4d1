"""The search cache: hits, expiry, invalidation on publish, and results identical to uncached ones."""

import re
import threading

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeTimedSerializer

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.listings import cache, facet_counts, search, search_sql
from marketplace.listings import services as listings
from marketplace.listings.models import Grade, ListingKind
from marketplace.listings.queries import SearchQuery, run_search
from marketplace.listings.synthetic import ListingFactory
from tests.conftest import Auth


@pytest.fixture
def tto(make_user):
    return make_user(Role.TTO)


@pytest.fixture
def cached(app):
    """Turn the cache on for this test, starting empty."""
    app.config["SEARCH_CACHE_SECONDS"] = 30
    cache.invalidate()
    yield app
    cache.invalidate()


@pytest.fixture
def publish(tto):
    factory = ListingFactory(seed=7)

    def _publish(title: str, **changes):
        data = {**factory.data(tto.name, tto.email), "title": title, **changes}
        listing = listings.create_listing(tto, data, commit=False)
        listings.transition(tto, listing, "publish")
        return listing
    return _publish


class Statements:
    """Counts the SQL statements the engine runs."""

    def __init__(self):
        self.count = 0

    def __call__(self, *args):
        self.count += 1


@pytest.fixture
def statements(app):
    counter = Statements()
    sa.event.listen(db.engine, "before_cursor_execute", counter)
    yield counter
    sa.event.remove(db.engine, "before_cursor_execute", counter)


def test_a_repeated_search_is_served_from_the_cache(cached, publish, statements):
    publish("一种锂离子电池正极材料及其制备方法")
    first = run_search(SearchQuery(q="电池"))
    before, hits = statements.count, cache.stats()["hits"]
    again = run_search(SearchQuery(q="电池"))
    assert cache.stats()["hits"] == hits + 2  # the total and facets, and the page of ids
    assert statements.count - before <= 3  # only loading the page's listings
    assert again.total == first.total == 1
    assert again.facets == first.facets and [i.id for i in again.items] == [i.id for i in first.items]
    again.facets["grade"].clear()  # callers get their own lists
    assert run_search(SearchQuery(q="电池")).facets["grade"] == first.facets["grade"]


def test_spellings_with_the_same_tokens_share_an_entry(cached, publish):
    publish("一种固态电池热失控预警方法")
    run_search(SearchQuery(q="电池"))
    hits = cache.stats()["hits"]
    run_search(SearchQuery(q="电池的"))  # 的 is a stop word: same tokens
    assert cache.stats()["hits"] == hits + 2


def test_entries_expire_after_the_ttl(cached, publish, monkeypatch):
    publish("一种钠离子电池负极材料")
    run_search(SearchQuery(q="电池"))
    now = cache.time.monotonic()
    # Every entry lives at least 3/4 of the setting (22.5 s) and at most all of it.
    monkeypatch.setattr(cache.time, "monotonic", lambda: now + 22)
    hits = cache.stats()["hits"]
    run_search(SearchQuery(q="电池"))
    assert cache.stats()["hits"] == hits + 2
    monkeypatch.setattr(cache.time, "monotonic", lambda: now + 31)
    misses = cache.stats()["misses"]
    run_search(SearchQuery(q="电池"))
    assert cache.stats()["misses"] > misses


def test_entries_made_together_expire_spread_over_the_last_quarter_of_the_ttl(cached):
    """Searches cached in the same second must not all go to the database in the same second."""
    with cached.test_request_context():
        started = cache.time.monotonic()
        generation = cache.generation()
        for number in range(200):
            cache.put(("spread", number), number, generation)
        expiries = [cache._entries[("spread", number)][0] - started for number in range(200)]
    assert all(30 * 0.75 <= expiry <= 30 + 1 for expiry in expiries)
    assert max(expiries) - min(expiries) > 5  # spread, not one instant


def test_publishing_and_withdrawing_invalidate_at_once(cached, publish, tto, client):
    first = publish("一种燃料电池故障诊断方法")
    assert run_search(SearchQuery(q="电池")).total == 1
    assert f"/listings/{first.id}" in client.get("/listings?q=电池").get_data(as_text=True)
    second = publish("一种动力电池均衡控制装置", grade=Grade.A)
    assert run_search(SearchQuery(q="电池")).total == 2
    assert f"/listings/{second.id}" in client.get("/listings?q=电池").get_data(as_text=True)
    listings.transition(tto, second, "withdraw", "专利权转让")
    assert run_search(SearchQuery(q="电池")).total == 1
    assert f"/listings/{second.id}" not in client.get("/listings?q=电池").get_data(as_text=True)


def test_a_value_computed_across_an_invalidation_is_not_kept(cached):
    generation = cache.generation()
    cache.invalidate()
    cache.put(("k",), "stale", generation)
    assert cache.get(("k",)) is None
    cache.put(("k",), "fresh", cache.generation())
    assert cache.get(("k",)) == "fresh"


def test_concurrent_misses_of_one_key_compute_it_once(cached, monkeypatch):
    calls, started, release, results = [], threading.Event(), threading.Event(), []
    waiting = threading.Semaphore(0)

    def compute():
        calls.append(1)
        started.set()
        release.wait(5)
        return "value"

    def ask():
        with cached.app_context():
            results.append(cache.cached(("slow",), compute))

    threads = [threading.Thread(target=ask) for _ in range(3)]
    threads[0].start()
    assert started.wait(5)
    flight = cache._flights[("slow",)]  # the leader's, which the others must wait on
    real_wait = flight.wait

    def wait(timeout=None):
        waiting.release()
        return real_wait(timeout)

    monkeypatch.setattr(flight, "wait", wait)
    for thread in threads[1:]:
        thread.start()
    # Both followers are waiting on the leader's flight before it finishes.
    assert waiting.acquire(timeout=5) and waiting.acquire(timeout=5)
    release.set()
    for thread in threads:
        thread.join(5)
    assert calls == [1] and results == ["value"] * 3


def test_the_cache_is_bounded(cached):
    cached.config["SEARCH_CACHE_SIZE"] = 3
    for n in range(5):
        cache.put(("k", n), n, cache.generation())
    assert cache.stats()["entries"] == 3
    assert cache.get(("k", 0)) is None and cache.get(("k", 4)) == 4


def test_disabled_cache_keeps_nothing(app, publish):
    assert app.config["SEARCH_CACHE_SECONDS"] == 0
    publish("一种锂离子电池健康状态估计方法")
    run_search(SearchQuery(q="电池"))
    assert cache.stats()["entries"] == 0


def test_total_without_facets_and_filtered_searches(cached, publish):
    publish("一种锂离子电池健康状态估计方法", grade=Grade.A)
    publish("一种动力电池包散热结构", kind=ListingKind.ACHIEVEMENT, application_number=None)
    full = run_search(SearchQuery(q="电池"))
    bare = run_search(SearchQuery(q="电池"), with_facets=False)
    assert bare.total == full.total == 2 and bare.facets == {}
    assert run_search(SearchQuery(q="电池", grade=Grade.A)).total == 1
    assert dict(full.facets["grade"])[Grade.A] == 1


def _results(client, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    return html[html.index('class="search-layout"'):html.index("</main>")]


def test_cached_page_is_the_uncached_page_and_keeps_the_session_parts(cached, publish, client, auth,
                                                                       tto):
    publish("一种基于深度学习的锂离子电池健康状态估计方法")
    cached.config["SEARCH_CACHE_SECONDS"] = 0
    uncached = _results(client, "/listings?q=电池&sort=newest")
    cached.config["SEARCH_CACHE_SECONDS"] = 30
    first = _results(client, "/listings?q=电池&sort=newest")
    hits = cache.stats()["hits"]
    second = _results(client, "/listings?q=电池&sort=newest")
    assert cache.stats()["hits"] == hits + 1
    assert first == second == uncached
    assert "<mark>电池</mark>" in second and "csrf_token" not in second
    auth.login(tto.email)
    logged_in = client.get("/listings?q=电池&sort=newest").get_data(as_text=True)
    assert tto.name in logged_in and "<mark>电池</mark>" in logged_in


def test_ranking_in_the_index_first_falls_back_when_unpublished_rows_crowd_it(app, publish, tto):
    """A stray index row of a draft must not hide published listings (ranking in the index)."""
    # The fixtures empty the ORM tables only; SQLite's FTS5 table keeps earlier tests' rows.
    db.session.execute(sa.text(f"DELETE FROM {search.INDEX_TABLE}"))  # noqa: S608
    published = [publish(f"一种电池{n}号装置") for n in range(3)]
    draft = listings.create_listing(tto, {**ListingFactory(3).data(tto.name, tto.email),
                                          "title": "电池 电池 电池 电池"})
    search.index(draft)
    db.session.commit()
    result = run_search(SearchQuery(q="电池"))
    assert sorted(i.id for i in result.items) == sorted(p.id for p in published)
    assert result.total == 3 and sum(n for _, n in result.facets["grade"]) == 3
    assert search_sql._best_published(SearchQuery(q="电池"), ["电池"], 2) is None  # draft first: join
    assert len(search_sql._best_published(SearchQuery(q="电池"), ["电池"], 10)) == 3


def test_browsing_everything_counts_published_listings_only(app, publish, tto):
    """The page without text or filters counts the published listings only (a draft and a
    withdrawn listing are left out), as a search with a filter does."""
    for n in range(4):
        publish(f"一种传感器{n}号标定方法")
    listings.create_listing(tto, ListingFactory(5).data(tto.name, tto.email))
    withdrawn = publish("一种已撤回的传感器")
    listings.transition(tto, withdrawn, "withdraw", "不再转化")
    total, facets = facet_counts.facets(SearchQuery(), [])
    assert total == 4 == run_search(SearchQuery(), with_facets=False).total
    assert sum(n for _, n in facets["university"]) == 4
    assert sum(n for _, n in facets["grade"]) == 4
    field = facets["field"][0][0]
    assert facet_counts.facets(SearchQuery(field=field), [])[0] == dict(facets["field"])[field]


_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _session_token(app, page: str) -> str:
    """The session's CSRF secret inside a page's signed token.

    The signed token carries the second it was signed in, so two pages for one visitor differ
    when a second boundary falls between them; the secret inside is the visitor's own.
    """
    signed = _TOKEN.search(page).group(1)
    serializer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token")
    return serializer.loads(signed)


def test_visitors_share_the_cached_page_each_with_their_own_csrf_token(cached, publish):
    publish("一种锂离子电池健康状态估计方法")
    first, second = cached.test_client(), cached.test_client()
    pages = [c.get("/listings?q=电池").get_data(as_text=True) for c in (first, second)]
    tokens = [_TOKEN.search(page).group(1) for page in pages]
    assert tokens[0] != tokens[1] and "<mark>电池</mark>" in pages[0]
    assert pages[0].replace(tokens[0], "") == pages[1].replace(tokens[1], "")
    hits = cache.stats()["hits"]
    again = first.get("/listings?q=电池").get_data(as_text=True)
    assert _session_token(cached, again) == _session_token(cached, pages[0])
    assert _session_token(cached, pages[0]) != _session_token(cached, pages[1])
    assert cache.stats()["hits"] > hits
    assert second.post("/language", data={"csrf_token": tokens[0], "lang": "en"}).status_code == 400
    assert first.post("/language", data={"csrf_token": tokens[0], "lang": "en"}).status_code == 302
    assert '<html lang="en">' in first.get("/listings?q=电池").get_data(as_text=True)
    assert '<html lang="zh-CN">' in second.get("/listings?q=电池").get_data(as_text=True)


def test_a_message_waiting_for_a_visitor_is_shown_once_on_the_search_page(cached, publish, client):
    publish("一种锂离子电池健康状态估计方法")
    client.get("/listings?q=电池")  # the page is now cached
    assert client.get("/manage/listings").status_code == 302  # "Please log in to continue."
    assert 'class="flash' in client.get("/listings?q=电池").get_data(as_text=True)
    assert 'class="flash' not in client.get("/listings?q=电池").get_data(as_text=True)


def test_a_query_string_of_raw_non_ascii_bytes_is_answered(client):
    """A client that sends UTF-8 bytes unencoded (curl does) gets the page; broken UTF-8 gets 400."""
    # WSGI carries the query as latin-1 text.
    whole = "q=电池".encode().decode("latin-1")
    response = client.get("/listings", environ_overrides={"QUERY_STRING": whole})
    assert response.status_code == 200
    broken = b"q=\xe7\x94\xb5\xe6\xb1".decode("latin-1")  # 电 and half of 池
    response = client.get("/listings", environ_overrides={"QUERY_STRING": broken})
    assert response.status_code == 400


def _bell(page: str) -> str:
    return re.search(r'class="bell[^"]*" aria-label="([^"]+)"', page).group(1)


def test_a_logged_in_users_page_is_cached_for_them_and_follows_what_the_layout_shows(
        cached, publish, app, make_user):
    """A logged-in user's repeated search comes from the cache, with their own CSRF token; their
    new name, a new notification or another user is never served a page made before."""
    from marketplace.notifications.services import notify

    publish("一种锂离子电池健康状态估计方法")
    investor, company = make_user(Role.INVESTOR), make_user(Role.COMPANY)
    browsers = {}
    for user in (investor, company):
        browsers[user.id] = app.test_client()
        Auth(browsers[user.id]).login(user.email)
        browsers[user.id].get("/listings")  # "Welcome back" is shown once, on a page of its own
    first = browsers[investor.id].get("/listings?q=电池").get_data(as_text=True)
    hits = cache.stats()["hits"]
    again = browsers[investor.id].get("/listings?q=电池").get_data(as_text=True)
    assert cache.stats()["hits"] == hits + 1  # the whole page, not only the results block
    assert again == first and investor.name in again and "<mark>电池</mark>" in again
    other = browsers[company.id].get("/listings?q=电池").get_data(as_text=True)
    assert company.name in other and investor.name not in other
    assert _session_token(app, other) != _session_token(app, again)

    notify([investor], "interests.created", "/interests", email=False)
    with_bell = browsers[investor.id].get("/listings?q=电池").get_data(as_text=True)
    assert _bell(with_bell) != _bell(again) and 'class="bell-count"' in with_bell

    investor.name = "改名后的投资人"
    db.session.commit()
    renamed = browsers[investor.id].get("/listings?q=电池").get_data(as_text=True)
    assert "改名后的投资人" in renamed
    # Logging out: the visitor's page, not the user's.
    assert "改名后的投资人" not in app.test_client().get("/listings?q=电池").get_data(as_text=True)
