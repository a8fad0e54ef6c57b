"""Rate limits for pages anyone can call: fixed-window counts in the cache, a 429 page.

Used by the public pages (tracking, citizen support) and by password-reset requests.
"""

import hashlib
import time
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render


def client_ip(request) -> str:
    """REMOTE_ADDR, or the address the Nth trusted proxy saw when RATELIMIT_PROXY_COUNT = N.

    X-Forwarded-For is written by the client too, so only the entries our own proxies appended
    (counted from the right) are believed, and only when a setting says there are proxies.
    """
    proxies = int(getattr(settings, "RATELIMIT_PROXY_COUNT", 0) or 0)
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def rate_exceeded(request, scope: str, rate: tuple[int, int], *, who: str | None = None) -> bool:
    """Count one hit of `scope` in a fixed window; True once over the limit.

    The hit is counted for `who` (any identifier, e.g. an e-mail address), or for the client
    address when `who` is None. Counts live in the default cache, shared by every app server
    and worker (the database unless CACHE_URL names another shared cache).
    """
    limit, period = rate
    window = int(time.time() // period)
    identity = client_ip(request) if who is None else who
    # Hashed, so the cache holds no readable addresses.
    digest = hashlib.sha256(identity.encode()).hexdigest()[:24]
    key = f"public-rate:{scope}:{digest}:{window}"
    # incr adds atomically and add creates the window's counter once, so concurrent requests
    # are each counted (the default cache, the database, is shared by every app server).
    try:
        count = cache.incr(key)
    except ValueError:  # the window's first hit
        if cache.add(key, 1, timeout=period + 1):
            count = 1
        else:  # a concurrent request created the counter first
            try:
                count = cache.incr(key)
            except ValueError:  # and it is gone again (expired, culled): count this one
                count = 1
    return count > limit


def configured_rate(name: str, default: tuple[int, int]) -> tuple[int, int]:
    """(requests, seconds) from the setting `name`, or the default."""
    limit, period = getattr(settings, name, default)
    return int(limit), int(period)


def rate_limited(
    scope: str,
    setting: str,
    default: tuple[int, int],
    *,
    counts: Callable[..., bool],
    key: Callable[..., str | None] | None = None,
    back: tuple[str, str] | None = None,
):
    """Answer 429 with an Indonesian page once a client passes the rate for `scope`.

    `counts(request, **kwargs)` says whether this request is one that is counted (a lookup,
    a form sent); others, such as the empty form, are free. `key(request, **kwargs)` names
    whom the hit is counted for (default: the client address); an empty name is not counted.
    `back` is the (URL name, label) of the page's way back; default the tracking page.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            limit, period = configured_rate(setting, default)
            if counts(request, **kwargs):
                who = key(request, **kwargs) if key is not None else None
                counted = key is None or bool(who)
                if counted and rate_exceeded(request, scope, (limit, period), who=who):
                    context = {"minutes": max(1, round(period / 60))}
                    if back is not None:
                        context["back_url_name"], context["back_label"] = back
                    response = render(request, "public/rate_limited.html", context, status=429)
                    response["Retry-After"] = str(period)
                    return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def is_post(request, **kwargs) -> bool:
    return request.method == "POST"
