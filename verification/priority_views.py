"""The Camat's ranking of verified proposals, the decisions on it, and Bappeda's envelope screen."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from bangkit.budget import figures_for
from bangkit.errors import ActionRefused, NotInScope
from bangkit.models import BudgetEnvelope, FiscalYear, Kecamatan, Kelurahan, Role
from bangkit.params import plain_int, query_text
from proposals.models import Proposal, State
from verification.budget_services import envelope_set, envelope_share_remove, may_set_envelopes
from verification.forms_priority import EnvelopeForm, OverrideForm
from verification.models import Decree, DecreeLocation
from verification.priority import rank_kecamatan
from verification.priority_services import priority_override_set, priority_override_withdraw

ACTIVE_YEAR_STATES = [
    FiscalYear.Status.VERIFICATION,
    FiscalYear.Status.EXECUTION,
    FiscalYear.Status.OPEN,
]


# --- choosing the year and the kecamatan ---------------------------------------------------


def _years() -> list[FiscalYear]:
    return list(FiscalYear.objects.order_by("-year"))


def _pick_year(request, years: list[FiscalYear]) -> FiscalYear | None:
    """?tahun=, else the latest year in verification, execution or open, else the latest."""
    wanted = (request.POST.get("tahun") or query_text(request, "tahun")).strip()
    if wanted:
        for fy in years:
            if str(fy.year) == wanted:
                return fy
        raise Http404
    for fy in years:
        if fy.status in ACTIVE_YEAR_STATES:
            return fy
    return years[0] if years else None


def _pick_kecamatan(request) -> tuple[Kecamatan, list[Kecamatan]]:
    """The Camat's own kecamatan; a city-wide user chooses one by ?kecamatan=<slug>.

    A Camat naming another kecamatan gets a 404, like any other out-of-area object.
    """
    user = request.user
    wanted = (request.POST.get("kecamatan") or query_text(request, "kecamatan")).strip()
    if user.role == Role.KECAMATAN and not user.is_superuser:
        own = Kecamatan.objects.filter(pk=user.kecamatan_id).first()
        if own is None or (wanted and wanted != own.slug):
            raise Http404
        return own, []
    if not user.is_city_wide:
        raise Http404
    options = list(Kecamatan.objects.order_by("code"))
    if not options:
        raise Http404
    if not wanted:
        return options[0], options
    for kec in options:
        if kec.slug == wanted:
            return kec, options
    raise Http404


def _ranking_url(fiscal_year: FiscalYear | None, kecamatan: Kecamatan | None = None, anchor=""):
    query = {}
    if fiscal_year is not None:
        query["tahun"] = fiscal_year.year
    if kecamatan is not None:
        query["kecamatan"] = kecamatan.slug
    url = reverse("verification:ranking")
    if query:
        url += "?" + urlencode(query)
    return url + (f"#{anchor}" if anchor else "")


def _may_decide(user) -> bool:
    return user.role == Role.KECAMATAN and not user.is_read_only


# --- the ranking ---------------------------------------------------------------------------


def _draft_decrees(proposal_ids) -> dict[int, Decree]:
    """Draft decrees that already list some of these proposals (one query)."""
    rows = DecreeLocation.objects.filter(
        proposal_id__in=proposal_ids, decree__state=Decree.State.DRAFT
    ).select_related("decree")
    return {row.proposal_id: row.decree for row in rows}


def _selection_drafts(ranking, in_drafts) -> dict:
    """Draft decrees that already list part of the suggested set, and whether they list all."""
    if ranking is None:
        return {"decrees": [], "all": False}
    selected = [row.proposal.pk for row in ranking.rows if row.selected]
    decrees = {in_drafts[pk].pk: in_drafts[pk] for pk in selected if pk in in_drafts}
    return {
        "decrees": list(decrees.values()),
        "all": bool(selected) and all(pk in in_drafts for pk in selected),
    }


def _render_ranking(request, *, bound_form=None, status=200):
    user = request.user
    kecamatan, kecamatan_options = _pick_kecamatan(request)
    years = _years()
    fiscal_year = _pick_year(request, years)
    ranking = None
    in_drafts = {}
    if fiscal_year is not None:
        ranking = rank_kecamatan(kecamatan=kecamatan, fiscal_year=fiscal_year)
        in_drafts = _draft_decrees([row.proposal.pk for row in ranking.rows])
        for row in ranking.rows:
            row.draft_decree = in_drafts.get(row.proposal.pk)
    may_decide = _may_decide(user) and fiscal_year is not None
    if may_decide and ranking is not None:
        for row in ranking.rows:
            if bound_form is not None and bound_form.data.get("proposal") == str(row.proposal.pk):
                row.form = bound_form
                if row.override is None:
                    row.form.fields["decision"].choices = OverrideForm.DECISIONS[:2]
                # The page is long: take the Camat straight back to what needs fixing.
                row.form.fields["reason"].widget.attrs["autofocus"] = True
            else:
                row.form = OverrideForm(
                    initial={"proposal": row.proposal.pk}, has_override=row.override is not None
                )
                row.form.auto_id = f"id_{row.proposal.pk}_%s"
    return render(
        request,
        "verification/priority/ranking.html",
        {
            "kecamatan": kecamatan,
            "kecamatan_options": kecamatan_options,
            "years": years,
            "fiscal_year": fiscal_year,
            "ranking": ranking,
            "may_decide": may_decide,
            "read_only": not may_decide,
            "selection_drafts": _selection_drafts(ranking, in_drafts),
        },
        status=status,
    )


@login_required
def ranking(request):
    return _render_ranking(request)


@login_required
@require_POST
def override(request):
    """The Camat's decision on one proposal: in, out, or withdrawn; always with a reason."""
    user = request.user
    kecamatan, _ = _pick_kecamatan(request)
    if not _may_decide(user):
        raise Http404
    years = _years()
    fiscal_year = _pick_year(request, years)
    # Withdrawal is always accepted here; the service says so when there is nothing to withdraw.
    form = OverrideForm(request.POST, has_override=True)
    form.auto_id = f"id_{request.POST.get('proposal', 'x')}_%s"
    if not form.is_valid():
        messages.error(request, "Keputusan belum dapat disimpan: periksa isian di bawah.")
        return _render_ranking(request, bound_form=form, status=400)
    proposal = (
        Proposal.objects.visible_to(user)
        .filter(pk=form.cleaned_data["proposal"], kelurahan__kecamatan=kecamatan)
        .first()
    )
    if proposal is None:
        raise Http404
    decision = form.cleaned_data["decision"]
    reason = form.cleaned_data["reason"]
    try:
        if decision == "withdraw":
            priority_override_withdraw(actor=user, proposal=proposal, reason=reason)
            messages.success(request, f"Keputusan atas {proposal.code} dicabut.")
        else:
            priority_override_set(
                actor=user, proposal=proposal, include=decision == "include", reason=reason
            )
            verb = "dimasukkan ke" if decision == "include" else "dikeluarkan dari"
            messages.success(request, f"{proposal.code} {verb} pilihan pendanaan.")
    except NotInScope as exc:
        raise Http404 from exc
    except ActionRefused as exc:
        messages.error(request, exc.message)
    return redirect(_ranking_url(fiscal_year, anchor=f"usulan-{proposal.pk}"))


