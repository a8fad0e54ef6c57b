"""Public pages: follow a proposal by its tracking code, support a Musrenbang entry, check an SK."""

import hashlib
import time
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from bangkit.errors import ActionRefused
from bangkit.models import FiscalYear
from proposals import rules
from proposals.codes import normalize_code
from proposals.models import MusrenbangEntry, Proposal, State, TransitionLog
from proposals.public_forms import SupportFilterForm, SupportForm
from proposals.support import entry_support, open_fiscal_year, residency_text
from verification.decrees import selectors as decree_selectors
from verification.decrees.views import stored_pdf_response

ENTRIES_PER_PAGE = 25

# (requests, seconds) per client address; settings may override either.
DEFAULT_TRACK_RATE = (30, 600)
DEFAULT_SUPPORT_RATE = (10, 600)

# The answer to a support, whether it was the NIK's first or not: a different answer would tell
# anyone holding a NIK whether its owner has supported the entry.
SUPPORT_THANKS = gettext_lazy("Terima kasih, dukungan Anda tercatat.")

# Transitions whose note is the public reason: returns, rejections, deferrals, cancellations.
PUBLIC_REASON_TRANSITIONS = set(rules.REQUIRED_REASON) | {"return_report"}
PUBLIC_REASON_STATES = {State.REJECTED, State.DEFERRED, State.CANCELLED}

BADGE_CLASS = {
    State.REJECTED: "badge-bad",
    State.CANCELLED: "badge-bad",
    State.DEFERRED: "badge-warn",
    State.DRAFT: "badge-warn",
    State.MUSRENBANG: "badge-muted",
}


# ---- rate limiting -------------------------------------------------------------------------


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


