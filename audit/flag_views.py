"""The red flags at /audit/tanda/: the list with its filters, one flag with its evidence and
the review form. Thin: the flags are computed by audit.flags and stored by audit.services."""

from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from audit import rules, services
from audit.flags import RULES
from audit.models import Flag, FlagRefresh
from bangkit.models import AuditEvent, Kecamatan
from bangkit.params import query_choice, query_int, query_page, query_year
from bangkit.queries import counts_by
from bangkit.refusals import perform

PAGE_SIZE = 50
REVIEWED = "Tanda peringatan ditandai sudah ditinjau; catatannya tersimpan di jejak audit."
STATUSES = {"belum": "Belum ditinjau", "sudah": "Sudah ditinjau"}


def _may_open_or_404(user) -> None:
    if not rules.may_open_audit(user):
        raise Http404


def _flags_for(user):
    return Flag.objects.visible_to(user).select_related("kecamatan").defer("kecamatan__boundary")


@login_required
@require_GET
def flag_list(request):
    user = request.user
    _may_open_or_404(user)
    rule = query_choice(request, "aturan", RULES.keys())
    year = query_year(request)
    status = query_choice(request, "status", STATUSES.keys())
    kecamatan_id = query_int(request, "kecamatan") if user.is_city_wide else None
    flags = _flags_for(user)
    if year:
        flags = flags.filter(year=year)
    if kecamatan_id:
        flags = flags.filter(kecamatan_id=kecamatan_id)
    if status == "belum":
        flags = flags.unreviewed()
    elif status == "sudah":
        flags = flags.reviewed()
    counts = counts_by(flags, "rule")
    if rule:
        flags = flags.filter(rule=rule)
    paginator = Paginator(flags.order_by("-year", "rule", "id"), PAGE_SIZE)
    # The counts per rule already hold the total: no second COUNT(*).
    paginator.count = counts.get(rule, 0) if rule else sum(counts.values())
    page = paginator.get_page(query_page(request))
    for flag in page:
        flag.rule_label = RULES[flag.rule].label if flag.rule in RULES else flag.rule
    kecamatan = (
        list(Kecamatan.objects.order_by("name").values_list("id", "name"))
        if user.is_city_wide
        else []
    )
    years = list(
        Flag.objects.visible_to(user)
        .exclude(year=None)
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )
    filters = {
        "aturan": rule or "",
        "tahun": year or "",
        "kecamatan": kecamatan_id or "",
        "status": status or "",
    }
    return render(
        request,
        "audit/flag_list.html",
        {
            "page": page,
            "rules": [(code, r.label, counts.get(code, 0)) for code, r in RULES.items()],
            "statuses": STATUSES.items(),
            "kecamatan_choices": kecamatan,
            "years": years,
            "filters": filters,
            "total": paginator.count,
            "last_refresh": FlagRefresh.objects.order_by("-finished_at").first(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def flag_detail(request, pk: int):
    user = request.user
    _may_open_or_404(user)
    flag = get_object_or_404(_flags_for(user).select_related("reviewed_by"), pk=pk)
    if request.method == "POST":
        done = perform(
            request,
            services.flag_review,
            flag=flag,
            actor=user,
            note=request.POST.get("note", ""),
            success=REVIEWED,
        )
        if done:
            return redirect("audit:flag", pk=flag.pk)
    reviews = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Flag), object_id=str(flag.pk)
    ).select_related("actor")
    return render(
        request,
        "audit/flag_detail.html",
        {
            "flag": flag,
            "rule": RULES.get(flag.rule),
            "reviews": reviews,
            "may_review": rules.may_review_flags(user),
            "note": request.POST.get("note", "") if request.method == "POST" else "",
            "last_refresh": FlagRefresh.objects.order_by("-finished_at").first(),
        },
    )
