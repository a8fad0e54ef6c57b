"""The public pages kept whole in the shared cache for visitors, and forgotten when a site changes.

A visitor without sign-in, session or pending message gets exactly the same page as every
other such visitor for the same address, so ``/``, ``/proyek/`` (each filter and page), a
site's page and the map's data are rendered once and then read from the shared cache
(``settings.CACHES["default"]``: the database table of ``bangkit/cache.py``, or Redis) in one
query. Signed-in users, and any request that carries a session or a message, are rendered
as before.

Staleness is ruled out with one version token for all public pages: each stored page keeps
the token it was rendered under, and is served only while the token is unchanged. A save or
delete of any record the public pages read (a proposal, its transition log, an SK Camat and
its sites and amendments, an order, a delivery, a payment, a work day, a contribution, a
photo, a completion report, the regions and the fiscal years) replaces the token when its
transaction commits; a change that rolls back replaces nothing. Until then the connection
that made the change reads the records itself (it sees what others do not yet), and stores
nothing. Writes that send no signal (``QuerySet.update``, ``bulk_create``) come with a save
of one of those records in the services; for the seeders, PAGE_TIMEOUT bounds the rest.

The receivers listen to the lower layers from above: ``connect_signals`` is called from
``PortalConfig.ready``.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from functools import wraps

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import TooManyFieldsSent
from django.db import DatabaseError, transaction
from django.db.models.signals import post_delete, post_migrate, post_save
from django.http import HttpResponse
from django.urls import Resolver404, resolve

from bangkit.params import query_params

logger = logging.getLogger(__name__)

VERSION_KEY = "public-pages:version"
PAGE_PREFIX = "public-pages:page:"
# The final responses KeptPagesMiddleware keeps (headers of the inner middleware included).
FINAL_PREFIX = "final:"
# The attribute for_visitors sets on a view: (name, query parameters) of its kept pages.
PUBLIC_CACHE_SPEC = "public_cache_spec"
# A safety net for writes no signal reports (bulk seeding): a page is rebuilt at least this
# often.
PAGE_TIMEOUT = 600
# The cookie of django.contrib.messages' cookie storage.
MESSAGES_COOKIE = "messages"

# Every record a public page reads: a save or delete of one of them renews the pages.
WATCHED_MODELS = (
    "bangkit.FiscalYear",
    "bangkit.Kecamatan",
    "bangkit.Kelurahan",
    "bangkit.RT",
    "bangkit.WorkType",
    "proposals.Proposal",
    "proposals.TransitionLog",
    "verification.Decree",
    "verification.DecreeLocation",
    "verification.Amendment",
    "procurement.PurchaseOrder",
    "procurement.Delivery",
    "procurement.Payment",
    "reporting.WorkDay",
    "reporting.SwadayaContribution",
    "reporting.ProgressPhoto",
    "reporting.CompletionReport",
    "reporting.MaterialUsage",
)


# ---- the version token ----------------------------------------------------------------------


class _Renewal:
    """An on_commit callback that renews the token once; ``done`` once it has run."""

    def __init__(self):
        self.done = False

    def __call__(self):
        self.done = True
        renew()


def renew() -> str:
    """A new token: every stored page is out of date from now on."""
    token = uuid.uuid4().hex
    cache.set(VERSION_KEY, token, timeout=None)
    return token


def _pending(connection) -> bool:
    """Whether this connection changed a watched record in a transaction not yet committed."""
    if not connection.in_atomic_block:
        return False
    return any(
        isinstance(callback, _Renewal) and not callback.done
        for _sids, callback, *_rest in getattr(connection, "run_on_commit", ())
    )


def site_changed(sender, instance=None, raw=False, using=None, **kwargs) -> None:
    """post_save / post_delete of a watched record: renew the pages once the change commits."""
    if raw:
        return
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        renew()
        return
    if not _pending(connection):
        transaction.on_commit(_Renewal(), using=using, robust=True)


def _after_migrate(sender, **kwargs) -> None:
    """After migrate or flush (the test runner empties tables with no signal per row)."""
    try:
        renew()
    except DatabaseError:  # the cache table not made yet (a partial migrate)
        logger.warning("Public pages not renewed after migrate: no cache table yet")


def connect_signals() -> None:
    post_migrate.connect(
        _after_migrate, sender=apps.get_app_config("portal"), dispatch_uid="portal-public-cache"
    )
    for label in WATCHED_MODELS:
        model = apps.get_model(label)
        uid = f"portal-public-cache-{label}"
        post_save.connect(site_changed, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(site_changed, sender=model, dispatch_uid=f"{uid}-delete")


# ---- stored pages ---------------------------------------------------------------------------


def _servable(request) -> bool:
    """A visitor's plain GET: no user, no session, no message waiting for them."""
    if request.method not in ("GET", "HEAD"):
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES or MESSAGES_COOKIE in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    return not _pending(transaction.get_connection())