def rate_exceeded(request, scope: str, rate: tuple[int, int]) -> bool:
    """Count one hit of `scope` for the client in a fixed window; True once over the limit.

    Counts live in the default cache, shared by every app server and worker (the database
    unless CACHE_URL names another shared cache): `incr` adds atomically and `add` creates
    the window's counter only once, so concurrent requests are each counted.
    """
    limit, period = rate
    window = int(time.time() // period)
    # The address is hashed so the cache holds no readable addresses.
    who = hashlib.sha256(client_ip(request).encode()).hexdigest()[:24]
    key = f"public-rate:{scope}:{who}:{window}"
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


def _rate(name: str, default: tuple[int, int]) -> tuple[int, int]:
    return tuple(getattr(settings, name, default))


def rate_limited(scope: str, setting: str, default: tuple[int, int], *, counts):
    """Answer 429 with an Indonesian page once a client passes the rate for `scope`.

    `counts(request, **kwargs)` says whether this request is one that is counted (a lookup,
    a form sent); others, such as the empty form, are free.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            limit, period = _rate(setting, default)
            if counts(request, **kwargs) and rate_exceeded(request, scope, (limit, period)):
                response = render(
                    request,
                    "public/rate_limited.html",
                    {"minutes": max(1, round(period / 60))},
                    status=429,
                )
                response["Retry-After"] = str(period)
                return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _is_lookup(request, **kwargs) -> bool:
    return bool(kwargs.get("code") or request.GET.get("kode", "").strip())


def _is_post(request, **kwargs) -> bool:
    return request.method == "POST"


# ---- tracking ------------------------------------------------------------------------------


def _timeline(proposal):
    """The public history: date, stage reached, and the reason only for returns and refusals.

    Only these columns are read, so the actor (a person) never reaches the template.
    """
    logs = (
        TransitionLog.objects.filter(proposal=proposal)
        .only("id", "created_at", "transition", "to_state", "note", "proposal_id")
        .order_by("created_at", "id")
    )
    steps = []
    for log in logs:
        public_reason = (
            log.transition in PUBLIC_REASON_TRANSITIONS or log.to_state in PUBLIC_REASON_STATES
        )
        steps.append(
            {
                "at": log.created_at,
                "stage": State(log.to_state).label if log.to_state in State.values else "",
                "reason": log.note.strip() if public_reason else "",
                "badge": BADGE_CLASS.get(log.to_state, ""),
            }
        )
    return steps


@never_cache
@rate_limited("track", "PUBLIC_TRACK_RATE", DEFAULT_TRACK_RATE, counts=_is_lookup)
def track(request, code=None):
    query = (code if code is not None else request.GET.get("kode", "")).strip()
    proposal = None
    steps = []
    amendments = []
    status = 200
    if query:
        normalized = normalize_code(query)
        if normalized:
            proposal = (
                Proposal.objects.select_related(
                    "rt", "kelurahan__kecamatan", "work_type", "fiscal_year"
                )
                .only(
                    "id",
                    "code",
                    "title",
                    "state",
                    "created_at",
                    "planned_volume",
                    "rt__id",
                    "rt__number",
                    "kelurahan__id",
                    "kelurahan__name",
                    "kelurahan__kecamatan__id",
                    "kelurahan__kecamatan__name",
                    "work_type__id",
                    "work_type__name",
                    "work_type__unit",
                    "fiscal_year__id",
                    "fiscal_year__year",
                )
                .filter(code=normalized)
                .first()
            )
        if proposal is None:
            status = 404
        else:
            steps = _timeline(proposal)
            amendments = decree_selectors.public_amendments(proposal, location_text=False)
    return render(
        request,
        "public/track.html",
        {
            "query": query,
            "proposal": proposal,
            "steps": steps,
            "amendments": amendments,
            "not_found": bool(query) and proposal is None,
            "badge": BADGE_CLASS.get(proposal.state, "") if proposal else "",
        },
        status=status,
    )


# ---- citizen support -----------------------------------------------------------------------


def _open_fiscal_years() -> list[FiscalYear]:
    return list(FiscalYear.objects.filter(status=FiscalYear.Status.OPEN).order_by("year"))


def _public_entries():
    return MusrenbangEntry.objects.select_related("kelurahan__kecamatan", "rt", "work_type").only(
        "id",
        "year",
        "source_id",
        "title",
        "problem",
        "location_text",
        "volume",
        "unit",
        "work_type_text",
        "kelurahan__id",
        "kelurahan__code",
        "kelurahan__name",
        "kelurahan__kecamatan__id",
        "kelurahan__kecamatan__name",
        "kelurahan__kecamatan__code",
        "rt__id",
        "rt__number",
        "work_type__id",
        "work_type__name",
    )


def support_list(request):
    fiscal_years = _open_fiscal_years()
    years = [fy.year for fy in fiscal_years]
    form = SupportFilterForm(request.GET or None, year=years[-1] if len(years) == 1 else None)
    entries = (
        form.filter(_public_entries().filter(year__in=years))
        .with_support_count()
        .order_by("kelurahan__code", "source_id", "id")
    )
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("halaman"))
    # Keep the filter in the pagination links.
    params = request.GET.copy()
    params.pop("halaman", None)
    return render(
        request,
        "public/support_list.html",
        {
            "years": years,
            "rules": [(fy.year, residency_text(fy)) for fy in fiscal_years],
            "form": form,
            "page": page,
            "filter_query": params.urlencode(),
        },
    )


@never_cache
@sensitive_post_parameters("nik")
@rate_limited("support", "PUBLIC_SUPPORT_RATE", DEFAULT_SUPPORT_RATE, counts=_is_post)
def support(request, pk):
    entry = get_object_or_404(_public_entries(), pk=pk)
    fiscal_year = open_fiscal_year(entry)
    form = SupportForm(request.POST or None)
    if request.method == "POST" and fiscal_year is not None and form.is_valid():
        try:
            # First or repeated, the answer is the same: the outcome is not looked at.
            entry_support(entry=entry, nik=form.cleaned_data["nik"], ip=client_ip(request))
        except ActionRefused as refused:
            form.add_error("nik", refused.message)
        else:
            messages.success(request, str(SUPPORT_THANKS))
            return redirect("public:support", pk=entry.pk)
    return render(
        request,
        "public/support.html",
        {
            "entry": entry,
            "form": form,
            "is_open": fiscal_year is not None,
            "residency": residency_text(fiscal_year, entry) if fiscal_year else "",
            "support_count": entry.supports.count(),
        },
    )


# --- the public check of a decree ----------------------------------------------------------


def public_decree(request, public_id):
    """Anyone can check an issued SK: number, date, locations and budgets as issued (what its
    PDF says), the hash of the file, and apart from them the site changes made since."""
    decree = decree_selectors.public_decree(public_id)
    locations = decree_selectors.decree_locations(decree)
    return render(
        request,
        "verification/public_decree.html",
        {
            "decree": decree,
            "locations": locations,
            "total": sum(loc.budget for loc in locations),
            "replaced_by": decree_selectors.replacing_decree(decree),
            "amendments": decree_selectors.decree_public_amendments(decree),
        },
    )


def public_decree_pdf(request, public_id):
    """The stored PDF of an issued SK (a public act), exactly as it was issued."""
    return stored_pdf_response(decree_selectors.public_decree(public_id))
