"""With Redis configured (the rate limits' store), the login lockout holds across server processes.

The lockout itself is kept in the database (marketplace/accounts/lockout.py), which every process
shares with or without Redis; this runs it with the production-like Redis set-up.
"""

import os
import random
import uuid

from marketplace.accounts.models import Role
from tests.conftest import PASSWORD, post
from tests.services import REDIS_URL, require


def test_lockout_is_shared_between_processes_with_redis(another_app, make_user):
    require("Redis", "127.0.0.1", 6379)
    # An e-mail of its own too: the SQLite and PostgreSQL lanes may run at the same time.
    user = make_user(Role.COMPANY, email=f"redis-{uuid.uuid4().hex[:12]}@example.com")
    # A loopback address of its own, so the per-address counter is this test's alone.
    address = f"127.{os.getpid() % 250}.{user.id % 250}.{random.randint(1, 250)}"

    def attempt(app_instance, password):
        test_client = app_instance.test_client()
        test_client.environ_base["REMOTE_ADDR"] = address
        return post(test_client, "/auth/login", {"email": user.email, "password": password})

    # Two app instances stand for two server processes behind a load balancer.
    first = another_app(RATELIMIT_STORAGE_URI=REDIS_URL)
    second = another_app(RATELIMIT_STORAGE_URI=REDIS_URL)
    for _ in range(3):
        assert attempt(first, "wrong-pass-1").status_code == 422
    for _ in range(2):
        assert attempt(second, "wrong-pass-1").status_code == 422
    assert attempt(first, PASSWORD).status_code == 429
    assert attempt(second, PASSWORD).status_code == 429