def _page_key(name: str, request, params, args, kwargs) -> str:
    sent = sorted(query_params(request, params).items()) if params else []
    raw = repr((name, request.get_host(), args, sorted(kwargs.items()), sent))
    return PAGE_PREFIX + hashlib.sha256(raw.encode()).hexdigest()


def _storable(request, response) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and getattr(response, "public_cache", True)
        # A page that asked for a CSRF token is the visitor's own.
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not request.META.get("CSRF_COOKIE_USED")
    )


def _from_stored(stored) -> HttpResponse:
    content, headers = stored
    response = HttpResponse(content)
    for header, value in headers:
        response[header] = value
    return response


def _kept(key: str) -> tuple[str | None, HttpResponse | None]:
    """The cache's version and, when it was kept under that version, the page kept under
    ``key`` (one read of the cache for both)."""
    found = cache.get_many([VERSION_KEY, key])
    version = found.get(VERSION_KEY)
    stored = found.get(key)
    if version is not None and stored is not None and stored[0] == version:
        return version, _from_stored(stored[1])
    return version, None


def _keep(key: str, version: str, response) -> None:
    cache.set(key, (version, (response.content, list(response.items()))), PAGE_TIMEOUT)


def _by_cookies(request) -> bool:
    """A visitor's plain GET as far as can be told before the session is read: no session
    cookie (so no user), no message cookie, and nothing uncommitted on this connection."""
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and MESSAGES_COOKIE not in request.COOKIES
        and not _pending(transaction.get_connection())
    )


class KeptPagesMiddleware:
    """Serves a kept page before the rest of the stack runs (sessions, CSRF, authentication,
    messages, locale, history, axes: about three quarters of a kept page's CPU time), and keeps
    the final response of a view marked ``for_visitors``. Placed right after whitenoise; the
    middleware above it (security headers, the Content-Security-Policy) still runs on every
    response. A compressed answer (``gzip_page``) is not kept here: the view's own entry is."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        spec = key = version = None
        if _by_cookies(request):
            try:
                match = resolve(request.path_info)
            except Resolver404:
                match = None
            spec = getattr(match.func, PUBLIC_CACHE_SPEC, None) if match else None
        if spec is not None:
            name, params = spec
            try:
                key = FINAL_PREFIX + _page_key(name, request, params, match.args, match.kwargs)
            except TooManyFieldsSent:
                # Not a page anyone keeps: the parameters' guard further down answers 400.
                return self.get_response(request)
            version, kept = _kept(key)
            if kept is not None:
                return kept
        response = self.get_response(request)
        if (
            key is not None
            and version is not None
            and getattr(response, "public_cache_final", False)
            and _storable(request, response)
            and not response.has_header("Content-Encoding")
        ):
            _keep(key, version, response)
        return response


def for_visitors(name: str, params: tuple[str, ...] = ()):
    """Keep the view's page per address (the path's arguments and the named query
    parameters, nothing else) for visitors. A view says a page must not be kept with
    ``response.public_cache = False`` (a filter with a wrong value, for instance)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not _servable(request):
                return view(request, *args, **kwargs)
            key = _page_key(name, request, params, args, kwargs)
            version, kept = _kept(key)
            if kept is not None:
                kept.public_cache_final = True
                return kept
            if version is None:
                cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
                version = cache.get(VERSION_KEY)
            response = view(request, *args, **kwargs)
            if version is not None and _storable(request, response):
                _keep(key, version, response)
                # KeptPagesMiddleware may keep the final response too.
                response.public_cache_final = True
            return response

        setattr(wrapped, PUBLIC_CACHE_SPEC, (name, params))
        return wrapped

    return decorator
