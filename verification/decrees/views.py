"""Decree screens (list, draft, preview, issue, download, amend) and the public SK page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from bangkit.confirm import Confirmation, ask_to_confirm, is_confirmed
from bangkit.downloads import content_response
from bangkit.errors import ActionRefused
from bangkit.indonesian import long_date
from bangkit.models import FiscalYear, Kecamatan
from bangkit.money import rupiah
from bangkit.params import query_int, query_ints, query_year
from bangkit.refusals import perform, say_form_errors, say_refused
from proposals.models import Proposal
from verification.decrees import amendments, rules, selectors
from verification.decrees import services as decrees
from verification.decrees.forms import (
    DecreeAmendForm,
    DecreeCreateForm,
    DecreeDraftForm,
    SiteAmendForm,
)
from verification.decrees.pdf import decree_text, render_decree_pdf
from verification.models import Decree


def _site_url(request) -> str:
    """Where the QR code points: the configured site, else the address this request used."""
    return getattr(settings, "SITE_URL", None) or request.build_absolute_uri("/")


def _pdf_filename(decree: Decree) -> str:
    return "SK-" + "".join(ch if ch.isalnum() else "-" for ch in decree.number) + ".pdf"


def _default_year(years: list[int] | None = None) -> int | None:
    """This year if it is a fiscal year, else the latest one."""
    if years is None:
        years = list(FiscalYear.objects.values_list("year", flat=True))
    today = timezone.localdate().year
    return today if today in years else (years[0] if years else None)


@login_required
def decree_list(request):
    """The Camat's decrees, or (city-wide roles) every kecamatan's, filterable."""
    user = request.user
    years = list(FiscalYear.objects.values_list("year", flat=True))
    year = query_year(request) or _default_year(years)
    kecamatan_options = list(Kecamatan.objects.only("pk", "name")) if user.is_city_wide else []
    kecamatan_id = query_int(request, "kecamatan") or None
    rows = list(selectors.decree_list(user, year=year, kecamatan_id=kecamatan_id)[:500])
    return render(
        request,
        "verification/decrees/list.html",
        {
            "decrees": rows,
            "years": years,
            "year": year,
            "kecamatan_options": kecamatan_options,
            "kecamatan_id": kecamatan_id,
            "can_create": rules.may_draft_decrees(user),
        },
    )


@login_required
def decree_create(request):
    """The Camat picks verified proposals for a new draft (pre-ticked with ?usulan=…)."""
    user = request.user
    if not rules.may_draft_decrees(user):
        raise Http404
    year = query_year(request, or_404=True)  # a year that is not a number does not exist
    year = _default_year() if year is None else year
    if year is None:
        raise Http404  # no fiscal year at all
    fiscal_year = get_object_or_404(FiscalYear, year=year)
    eligible = selectors.eligible_proposals(kecamatan=user.kecamatan, fiscal_year=fiscal_year)
    if request.method == "POST":
        form = DecreeCreateForm(request.POST, eligible=eligible)
        if form.is_valid():
            try:
                decree = decrees.decree_create_draft(
                    actor=user,
                    kecamatan=user.kecamatan,
                    fiscal_year=fiscal_year,
                    proposals=list(form.cleaned_data["proposals"]),
                    signatory_rank=form.cleaned_data["signatory_rank"],
                )
            except ActionRefused as exc:
                say_refused(request, exc, bullet="")
            else:
                messages.success(request, "Draf SK dibuat. Periksa isinya, lalu tetapkan.")
                return redirect("verification:decree_detail", public_id=decree.public_id)
    else:
        chosen = query_ints(request, "usulan")
        form = DecreeCreateForm(eligible=eligible, initial={"proposals": chosen})
    return render(
        request,
        "verification/decrees/create.html",
        {"form": form, "fiscal_year": fiscal_year, "eligible_count": eligible.count()},
    )


def _detail_context(request, decree: Decree) -> dict:
    user = request.user
    locations = selectors.decree_locations(decree)
    changes = selectors.amendments_of_decree(decree)
    for loc in locations:
        loc.site_changes = changes.get(loc.proposal_id, [])
    text = decree_text(decree, locations)
    pending_amendment = (
        decree.amended_by.filter(state=Decree.State.DRAFT).first()
        if decree.state == Decree.State.ISSUED
        else None
    )
    return {
        "decree": decree,
        "locations": locations,
        "total": sum(loc.budget for loc in locations),
        "chain": selectors.decree_chain(decree),
        "replaced_by": selectors.replacing_decree(decree),
        **text,
        "can_edit": rules.may_edit_decree(user, decree),
        "can_amend": rules.may_amend_decree(user, decree) and not pending_amendment,
        "can_change_sites": rules.may_amend_decree(user, decree),
        "pending_amendment": pending_amendment,
        "amend_form": DecreeAmendForm(),
    }


@login_required
def decree_detail(request, public_id):
    decree = selectors.decree_for(request.user, public_id)
    return render(request, "verification/decrees/detail.html", _detail_context(request, decree))


@login_required
def decree_edit(request, public_id):
    decree = selectors.decree_for(request.user, public_id)
    if not rules.is_camat_of(request.user, decree.kecamatan_id):
        raise Http404
    if decree.state != Decree.State.DRAFT:
        messages.error(request, "SK yang sudah ditetapkan tidak dapat diubah; buat SK perubahan.")
        return redirect("verification:decree_detail", public_id=public_id)
    eligible = selectors.eligible_proposals(
        kecamatan=decree.kecamatan, fiscal_year=decree.fiscal_year, decree=decree
    )
    if request.method == "POST":
        form = DecreeDraftForm(request.POST, instance=decree, eligible=eligible)
        if form.is_valid() and perform(
            request,
            decrees.decree_update_draft,
            decree=decree,
            proposals=list(form.cleaned_data["proposals"]),
            **form.service_fields(),
            success="Draf SK disimpan.",
            bullet="",
        ):
            return redirect("verification:decree_detail", public_id=public_id)
        # A refused or invalid form must not leave the in-memory instance half-edited.
        decree.refresh_from_db()
    else:
        form = DecreeDraftForm(instance=decree, eligible=eligible)
    return render(request, "verification/decrees/edit.html", {"form": form, "decree": decree})


@login_required
def decree_preview(request, public_id):
    """A draft rendered now, watermarked DRAF; an issued decree is its stored file."""
    decree = selectors.decree_for(request.user, public_id)
    if decree.state != Decree.State.DRAFT:
        return redirect("verification:decree_pdf", public_id=public_id)
    pdf = render_decree_pdf(decree, draft=True, site_url=_site_url(request))
    return content_response(pdf, "application/pdf", "draf-sk.pdf", cache="no-store")


@login_required
@require_POST
def decree_issue(request, public_id):
    decree = selectors.decree_for(request.user, public_id)
    if not is_confirmed(request) and rules.may_edit_decree(request.user, decree):
        return _confirm_issue(request, decree)
    try:
        decree = decrees.decree_issue(
            actor=request.user, decree=decree, site_url=_site_url(request)
        )
    except ActionRefused as exc:
        decree.refresh_from_db()
        context = _detail_context(request, decree)
        context["refusal"] = exc
        return render(request, "verification/decrees/detail.html", context, status=409)
    messages.success(request, f"SK ditetapkan dengan nomor {decree.number}.")
    return redirect("verification:decree_detail", public_id=public_id)


def _confirm_issue(request, decree: Decree):
    """What issuing does, with the sites and money it binds, before the Camat says yes."""
    locations = selectors.decree_locations(decree)
    total = sum(loc.budget for loc in locations)
    kecamatan, year = decree.kecamatan.name, decree.fiscal_year.year
    day = decree.decree_date or timezone.localdate()
    consequences = [
        f"SK mendapat nomor berikutnya dari penomoran SK Kecamatan {kecamatan} tahun {year}, "
        f"bertanggal {long_date(day)}.",
        f"{len(locations)} lokasi ditetapkan dan anggarannya, seluruhnya sebesar "
        f"{rupiah(total)}, diikat dari pagu Kecamatan {kecamatan}.",
        "PDF SK disimpan tetap dengan kode QR ke halaman publiknya; isinya tidak dapat diubah "
        "lagi, hanya dengan SK perubahan.",
    ]
    if decree.amends_id:
        consequences.append(f"SK {decree.amends.number} dicabut dan diganti SK ini.")
    detail = reverse("verification:decree_detail", args=[decree.public_id])
    return ask_to_confirm(
        request,
        "verification/decrees/confirm_issue.html",
        Confirmation(
            title=f"Tetapkan {decree.title}?",
            action=reverse("verification:decree_issue", args=[decree.public_id]),
            back=detail,
            button="Ya, tetapkan SK",
            consequences=consequences,
        ),
        decree=decree,
        locations=locations,
        total=total,
    )


def stored_pdf_response(decree: Decree):
    if not decree.pdf:
        raise Http404
    try:
        handle = decree.pdf.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(
        handle, as_attachment=True, filename=_pdf_filename(decree), content_type="application/pdf"
    )


@login_required
def decree_pdf(request, public_id):
    """The stored file of an issued decree, byte for byte: it is never rendered again."""
    return stored_pdf_response(selectors.decree_for(request.user, public_id))


@login_required
@require_POST
def decree_amend(request, public_id):
    decree = selectors.decree_for(request.user, public_id)
    form = DecreeAmendForm(request.POST)
    if not form.is_valid():
        say_form_errors(request, form)
        return redirect("verification:decree_detail", public_id=public_id)
    try:
        draft = amendments.decree_amend(
            actor=request.user, decree=decree, reason=form.cleaned_data["reason"]
        )
    except ActionRefused as exc:
        say_refused(request, exc, bullet="")
        return redirect("verification:decree_detail", public_id=public_id)
    messages.success(request, f"Draf perubahan atas {decree.number} dibuat.")
    return redirect("verification:decree_detail", public_id=draft.public_id)


@login_required
@require_POST
def decree_delete(request, public_id):
    decree = selectors.decree_for(request.user, public_id)
    if not perform(
        request,
        decrees.decree_delete_draft,
        decree=decree,
        success="Draf SK dihapus.",
        bullet="",
    ):
        return redirect("verification:decree_detail", public_id=public_id)
    return redirect("verification:decree_list")


@login_required
def site_amend(request, public_id, proposal_id):
    """Change a designated site of this decree (location, volume, budget) with a reason."""
    decree = selectors.decree_for(request.user, public_id)
    if not rules.is_camat_of(request.user, decree.kecamatan_id):
        raise Http404
    proposal = get_object_or_404(
        Proposal.objects.for_lists(), pk=proposal_id, decree_locations__decree=decree
    )
    if request.method == "POST":
        form = SiteAmendForm(request.POST)
        if form.is_valid() and perform(
            request,
            amendments.site_amend,
            proposal=proposal,
            **form.cleaned_data,
            success=f"Perubahan {proposal.code} dicatat dan diumumkan.",
            bullet="",
        ):
            return redirect("verification:decree_detail", public_id=public_id)
    else:
        form = SiteAmendForm()
    return render(
        request,
        "verification/decrees/site_amend.html",
        {
            "decree": decree,
            "proposal": proposal,
            "form": form,
            "amendments": selectors.public_amendments(proposal),
        },
    )