@login_required
@require_POST
def decree_draft(request):
    """Start an SK Camat from the suggested set the Camat has just seen."""
    user = request.user
    kecamatan, _ = _pick_kecamatan(request)
    if not _may_decide(user):
        raise Http404
    fiscal_year = _pick_year(request, _years())
    if fiscal_year is None:
        raise Http404
    try:
        posted = sorted({int(pk) for pk in request.POST.getlist("proposal")})
    except ValueError as exc:
        raise Http404 from exc
    current = rank_kecamatan(kecamatan=kecamatan, fiscal_year=fiscal_year)
    back = _ranking_url(fiscal_year)
    if not posted:
        messages.error(request, "Belum ada usulan yang dipilih untuk SK.")
        return redirect(back)
    if set(posted) - {row.proposal.pk for row in current.rows}:
        raise Http404  # not a candidate of this Camat's kecamatan and year
    if posted != current.selected_ids:
        # Someone decided or verified something since the page was drawn: show it again.
        messages.warning(
            request,
            "Pilihan telah berubah sejak halaman ini dibuka. Periksa kembali pilihan terbaru, "
            "lalu buat draf SK.",
        )
        return redirect(back)
    if current.remaining_after < 0:
        messages.error(request, "Pilihan melebihi sisa pagu: kurangi usulan yang dimasukkan.")
        return redirect(back)
    try:
        from verification.decrees import decree_create_draft
    except ImportError:
        messages.error(request, "Penyusunan SK belum tersedia.")
        return redirect(back)
    try:
        decree = decree_create_draft(
            actor=user,
            kecamatan=kecamatan,
            fiscal_year=fiscal_year,
            proposals=[row.proposal for row in current.selected_rows],
        )
    except NotInScope as exc:
        raise Http404 from exc
    except ActionRefused as exc:
        messages.error(request, " ".join([exc.message, *exc.problems]))
        return redirect(back)
    messages.success(
        request, "Draf SK disusun dari pilihan. Periksa dan lengkapi sebelum ditetapkan."
    )
    return redirect(reverse("verification:decree_detail", args=[decree.public_id]))


# --- the envelopes -------------------------------------------------------------------------


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
        "verification/envelopes/list.html",
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
    years = _years()
    fiscal_year = _pick_year(request, years)
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
                return redirect(reverse("verification:envelopes") + f"?tahun={fiscal_year.year}")
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
    envelope = BudgetEnvelope.objects.visible_to(user).filter(pk=pk, kelurahan__isnull=False)
    envelope = envelope.select_related("fiscal_year", "kecamatan", "kelurahan").first()
    if envelope is None:
        raise Http404
    try:
        envelope_share_remove(actor=user, envelope=envelope)
    except ActionRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Pagu Kelurahan {envelope.kelurahan} dihapus.")
    return redirect(reverse("verification:envelopes") + f"?tahun={envelope.fiscal_year.year}")
