"""Bappeda's envelope screen (*Pagu*): every kecamatan's envelope and its kelurahan shares."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from bangkit.errors import ActionRefused
from bangkit.models import FiscalYear, Kecamatan, Kelurahan
from bangkit.params import plain_int, query_text
from bangkit.years import fiscal_years_newest_first, pick_fiscal_year
from budgets.figures import figures_for
from budgets.forms import EnvelopeForm
from budgets.models import BudgetEnvelope
from budgets.rules import may_close_fiscal_year, may_set_envelopes
from budgets.services import (
    envelope_set,
    envelope_share_remove,
    fiscal_year_close,
    fiscal_year_reopen,
)
from proposals.models import Proposal, State


def _envelope_page(request, fiscal_year, years, form):
    kecamatan_list = list(Kecamatan.objects.order_by("code"))
    rows = []
    if fiscal_year is not None:
        figures = figures_for(
            BudgetEnvelope.objects.filter(fiscal_year=fiscal_year)
            .select_related("kecamatan", "kelurahan", "fiscal_year")
            .order_by("kecamatan__code", "kelurahan__code")
        )
        waiting = {
            row["kelurahan__kecamatan_id"]: row
            for row in Proposal.objects.filter(
                fiscal_year=fiscal_year, state=State.KECAMATAN_VERIFIED
            )
            .order_by()
            .values("kelurahan__kecamatan_id")
            .annotate(n=Count("pk", distinct=True), total=Sum("rab_lines__line_total"))
        }
    else:
        figures, waiting = [], {}
    by_kecamatan = {k.pk: {"kecamatan": k, "envelope": None, "shares": []} for k in kecamatan_list}
    for f in figures:
        entry = by_kecamatan[f.envelope.kecamatan_id]
        if f.envelope.kelurahan_id is None:
            entry["envelope"] = f
        else:
            entry["shares"].append(f)
    for kec in kecamatan_list:
        entry = by_kecamatan[kec.pk]
        entry["shared"] = sum(s.allocated for s in entry["shares"])
        entry["unshared"] = (entry["envelope"].allocated if entry["envelope"] else 0) - entry[
            "shared"
        ]
        entry["waiting_count"] = waiting.get(kec.pk, {}).get("n", 0)
        entry["waiting_total"] = waiting.get(kec.pk, {}).get("total") or 0
        rows.append(entry)
    kecamatan_figures = [r["envelope"] for r in rows if r["envelope"]]
    totals = {
        "allocated": sum(f.allocated for f in kecamatan_figures),
        "committed": sum(f.committed for f in kecamatan_figures),
        "remaining": sum(f.remaining for f in kecamatan_figures),
        "ordered": sum(f.ordered for f in kecamatan_figures),
        "delivered": sum(f.delivered for f in kecamatan_figures),
        "paid": sum(f.paid for f in kecamatan_figures),
    }
    show_procurement = any(f.ordered or f.delivered or f.paid for f in figures)
    total_budget = fiscal_year.total_budget if fiscal_year else 0
    return render(
        request,
        "budgets/envelopes.html",
        {
            "years": years,
            "fiscal_year": fiscal_year,
            "rows": rows,
            "totals": totals,
            "total_budget": total_budget,
            "unallocated": total_budget - totals["allocated"],
            "show_procurement": show_procurement,
            "form": form,
            "may_edit": form is not None,
            "may_close": may_close_fiscal_year(request.user) and fiscal_year is not None,
        },
        status=400 if form is not None and form.is_bound and form.errors else 200,
    )


def _envelope_form(fiscal_year, data=None, initial=None):
    kecamatan_list = list(Kecamatan.objects.order_by("code"))
    kelurahan_by_kecamatan: dict = {}
    for kel in Kelurahan.objects.existing_in(fiscal_year.year).order_by("code"):
        kelurahan_by_kecamatan.setdefault(kel.kecamatan_id, []).append(kel)
    return EnvelopeForm(
        data,
        initial=initial,
        kecamatan_list=kecamatan_list,
        kelurahan_by_kecamatan=kelurahan_by_kecamatan,
    )


def _initial_for(request, fiscal_year) -> dict | None:
    """Pre-fill the form from ?wilayah=kec-<id>|kel-<id> with the envelope's current amount."""
    area = query_text(request, "wilayah")
    kind, _, pk = area.partition("-")
    pk = plain_int(pk)
    if kind not in ("kec", "kel") or pk is None:
        return None
    lookup = (
        {"kelurahan_id": pk}
        if kind == "kel"
        else {
            "kecamatan_id": pk,
            "kelurahan__isnull": True,
        }
    )
    current = BudgetEnvelope.objects.filter(fiscal_year=fiscal_year, **lookup).first()
    initial = {"area": area}
    if current is not None:
        initial.update(amount=current.amount, note=current.note)
    return initial


