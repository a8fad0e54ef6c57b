"""The Ketua RT's guided flow: kegiatan → lokasi → RAB → dokumen → periksa → ajukan.

Each step's POST saves through the proposal services (a draft after every step) and bookmarks
the next step, so reopening the flow resumes there. The RAB step reads procurement's catalogue
and templates; nothing here writes a proposal by itself.
"""

import copy
import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bangkit import storage
from bangkit.errors import ActionRefused, NotInScope
from bangkit.images import CLIENT_SEND_ORIGINAL_UP_TO
from bangkit.models import FiscalYear, RequiredDocument
from portal import selectors, services
from portal.flow_forms import (
    KegiatanForm,
    LokasiForm,
    TemplateChoiceForm,
    flow_rab_formset,
)
from portal.models import STEP_ORDER, FlowStep
from procurement import rab as catalogue_rab
from proposals import rules as proposal_rules
from proposals import selectors as proposal_selectors
from proposals import services as proposal_services
from proposals import views as proposal_views
from proposals.forms import AttachmentForm
from proposals.models import MusrenbangEntry, Proposal, RABLine, State
from proposals.services import RABInput
from proposals.views import submission_consequences

DOCUMENT_KINDS = list(RequiredDocument.Kind.values)


def _refused(request, exc: ActionRefused) -> None:
    messages.error(request, exc.message)
    for problem in exc.problems:
        messages.error(request, f"• {problem}")


def _next_step(step: str) -> str:
    return STEP_ORDER[min(STEP_ORDER.index(step) + 1, len(STEP_ORDER) - 1)]


def _step_url(proposal, step: str) -> str:
    return reverse(f"flow:{step}", kwargs={"code": proposal.code})


def flow_view(step: str | None):
    """A step of one proposal: the Ketua RT's own draft only (anything else is a 404); a
    proposal no longer editable goes to its page. The view gets the loaded proposal."""

    def decorate(view):
        @login_required
        @functools.wraps(view)
        def wrapped(request, code, *args, **kwargs):
            try:
                proposal = proposal_selectors.proposal_detail(user=request.user, code=code)
                if not proposal_rules.is_rt_of(proposal, request.user):
                    raise Http404
                if not proposal_rules.may_edit_proposal(request.user, proposal):
                    messages.info(
                        request,
                        f"Usulan ini sudah pada tahap '{proposal.get_state_display()}' dan "
                        "tidak dapat diubah lagi.",
                    )
                    return redirect("proposals:detail", code=proposal.code)
                return view(request, proposal, *args, **kwargs)
            except NotInScope as exc:
                raise Http404 from exc

        wrapped.flow_step = step
        return wrapped

    return decorate


def _saved(request, proposal, step: str, *, stay: bool = False):
    """After a step was saved: bookmark where the flow goes on, and go there."""
    target = step if stay else _next_step(step)
    services.flow_step_reached(proposal=proposal, actor=request.user, step=target)
    return redirect(_step_url(proposal, target))


def _steps(proposal, step: str, furthest: str | None) -> list[dict]:
    """The step bar: every step, those reached so far as links back."""
    reached = max(STEP_ORDER.index(furthest or FlowStep.KEGIATAN), STEP_ORDER.index(step))
    return [
        {
            "value": value,
            "label": label,
            "number": i + 1,
            "current": value == step,
            "done": i < reached and value != step,
            "url": _step_url(proposal, value) if proposal.pk and i <= reached else "",
        }
        for i, (value, label) in enumerate(FlowStep.choices)
    ]


def _context(proposal, step: str, **extra) -> dict:
    flow = selectors.flow_of(proposal)
    return {
        "proposal": proposal,
        "step": step,
        "steps": _steps(proposal, step, flow.furthest if flow else None),
        "step_urls": {value: _step_url(proposal, value) for value in STEP_ORDER},
        "pending_return": proposal_selectors.pending_return(proposal),
        **extra,
    }


# --- Start and resume --------------------------------------------------------------------------


def _entry_for(user, pk) -> MusrenbangEntry:
    entry = MusrenbangEntry.objects.select_related(
        "rt", "kelurahan", "work_type"
    ).get_visible_or_404(user, pk=pk)
    if not proposal_rules.may_start_proposal_from(user, entry):
        raise Http404
    return entry


