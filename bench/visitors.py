"""Who loads the pages in bench/pages.py: a visitor's browser, an investor's (logged in through the
login form, with its CSRF token), and searches that nobody has made before.

A browser here keeps its cookies and a fixed User-Agent: Flask-Login's session protection hashes
the address and the agent, so a load generator must send the agent the session was made with.
"""

import http.cookiejar
import itertools
import random
import re
import secrets
import urllib.parse
import urllib.request

from build import bench_config

USER_AGENT = "bxqx-bench/1 (like a returning browser)"
INVESTOR_EMAIL = "investor@bench.example"
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
#: Only a logged-in user's layout has the logout form.
LOGGED_IN_MARK = 'action="/auth/logout"'


def create_investor(url: str) -> tuple[str, str]:
    """A verified investor with a password in the benchmark database (accounts.new_user); returns
    its e-mail and password."""
    import sqlalchemy as sa

    from marketplace import create_app
    from marketplace.accounts import services as accounts
    from marketplace.accounts.models import Role, User
    from marketplace.accounts.passwords import hash_password
    from marketplace.db_types import utcnow
    from marketplace.extensions import db
    from marketplace.orgs import creditcode
    from marketplace.orgs.models import Organisation, OrgKind, OrgStatus

    password = secrets.token_urlsafe(16)
    app = create_app(bench_config(url))
    with app.app_context():
        existing = db.session.scalar(sa.select(User).where(User.email == INVESTOR_EMAIL))
        if existing is not None:  # a database kept for another run (bench/build.py, keep=True)
            existing.password_hash = hash_password(password)
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
            return INVESTOR_EMAIL, password
        body = "91310000MA1BENCH1"
        firm = Organisation(name="基准创业投资有限公司", kind=OrgKind.INVESTOR_FIRM,
                            status=OrgStatus.VERIFIED, province="上海市",
                            credit_code=body + creditcode.check_character(body))
        db.session.add(firm)
        investor = accounts.new_user(INVESTOR_EMAIL, password, "基准投资人", Role.INVESTOR,
                                     organisation=firm, is_org_admin=True,
                                     email_confirmed_at=utcnow())
        db.session.commit()
        assert investor.org_verified
        db.session.remove()
        db.engine.dispose()
    return INVESTOR_EMAIL, password


class Browser:
    """Cookies and a User-Agent, like a browser; ``headers()`` is what the load generator sends."""

    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener.addheaders = [("User-Agent", USER_AGENT)]

    def get(self, path: str, data: dict | None = None) -> tuple[str, str, bool]:
        """(final URL, body, whether a cookie was set) of a GET, or of a POST of ``data``."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        with self.opener.open(self.base + path, data=body, timeout=60) as response:
            return response.geturl(), response.read().decode(), bool(response.headers.get("Set-Cookie"))

    def login(self, email: str, password: str) -> None:
        """Through the login form, as a browser: the page, its CSRF token, the POST, the redirect."""
        _, page, _ = self.get("/auth/login")
        token = _TOKEN.search(page)
        if token is None:
            raise RuntimeError("no CSRF token on the login page")
        landed, body, _ = self.get("/auth/login", {"csrf_token": token.group(1), "email": email,
                                                   "password": password})
        if "/auth/login" in landed or LOGGED_IN_MARK not in body:
            raise RuntimeError(f"the bench investor could not log in (landed on {landed})")

    def settle(self, path: str, logged_in: bool) -> bool:
        """Load ``path`` until the server sets no new cookie (a returning browser's state); check
        who the page was made for. Returns False if the server sets a cookie on every request."""
        for _ in range(4):
            _, body, cookie_set = self.get(path)
            if (LOGGED_IN_MARK in body) is not logged_in:
                raise RuntimeError(f"{path} was not served {'logged in' if logged_in else 'anonymously'}")
            if not cookie_set:
                return True
        return False

    def headers(self) -> dict:
        cookie = "; ".join(f"{c.name}={c.value}" for c in self.jar)
        return {"Cookie": cookie, "User-Agent": USER_AGENT}


class NewQueries:
    """Search URLs never requested before: one to three words of the corpus' vocabulary (of one
    field, as people combine them), a third of them with filters, some sorted or paged.

    Unique by what the search cache keys on (the query's tokens, in order, and the filters), so
    neither the page cache nor the result caches can answer one of them.
    """

    def __init__(self, seed: int = 12):
        from marketplace.listings import search
        from marketplace.listings.models import FIELDS, ConversionMode, Grade, ListingKind
        from marketplace.listings.synthetic_vocab import VOCABULARY

        self.tokens = search.tokens_for_query
        self.rng = random.Random(seed)
        self.words = [sorted({w for part in ("objects", "tasks", "methods", "applications", "products")
                              for w in entry.get(part, ())}) for entry in VOCABULARY.values()]
        self.filters = ([("grade", g.value) for g in Grade] + [("trl", str(n)) for n in range(1, 10)]
                        + [("mode", m.value) for m in ConversionMode]
                        + [("kind", k.value) for k in ListingKind] + [("field", f) for f in FIELDS])
        self.seen: set = set()
        self.made = 0

    def _one(self) -> tuple[tuple, str]:
        rng = self.rng
        words = rng.choice(self.words)
        text = " ".join(rng.sample(words, rng.choices((1, 2, 3), weights=(45, 40, 15))[0]))
        filters = dict(rng.sample(self.filters, rng.choice((0, 0, 1, 2))))
        key = (tuple(self.tokens(text)), tuple(sorted(filters.items())))
        extra = rng.choice(((), (), (), (("sort", "newest"),), (("page", "2"),)))
        return key, "/listings?" + urllib.parse.urlencode({"q": text, **filters, **dict(extra)})

    def take(self, count: int) -> list[str]:
        """``count`` URLs, none of which this object gave before."""
        paths = []
        for attempt in itertools.count():
            if len(paths) == count:
                return paths
            if attempt > 50 * count + 1000:
                raise RuntimeError(f"only {self.made} distinct queries could be made")
            key, path = self._one()
            if key not in self.seen:
                self.seen.add(key)
                paths.append(path)
                self.made += 1