@login_required
def envelopes(request):
    """Every kecamatan's envelope and kelurahan shares for a year; Bappeda sets them here."""
    user = request.user
    if not user.is_city_wide:
        raise Http404
    years = fiscal_years_newest_first()
    fiscal_year = pick_fiscal_year(request, years)
    may_edit = may_set_envelopes(user) and fiscal_year is not None
    if request.method == "POST":
        if not may_edit:
            raise Http404
        form = _envelope_form(fiscal_year, request.POST)
        if form.is_valid():
            kecamatan, kelurahan = form.cleaned_data["area"]
            try:
                envelope_set(
                    actor=user,
                    fiscal_year=fiscal_year,
                    kecamatan=kecamatan,
                    kelurahan=kelurahan,
                    amount=form.cleaned_data["amount"],
                    note=form.cleaned_data["note"],
                )
            except ActionRefused as exc:
                for problem in exc.problems or [exc.message]:
                    form.add_error("amount", problem)
            else:
                area = f"Kelurahan {kelurahan}" if kelurahan else f"Kecamatan {kecamatan}"
                messages.success(request, f"Pagu {area} tahun {fiscal_year.year} disimpan.")
                return redirect(reverse("budgets:envelopes") + f"?tahun={fiscal_year.year}")
        return _envelope_page(request, fiscal_year, years, form)
    form = (
        _envelope_form(fiscal_year, initial=_initial_for(request, fiscal_year))
        if may_edit
        else None
    )
    return _envelope_page(request, fiscal_year, years, form)


@login_required
@require_POST
def envelope_remove(request, pk: int):
    """Drop a kelurahan's share (its proposals then draw on the kecamatan envelope alone)."""
    user = request.user
    if not may_set_envelopes(user):
        raise Http404
    envelope = BudgetEnvelope.objects.select_related(
        "fiscal_year", "kecamatan", "kelurahan"
    ).get_visible_or_404(user, pk=pk, kelurahan__isnull=False)
    try:
        envelope_share_remove(actor=user, envelope=envelope)
    except ActionRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Pagu Kelurahan {envelope.kelurahan} dihapus.")
    return redirect(reverse("budgets:envelopes") + f"?tahun={envelope.fiscal_year.year}")


@login_required
@require_POST
def fiscal_year_status(request, year: int, action: str):
    """Close a year (``tutup``) or reopen it with a reason (``buka``): Bappeda's buttons below
    the envelopes; anyone else gets a 404."""
    if not may_close_fiscal_year(request.user):
        raise Http404
    fiscal_year = get_object_or_404(FiscalYear, year=year)
    if action not in ("tutup", "buka"):
        raise Http404
    try:
        if action == "tutup":
            fiscal_year_close(actor=request.user, fiscal_year=fiscal_year)
            messages.success(
                request,
                f"Tahun anggaran {year} ditutup. Ringkasan dasbor dan ekspor pembelian tahun "
                "ini dibangun di latar belakang.",
            )
        else:
            fiscal_year_reopen(
                actor=request.user,
                fiscal_year=fiscal_year,
                reason=(request.POST.get("alasan") or "").strip()[:200],
            )
            messages.success(request, f"Tahun anggaran {year} dibuka kembali.")
    except ActionRefused as exc:
        messages.error(request, exc.message)
    return redirect(reverse("budgets:envelopes") + f"?tahun={year}")