@login_required
@require_http_methods(["GET", "POST"])
def start(request, pk):
    """Step 1 for a Musrenbang entry without a proposal: its data to confirm; saving it
    creates the proposal (as the Musrenbang page's "create" always has)."""
    entry = _entry_for(request.user, pk)
    live = entry.proposals.exclude(state=State.CANCELLED).first()
    if live is not None:
        if proposal_rules.may_edit_proposal(request.user, live):
            return redirect("flow:resume", code=live.code)
        messages.info(request, "Usulan Musrenbang ini sudah memiliki usulan kegiatan.")
        return redirect("proposals:detail", code=live.code)
    fiscal_year = FiscalYear.objects.filter(year=entry.year).first()
    if fiscal_year is None or fiscal_year.status != FiscalYear.Status.OPEN:
        messages.error(request, f"Pengajuan usulan tahun {entry.year} tidak sedang dibuka.")
        return redirect("proposals:musrenbang")
    draft = Proposal(
        fiscal_year=fiscal_year,
        entry=entry,
        rt=entry.rt,
        kelurahan=entry.kelurahan,
        **proposal_services.proposal_values_from_entry(entry),
    )
    if request.method == "POST":
        form = KegiatanForm(request.POST, instance=draft, fiscal_year=fiscal_year)
        if form.is_valid():
            try:
                proposal = proposal_services.proposal_create_from_entry(
                    entry=entry, actor=request.user, **form.service_data()
                )
            except ActionRefused as exc:
                _refused(request, exc)
            else:
                messages.success(request, f"Usulan {proposal.code} tersimpan sebagai draf.")
                return _saved(request, proposal, FlowStep.KEGIATAN)
        else:
            messages.error(request, "Isian belum disimpan. Periksa isian yang ditandai merah.")
    else:
        form = KegiatanForm(instance=draft, fiscal_year=fiscal_year)
    context = {
        "proposal": draft,
        "entry": entry,
        "step": FlowStep.KEGIATAN,
        "steps": _steps(draft, FlowStep.KEGIATAN, None),
        "form": form,
        "is_new": True,
    }
    return render(request, "portal/flow/kegiatan.html", context)


@flow_view(None)
@require_GET
def resume(request, proposal):
    flow = selectors.flow_of(proposal)
    return redirect(_step_url(proposal, flow.step if flow else FlowStep.KEGIATAN))


# --- The steps ---------------------------------------------------------------------------------


def _field_step(request, proposal, step: str, form_class, template: str):
    if request.method == "POST":
        form = form_class(
            request.POST, instance=copy.copy(proposal), fiscal_year=proposal.fiscal_year
        )
        if form.is_valid():
            try:
                proposal_services.proposal_update(
                    proposal=proposal, actor=request.user, data=form.service_data()
                )
            except ActionRefused as exc:
                _refused(request, exc)
                return redirect(_step_url(proposal, step))
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                return _saved(request, proposal, step)
        messages.error(request, "Isian belum disimpan. Periksa isian yang ditandai merah.")
    else:
        form = form_class(instance=copy.copy(proposal), fiscal_year=proposal.fiscal_year)
    return render(request, template, _context(proposal, step, form=form))


@flow_view(FlowStep.KEGIATAN)
@require_http_methods(["GET", "POST"])
def kegiatan(request, proposal):
    return _field_step(
        request, proposal, FlowStep.KEGIATAN, KegiatanForm, "portal/flow/kegiatan.html"
    )


@flow_view(FlowStep.LOKASI)
@require_http_methods(["GET", "POST"])
def lokasi(request, proposal):
    return _field_step(request, proposal, FlowStep.LOKASI, LokasiForm, "portal/flow/lokasi.html")


def _rab_context(proposal, formset, catalogue, rab_total):
    templates = catalogue_rab.templates_for(proposal.fiscal_year, proposal.work_type)
    return _context(
        proposal,
        FlowStep.RAB,
        formset=formset,
        catalogue=catalogue,
        rab_total=rab_total,
        templates=templates,
        template_form=TemplateChoiceForm(templates=templates) if templates else None,
    )


