"""With CACHE_URL (or REDIS_URL) naming Redis, the cache is Django's own Redis backend, the
sessions are cached there, and rate limits count across separate connections (app servers)."""

import json
import os
import subprocess
import sys
import uuid

import pytest
from django.core.cache.backends.redis import RedisCache
from django.test import RequestFactory

from bangkit.ratelimit import rate_exceeded
from tests.ops.conftest import ROOT

REDIS = os.environ.get("BANGKIT_TEST_REDIS_URL", "redis://127.0.0.1:6379/3")


def settings_with(**env) -> dict:
    """CACHES and SESSION_ENGINE as bangkit/settings.py makes them from this environment."""
    code = (
        "import json; from bangkit import settings as s; "
        "print(json.dumps({'cache': s.CACHES['default'], 'session': s.SESSION_ENGINE}))"
    )
    clean = {k: v for k, v in os.environ.items() if k not in ("CACHE_URL", "REDIS_URL")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "BANGKIT_TESTING": "1", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("variable", ["CACHE_URL", "REDIS_URL"])
def test_a_redis_url_selects_djangos_redis_backend_and_cached_sessions(variable):
    configured = settings_with(**{variable: "redis://10.0.0.5:6379/1"})
    assert configured["cache"]["BACKEND"] == "bangkit.cache.RedisCache"
    assert configured["cache"]["LOCATION"] == "redis://10.0.0.5:6379/1"
    assert configured["session"] == "django.contrib.sessions.backends.cached_db"


def test_without_a_cache_url_the_database_holds_cache_and_sessions():
    configured = settings_with()
    assert configured["cache"]["BACKEND"] == "bangkit.cache.DatabaseCache"
    assert configured["session"] == "django.contrib.sessions.backends.db"


def test_a_rate_limit_counts_across_two_redis_connections(monkeypatch):
    import redis

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis at {REDIS}: {exc}")
    first, second = (RedisCache(REDIS, {"KEY_PREFIX": "bangkit-test"}) for _ in range(2))
    # A scope of its own (clear() would empty the whole Redis database).
    scope = f"track-{uuid.uuid4().hex}"
    request = RequestFactory().get("/lacak/", REMOTE_ADDR="203.0.113.9")
    from bangkit import ratelimit

    outcomes = []
    for number in range(5):
        # Each "app server" has its own connection pool to the one Redis.
        monkeypatch.setattr(ratelimit, "cache", (first, second)[number % 2])
        outcomes.append(rate_exceeded(request, scope, (4, 60)))
    assert outcomes == [False, False, False, False, True]


# A port where nothing listens: every Redis call is refused at once.
DEAD_REDIS = {
    "default": {
        "BACKEND": "bangkit.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
    }
}


def test_with_redis_down_the_cache_misses_instead_of_raising(settings):
    settings.CACHES = DEAD_REDIS
    from django.core.cache import cache

    assert cache.get("any", "absent") == "absent"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("a", 1) is False
    cache.set("a", 1)  # dropped, not raised
    assert cache.incr("counter") == 1
    with pytest.raises(Exception, match="(?i)connect"), cache.strict():
        cache.get("any")


def test_with_redis_down_pages_still_render_and_healthz_says_so(client, db, settings):
    settings.CACHES = DEAD_REDIS
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

    assert client.get("/").status_code == 200
    assert client.get("/proyek/").status_code == 200
    # A rate-limited public page (its counter lives in the cache) lets the visitor through:
    # an unknown code is answered as unknown, not refused and not a 500.
    assert client.get("/lacak/BB-0000-XXXX-XXXX/").status_code == 404

    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json()["cache"] == "unreachable"
