"""Public pages: follow a proposal by its tracking code, support a Musrenbang entry, check an SK."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from bangkit.errors import ActionRefused
from bangkit.models import FiscalYear
from bangkit.params import query_page, query_params, query_text
from bangkit.ratelimit import client_ip, is_post, rate_limited
from portal import usul_views
from portal.projects import PLACE_FIELDS
from proposals import rules
from proposals.codes import normalize_code
from proposals.models import MusrenbangEntry, Proposal, State, Transition, TransitionLog
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


def _is_lookup(request, **kwargs) -> bool:
    return bool(kwargs.get("code") or query_text(request, "kode"))


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
                "transition": log.transition,
            }
        )
    return steps


@never_cache
@rate_limited("track", "PUBLIC_TRACK_RATE", DEFAULT_TRACK_RATE, counts=_is_lookup)
def track(request, code=None):
    query = (code if code is not None else query_text(request, "kode")).strip()
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
                    *PLACE_FIELDS,
                    "work_type__id",
                    "work_type__name",
                    "work_type__unit",
                    "fiscal_year__id",
                    "fiscal_year__year",
                )
                .filter(code=normalized)
                .first()
            )
        if proposal is None and normalized:
            # A resident's usulan has a code of the same kind, followed on the same page.
            answer = usul_views.track_usulan(request, normalized, query)
            if answer is not None:
                return answer
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
            # Sent back for revision and not yet submitted again: said apart from a new draft.
            "returned": bool(
                proposal
                and proposal.state == State.DRAFT
                and steps
                and steps[-1]["transition"] == Transition.RETURN_FOR_REVISION
            ),
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
        *PLACE_FIELDS,
        "kelurahan__code",
        "kelurahan__kecamatan__code",
        "work_type__id",
        "work_type__name",
    )


def support_list(request):
    fiscal_years = _open_fiscal_years()
    years = [fy.year for fy in fiscal_years]
    chosen = query_params(request, SupportFilterForm.base_fields)
    form = SupportFilterForm(chosen or None, year=years[-1] if len(years) == 1 else None)
    entries = (
        form.filter(_public_entries().filter(year__in=years))
        .with_support_count()
        .order_by("kelurahan__code", "source_id", "id")
    )
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(query_page(request, "halaman"))
    return render(
        request,
        "public/support_list.html",
        {
            "years": years,
            "rules": [(fy.year, residency_text(fy)) for fy in fiscal_years],
            "form": form,
            "page": page,
            "filter_query": urlencode(chosen),  # the filter, kept in the pagination links
        },
    )


@never_cache
@sensitive_post_parameters("nik")
@rate_limited("support", "PUBLIC_SUPPORT_RATE", DEFAULT_SUPPORT_RATE, counts=is_post)
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