@flow_view(FlowStep.RAB)
@require_http_methods(["GET", "POST"])
def rab(request, proposal):
    catalogue = catalogue_rab.catalogue_for(proposal.fiscal_year)
    if request.method == "POST":
        formset = flow_rab_formset(request.POST, proposal=proposal, catalogue=catalogue)
        if formset.is_valid():
            try:
                proposal_services.proposal_update(
                    proposal=proposal,
                    actor=request.user,
                    data={},
                    rab_lines=formset.rab_inputs(),
                )
            except ActionRefused as exc:
                _refused(request, exc)
                return redirect(_step_url(proposal, FlowStep.RAB))
            except ValidationError as exc:
                formset._non_form_errors = formset.error_class(
                    [*formset.non_form_errors(), *[f"RAB: {m}" for m in exc.messages]]
                )
            else:
                stay = "stay" in request.POST
                if stay:
                    messages.success(request, "RAB disimpan.")
                return _saved(request, proposal, FlowStep.RAB, stay=stay)
        messages.error(request, "RAB belum disimpan. Periksa baris yang ditandai merah.")
        rab_total = formset.total()
    else:
        proposed, template = _template_rows(proposal, catalogue)
        formset = flow_rab_formset(proposal=proposal, catalogue=catalogue, proposed=proposed)
        rab_total = proposal.rab_total or sum(
            RABLine(quantity=row["quantity"], unit_price=row["unit_price"]).compute_total()
            for row in proposed or []
        )
    context = _rab_context(proposal, formset, catalogue, rab_total)
    if request.method == "GET" and proposed:
        context["proposed_from"] = template
    return render(request, "portal/flow/rab.html", context)


def _template_rows(proposal, catalogue):
    """A RAB not begun yet starts from the year's first template for its work type, scaled to
    the planned volume: rows to check and save in the same step, nothing kept before that."""
    if proposal.rab_lines.exists() or not proposal.planned_volume:
        return None, None
    templates = catalogue_rab.templates_for(proposal.fiscal_year, proposal.work_type)
    if not templates:
        return None, None
    template = templates[0]
    scaled = catalogue_rab.scale_template(
        template, volume=proposal.planned_volume, width=proposal.planned_width, catalogue=catalogue
    )
    rows = [
        {
            "material": line.name,
            "unit": line.unit,
            "quantity": line.quantity,
            "unit_price": line.reference_price,
        }
        for line in scaled.lines
    ]
    return (rows or None), template


@require_POST
@flow_view(FlowStep.RAB)
def rab_template(request, proposal):
    """Fill the RAB from one of the year's templates, scaled to the planned volume (and
    width), at the reference prices; the lines are saved at once and can then be adjusted."""
    templates = catalogue_rab.templates_for(proposal.fiscal_year, proposal.work_type)
    form = TemplateChoiceForm(request.POST, templates=templates)
    back = _step_url(proposal, FlowStep.RAB)
    if not form.is_valid():
        messages.error(request, "Pilih salah satu templat RAB.")
        return redirect(back)
    template = form.chosen()
    scaled = catalogue_rab.scale_template(
        template,
        volume=proposal.planned_volume,
        width=proposal.planned_width,
        catalogue=catalogue_rab.catalogue_for(proposal.fiscal_year),
    )
    try:
        proposal_services.proposal_update(
            proposal=proposal,
            actor=request.user,
            data={},
            rab_lines=[
                RABInput(
                    material=line.name,
                    unit=line.unit,
                    quantity=line.quantity,
                    unit_price=line.reference_price,
                    from_catalogue=True,
                    reference_price=line.reference_price,
                )
                for line in scaled.lines
            ],
        )
    except (ActionRefused, ValidationError) as exc:
        if isinstance(exc, ActionRefused):
            _refused(request, exc)
        else:
            messages.error(
                request, "RAB dari templat tidak dapat disimpan: " + "; ".join(exc.messages)
            )
        return redirect(back)
    messages.success(
        request,
        f"RAB diisi dari templat “{template.name}” untuk volume rencana Anda. Periksa jumlahnya, "
        "ubah bila perlu, lalu simpan.",
    )
    if scaled.unpriced:
        messages.warning(
            request,
            "Belum ada harga acuan tahun ini untuk: "
            + ", ".join(scaled.unpriced)
            + ". Tambahkan sebagai baris bebas bila diperlukan.",
        )
    services.flow_step_reached(proposal=proposal, actor=request.user, step=FlowStep.RAB)
    return redirect(back)


