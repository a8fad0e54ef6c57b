"""The resident's usulan on the public site: the form at /usul/, its receipt, the e-mail
confirmation, and what /lacak/ shows of a resident's usulan (its status and the public reason,
never the proposer)."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from bangkit.errors import ActionRefused
from bangkit.images import CLIENT_SEND_ORIGINAL_UP_TO
from bangkit.nik import nik_hash
from bangkit.ratelimit import configured_rate, is_post, rate_exceeded, rate_limited
from portal.projects import PLACE_FIELDS
from portal.usul_forms import UsulForm
from proposals import resident_usulan
from proposals.models import ResidentUsulan

# (requests, seconds): sent forms per client address, and usulan per NIK.
DEFAULT_USUL_RATE = (10, 3600)
DEFAULT_USUL_NIK_RATE = (3, 86400)

STATUS_BADGE = {
    ResidentUsulan.Status.PENDING: "badge-muted",
    ResidentUsulan.Status.ACCEPTED: "",
    ResidentUsulan.Status.MERGED: "",
    ResidentUsulan.Status.REJECTED: "badge-bad",
}


def _rate_limited_page(request, rate):
    response = render(
        request,
        "public/rate_limited.html",
        {
            "minutes": max(1, round(rate[1] / 60)),
            "back_url_name": "usul:form",
            "back_label": "Formulir usulan",
        },
        status=429,
    )
    response["Retry-After"] = str(rate[1])
    return response


@never_cache
@sensitive_post_parameters("nik")
@rate_limited(
    "usul",
    "PUBLIC_USUL_RATE",
    DEFAULT_USUL_RATE,
    counts=is_post,
    back=("usul:form", "Formulir usulan"),
)
def usul_form(request):
    fiscal_year = resident_usulan.open_year()
    year = fiscal_year.year if fiscal_year else None
    form = UsulForm(request.POST or None, request.FILES or None, year=year)
    if request.method == "POST" and fiscal_year is not None and form.is_valid():
        data = form.cleaned_data
        nik_rate = configured_rate("PUBLIC_USUL_NIK_RATE", DEFAULT_USUL_NIK_RATE)
        if rate_exceeded(request, "usul-nik", nik_rate, who=nik_hash(data["nik"])):
            return _rate_limited_page(request, nik_rate)
        try:
            usulan = resident_usulan.usulan_submit(
                data=resident_usulan.UsulanInput(
                    kelurahan=data["kelurahan"],
                    rt=data["rt"],
                    title=data["title"],
                    location_text=data["location_text"],
                    problem=data["problem"],
                    work_type=data.get("work_type"),
                    latitude=data.get("latitude"),
                    longitude=data.get("longitude"),
                    email=data.get("email") or "",
                ),
                nik=data["nik"],
                photo=data.get("photo"),
            )
        except ActionRefused as refused:
            form.add_error(None, refused.message)
            for problem in refused.problems:
                form.add_error(None, problem)
        else:
            return redirect("usul:receipt", code=usulan.code)
    return render(
        request,
        "public/usul_form.html",
        {
            "form": form,
            "fiscal_year": fiscal_year,
            "rt_options": form.rt_options(),
            "chosen_rt": str(form["rt"].value() or ""),
            "send_original_up_to": CLIENT_SEND_ORIGINAL_UP_TO,
            "tiles_url": getattr(settings, "MAP_TILES_URL", ""),
        },
    )


def _usulan_row(code: str) -> ResidentUsulan | None:
    """A resident's usulan as its receipt and the tracking page show it (one query)."""
    return (
        ResidentUsulan.objects.select_related("kelurahan__kecamatan", "rt", "entry", "work_type")
        .only(
            "id",
            "code",
            "year",
            "title",
            "location_text",
            "status",
            "reject_reason",
            "public_note",
            "created_at",
            "decided_at",
            "email",
            *PLACE_FIELDS,
            "work_type__id",
            "work_type__name",
            "entry__id",
            "entry__year",
            "entry__source_id",
        )
        .filter(code=code)
        .first()
    )


def _public_usulan(code: str) -> ResidentUsulan:
    usulan = _usulan_row(code)
    if usulan is None:
        raise Http404
    return usulan


def usul_receipt(request, code):
    usulan = _public_usulan(code)
    return render(
        request, "public/usul_receipt.html", {"usulan": usulan, "asked_email": bool(usulan.email)}
    )


@never_cache
def usul_confirm(request, token):
    """GET shows a button, POST confirms: a mail scanner opening the link confirms nothing."""
    if request.method == "POST":
        usulan = resident_usulan.usulan_confirm_email(token=token)
        done = usulan is not None
    else:
        usulan = (
            ResidentUsulan.objects.filter(email_token=token).exclude(email="").first()
            if token and len(token) <= 64
            else None
        )
        done = False
    status = 200 if usulan is not None else 404
    return render(
        request, "public/usul_confirm.html", {"usulan": usulan, "done": done}, status=status
    )


def usulan_track_context(code: str) -> dict | None:
    """What /lacak/ shows of a resident's usulan with this (normalised) code, or None."""
    usulan = _usulan_row(code)
    if usulan is None:
        return None
    years = []
    proposal_code = ""
    entry = usulan.entry
    # The entry's chain through the years it was carried, and any proposal grown from it.
    seen = 0
    while entry is not None and seen < 20:
        years.append(entry.year)
        live = entry.proposals.exclude(state="cancelled").values_list("code", flat=True).first()
        proposal_code = live or proposal_code
        entry = getattr(entry, "carried_to", None) if hasattr(entry, "carried_to") else None
        seen += 1
    return {
        "usulan": usulan,
        "usulan_badge": STATUS_BADGE.get(usulan.status, ""),
        "entry_years": years,
        "proposal_code": proposal_code,
    }


def track_usulan(request, code: str, query: str):
    """The /lacak/ answer for a resident's usulan, or None when the code is not one."""
    context = usulan_track_context(code)
    if context is None:
        return None
    return render(request, "public/usul_track.html", {"query": query, **context})
