"""The Camat's ranking of verified proposals and the decisions on it."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from bangkit.errors import ActionRefused
from bangkit.models import FiscalYear, Kecamatan, Role
from bangkit.params import query_int, query_text
from bangkit.refusals import perform
from bangkit.years import fiscal_years_newest_first, pick_fiscal_year
from proposals.models import Proposal
from verification.decrees.services import decree_create_draft
from verification.models import Decree, DecreeLocation
from verification.priority import rules
from verification.priority.forms import OverrideForm
from verification.priority.ranking import rank_kecamatan
from verification.priority.services import priority_override_set, priority_override_withdraw


def _pick_kecamatan(request) -> tuple[Kecamatan, list[Kecamatan]]:
    """The Camat's own kecamatan; a city-wide user chooses one by ?kecamatan=<slug>.

    A Camat naming another kecamatan gets a 404, like any other out-of-area object.
    """
    user = request.user
    wanted = (request.POST.get("kecamatan") or query_text(request, "kecamatan")).strip()
    if user.role == Role.KECAMATAN and not user.is_superuser:
        own = get_object_or_404(Kecamatan, pk=user.kecamatan_id)
        if wanted and wanted != own.slug:
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
    years = fiscal_years_newest_first()
    fiscal_year = pick_fiscal_year(request, years)
    ranking = None
    in_drafts = {}
    if fiscal_year is not None:
        ranking = rank_kecamatan(kecamatan=kecamatan, fiscal_year=fiscal_year)
        in_drafts = _draft_decrees([row.proposal.pk for row in ranking.rows])
        for row in ranking.rows:
            row.draft_decree = in_drafts.get(row.proposal.pk)
    may_decide = rules.may_decide_priority(user, kecamatan) and fiscal_year is not None
    # One decision form on the page, for the row the Camat opened (or the one that failed);
    # every other row links to it: a form per row made the page grow by kilobytes a row.
    deciding = query_int(request, "putuskan")
    if may_decide and ranking is not None:
        base = _ranking_url(fiscal_year)
        for row in ranking.rows:
            pk = row.proposal.pk
            is_bound = bound_form is not None and bound_form.data.get("proposal") == str(pk)
            if not is_bound and pk != deciding:
                row.form = None
                row.decide_url = f"{base}&putuskan={pk}#usulan-{pk}"
                continue
            if is_bound:
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


def _deciding_kecamatan(request) -> Kecamatan:
    """The kecamatan whose priorities the user decides on (a 404 for anyone else)."""
    kecamatan, _ = _pick_kecamatan(request)
    if not rules.may_decide_priority(request.user, kecamatan):
        raise Http404
    return kecamatan


@login_required
def ranking(request):
    return _render_ranking(request)


@login_required
@require_POST
def override(request):
    """The Camat's decision on one proposal: in, out, or withdrawn; always with a reason."""
    user = request.user
    kecamatan = _deciding_kecamatan(request)
    years = fiscal_years_newest_first()
    fiscal_year = pick_fiscal_year(request, years)
    # Withdrawal is always accepted here; the service says so when there is nothing to withdraw.
    form = OverrideForm(request.POST, has_override=True)
    form.auto_id = f"id_{request.POST.get('proposal', 'x')}_%s"
    if not form.is_valid():
        messages.error(request, "Keputusan belum dapat disimpan: periksa isian di bawah.")
        return _render_ranking(request, bound_form=form, status=400)
    proposal = Proposal.objects.get_visible_or_404(
        user, pk=form.cleaned_data["proposal"], kelurahan__kecamatan=kecamatan
    )
    decision = form.cleaned_data["decision"]
    reason = form.cleaned_data["reason"]
    if decision == "withdraw":
        said = f"Keputusan atas {proposal.code} dicabut."
        perform(request, priority_override_withdraw, proposal=proposal, reason=reason, success=said)
    else:
        include = decision == "include"
        verb = "dimasukkan ke" if include else "dikeluarkan dari"
        said = f"{proposal.code} {verb} pilihan pendanaan."
        perform(
            request,
            priority_override_set,
            proposal=proposal,
            include=include,
            reason=reason,
            success=said,
        )
    return redirect(_ranking_url(fiscal_year, anchor=f"usulan-{proposal.pk}"))


@login_required
@require_POST
def decree_draft(request):
    """Start an SK Camat from the suggested set the Camat has just seen."""
    user = request.user
    kecamatan = _deciding_kecamatan(request)
    fiscal_year = pick_fiscal_year(request, fiscal_years_newest_first())
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
        decree = decree_create_draft(
            actor=user,
            kecamatan=kecamatan,
            fiscal_year=fiscal_year,
            proposals=[row.proposal for row in current.selected_rows],
        )
    except ActionRefused as exc:
        messages.error(request, " ".join([exc.message, *exc.problems]))
        return redirect(back)
    messages.success(
        request, "Draf SK disusun dari pilihan. Periksa dan lengkapi sebelum ditetapkan."
    )
    return redirect(reverse("verification:decree_detail", args=[decree.public_id]))