@flow_view(FlowStep.DOKUMEN)
@require_http_methods(["GET", "POST"])
def dokumen(request, proposal):
    """Every document of the year in one form; all files of one sending are kept, or none."""
    if request.method == "POST":
        uploads = {kind: request.FILES.getlist(f"files_{kind}") for kind in DOCUMENT_KINDS}
        uploads = {kind: files for kind, files in uploads.items() if files}
        if proposal_views.wants_json(request):
            return _dokumen_one(request, proposal, uploads)
        labels = dict(RequiredDocument.Kind.choices)
        problems = []
        for kind, files in uploads.items():
            form = AttachmentForm({"kind": kind}, MultiValueDict({"files": files}))
            if not form.is_valid():
                for errors in form.errors.values():
                    problems += [f"{labels[kind]}: {error}" for error in errors]
        if problems:
            for problem in problems:
                messages.error(request, problem)
            messages.error(request, "Tidak ada berkas yang disimpan.")
            return redirect(_step_url(proposal, FlowStep.DOKUMEN))
        saved = 0
        try:
            with storage.atomic():
                for kind, files in uploads.items():
                    for upload in files:
                        proposal_services.attachment_add(
                            proposal=proposal, actor=request.user, kind=kind, upload=upload
                        )
                        saved += 1
        except ActionRefused as exc:
            _refused(request, exc)
            messages.error(request, "Tidak ada berkas yang disimpan.")
            return redirect(_step_url(proposal, FlowStep.DOKUMEN))
        if saved:
            messages.success(request, f"{saved} berkas diunggah.")
        return _saved(request, proposal, FlowStep.DOKUMEN, stay="stay" in request.POST)
    documents = proposal_selectors.document_progress(proposal)
    return render(
        request,
        "portal/flow/dokumen.html",
        _context(
            proposal,
            FlowStep.DOKUMEN,
            documents=documents,
            send_original_up_to=CLIENT_SEND_ORIGINAL_UP_TO,
            max_bytes=settings.MAX_ATTACHMENT_BYTES,
        ),
    )


def _dokumen_one(request, proposal, uploads):
    """One file sent by the page's upload script (progress bar, retry), answered in JSON."""
    if len(uploads) != 1 or len(next(iter(uploads.values()))) != 1:
        return proposal_views.attachment_json_refusal(error="Kirim satu berkas setiap kali.")
    ((kind, files),) = uploads.items()
    data = request.POST.copy()
    data["kind"] = kind
    form = AttachmentForm(data, MultiValueDict({"files": files}))
    if not form.is_valid():
        return proposal_views.attachment_json_refusal(form)
    try:
        attachment = proposal_services.attachment_add(
            proposal=proposal,
            actor=request.user,
            kind=kind,
            upload=files[0],
            client=form.client_image(),
        )
    except ActionRefused as exc:
        return proposal_views.attachment_json_refusal(error=exc.message)
    return proposal_views.attachment_json(attachment)


@require_POST
@login_required
def dokumen_remove(request, code, pk):
    """Remove a file of the Ketua RT's own draft (the attachment of another proposal, or of
    a proposal the user may not see, is not found)."""
    attachment = proposal_selectors.attachment_for(user=request.user, code=code, pk=pk)
    if not proposal_rules.is_rt_of(attachment.proposal, request.user):
        raise Http404
    try:
        proposal_services.attachment_remove(attachment=attachment, actor=request.user)
    except NotInScope as exc:
        raise Http404 from exc
    except ActionRefused as exc:
        _refused(request, exc)
    else:
        messages.success(request, f"Lampiran '{attachment.original_name}' dihapus.")
    return redirect(_step_url(attachment.proposal, FlowStep.DOKUMEN))


@flow_view(FlowStep.PERIKSA)
@require_http_methods(["GET", "POST"])
def periksa(request, proposal):
    """Everything at a glance, what is still missing with the step that fixes it, and the only
    submit button of the flow: enabled once nothing is missing."""
    missing = selectors.flow_missing(proposal)
    if request.method == "POST":
        if missing:
            messages.error(request, "Usulan belum dapat diajukan: masih ada yang belum lengkap.")
            return redirect(_step_url(proposal, FlowStep.PERIKSA))
        try:
            proposal = proposal_services.proposal_transition(
                proposal=proposal,
                actor=request.user,
                action="submit",
                expected_state=request.POST.get("expected_state", "")[:30] or None,
            )
        except ActionRefused as exc:
            _refused(request, exc)
            return redirect(_step_url(proposal, FlowStep.PERIKSA))
        messages.success(
            request,
            f"Usulan {proposal.code} diajukan ke kelurahan. Simpan kode lacak ini untuk "
            "mengikuti perkembangannya.",
        )
        return redirect("proposals:detail", code=proposal.code)
    return render(
        request,
        "portal/flow/periksa.html",
        _context(
            proposal,
            FlowStep.PERIKSA,
            missing=[(m, _step_url(proposal, m.step) if m.step else "") for m in missing],
            documents=proposal_selectors.document_progress(proposal),
            consequences=submission_consequences(proposal),
        ),
    )
