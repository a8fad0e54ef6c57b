"""The shared rate limit: fixed windows counted per client address or per any given name."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory

from bangkit.cache import CACHE_TABLE
from bangkit.ratelimit import client_ip, configured_rate, is_post, rate_exceeded, rate_limited

# Counts live in the default cache: the database.
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_counts():
    cache.clear()
    yield
    cache.clear()


def post(ip="10.0.0.1", **data):
    return RequestFactory().post("/x/", data, REMOTE_ADDR=ip)


def test_counts_per_client_address_by_default():
    hits = [rate_exceeded(post("10.0.0.1"), "s", (2, 600)) for _ in range(3)]

    assert hits == [False, False, True]
    assert rate_exceeded(post("10.0.0.2"), "s", (2, 600)) is False
    # Scopes count apart.
    assert rate_exceeded(post("10.0.0.1"), "other", (2, 600)) is False


def test_counts_per_given_name_from_any_address():
    hits = [rate_exceeded(post(f"10.0.0.{n}"), "s", (2, 600), who="a@b.id") for n in range(3)]

    assert hits == [False, False, True]
    assert rate_exceeded(post("10.0.0.1"), "s", (2, 600), who="c@d.id") is False


def test_the_cache_holds_no_readable_address_or_name():
    rate_exceeded(post("198.51.100.7"), "s", (2, 600))
    rate_exceeded(post(), "s", (2, 600), who="camat@example.org")

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {CACHE_TABLE}")
        keys = [key for (key,) in cursor.fetchall() if "public-rate:" in key]
    assert len(keys) == 2
    assert not any("198.51.100.7" in key or "camat@example.org" in key for key in keys)


def test_a_setting_overrides_the_default_rate(settings):
    settings.SOME_RATE = [7, 60]

    assert configured_rate("SOME_RATE", (1, 1)) == (7, 60)
    assert configured_rate("NO_SUCH_RATE", (3, 30)) == (3, 30)


def test_the_decorator_answers_429_and_skips_an_empty_name(db):
    seen = []

    @rate_limited("t", "NO_SUCH_RATE", (1, 600), counts=is_post, key=lambda r: r.POST.get("k"))
    def view(request):
        seen.append(request.POST.get("k"))
        return HttpResponse("ok")

    assert view(post(k="x")).status_code == 200
    over = view(post(k="x"))
    # Without a name the request is not counted at all.
    empties = [view(post()).status_code for _ in range(3)]

    assert over.status_code == 429 and over["Retry-After"] == "600"
    assert "Terlalu banyak permintaan" in over.content.decode()
    assert empties == [200, 200, 200]
    assert seen == ["x", None, None, None]


def test_client_ip_believes_forwarded_for_only_behind_declared_proxies(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="1.2.3.4")

    assert client_ip(request) == "10.9.9.9"
    settings.RATELIMIT_PROXY_COUNT = 1
    assert client_ip(request) == "1.2.3.4"
