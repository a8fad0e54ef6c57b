"""Signed-in proposal screens: thin views that parse, call selectors and services, render."""

import copy

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bangkit import storage
from bangkit.confirm import Confirmation, ask_to_confirm, is_confirmed
from bangkit.errors import ActionRefused
from bangkit.files import DOCUMENT_TYPES
from bangkit.images import CLIENT_SEND_ORIGINAL_UP_TO, NO_CLIENT, stored_image_response
from bangkit.models import Role, WorkType
from bangkit.params import query_choice, query_int, query_page, query_present, query_text
from bangkit.qr import public_address, qr_svg
from bangkit.refusals import (
    form_errors,
    json_refused,
    perform,
    say_form_errors,
    say_refused,
    wants_json,
)
from proposals import rules, selectors, services
from proposals.forms import (
    AttachmentForm,
    DecisionForm,
    EntryProposalForm,
    ProposalForm,
    rab_formset,
)
from proposals.models import MusrenbangEntry, State
from proposals.states import PROPOSAL_PAGE_ACTIONS, transition_label

PAGE_SIZE = 25

# What each decision button says; the services keep their own past-tense labels for the log.
ACTION_BUTTONS = {
    "submit": ("Ajukan ke kelurahan", "btn"),
    "verify_kelurahan": ("Teruskan ke camat", "btn"),
    "verify_kecamatan": ("Verifikasi", "btn"),
    "return_for_revision": ("Kembalikan untuk perbaikan", "btn btn-warn"),
    "reject": ("Tolak", "btn btn-danger"),
    "defer": ("Tunda ke tahun berikutnya", "btn btn-secondary"),
    "cancel": ("Batalkan usulan", "btn btn-danger"),
}
REVIEW_ACTIONS = ["verify_kelurahan", "verify_kecamatan", "return_for_revision", "reject", "defer"]


def _back_url(request, default: str) -> str:
    """The page the form was on (our own pages only), else `default`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _back(request, default: str):
    """Return to the page the form was on (our own pages only), else to `default`."""
    return redirect(_back_url(request, default))


def _filters_from(request) -> tuple[selectors.ProposalFilters, bool]:
    """The list filters from the query string; offices open on their queue by default."""
    user = request.user

    def as_int(name):
        return query_int(request, name)

    defaulted = not query_present(request, "tahap")
    state = None if defaulted else query_choice(request, "tahap", State.values, default="")
    if defaulted:
        state = selectors.queue_state_for(user)
    filters = selectors.ProposalFilters(
        state=state if state in State.values else "",
        kelurahan=as_int("kelurahan") if selectors.sees_kelurahan_filter(user) else None,
        work_type=as_int("jenis"),
        year=as_int("tahun"),
        q=query_text(request, "q"),
    )
    return filters, defaulted


@login_required
@require_GET
def proposal_list(request):
    filters, defaulted = _filters_from(request)
    counts = selectors.proposal_state_counts(user=request.user, filters=filters)
    paginator = Paginator(selectors.proposal_list(user=request.user, filters=filters), PAGE_SIZE)
    # The state counts already hold the total: spare the paginator its own COUNT over the join.
    paginator.count = sum(
        n for value, _, n in counts if value == filters.state or not filters.state
    )
    page = paginator.get_page(query_page(request))
    queue_state = selectors.queue_state_for(request.user)
    return render(
        request,
        "proposals/list.html",
        {
            "page": page,
            "filters": filters,
            "state_counts": [row for row in counts if row[2] or row[0] == filters.state],
            "total_count": sum(n for _, _, n in counts),
            "queue_state": queue_state,
            "queue_label": State(queue_state).label if queue_state else "",
            "queue_count": next((n for value, _, n in counts if value == queue_state), 0),
            "defaulted": defaulted,
            "show_kelurahan_filter": selectors.sees_kelurahan_filter(request.user),
            "choices": selectors.filter_choices(request.user),
            "states": State.choices,
            "is_rt": request.user.role == Role.RT,
            "can_create": rules.may_start_proposals(request.user),
        },
    )


@login_required
@require_GET
def musrenbang_list(request):
    entries = Paginator(selectors.musrenbang_entries_for(request.user), PAGE_SIZE).get_page(
        query_page(request)
    )
    return render(
        request,
        "proposals/musrenbang.html",
        {
            "page": entries,
            "can_create": rules.may_start_proposals(request.user),
        },
    )


@login_required
@require_POST
def proposal_create(request, pk):
    entry = MusrenbangEntry.objects.select_related("work_type").get_visible_or_404(
        request.user, pk=pk
    )
    form = EntryProposalForm(
        request.POST, entry=entry, work_types=WorkType.objects.filter(active=True)
    )
    back = reverse("proposals:musrenbang")
    if not form.is_valid():
        say_form_errors(request, form, prefix=f"{entry.title}: ")
        return redirect(back)
    try:
        proposal = services.proposal_create_from_entry(
            entry=entry, actor=request.user, **form.service_fields()
        )
    except ActionRefused as exc:
        say_refused(request, exc)
        return redirect(back)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, f"{entry.title}: {message}")
        return redirect(back)
    messages.success(
        request,
        f"Usulan {proposal.code} dibuat. Lengkapi isian, RAB dan lampiran, lalu ajukan.",
    )
    return redirect("proposals:edit", code=proposal.code)


@login_required
@require_http_methods(["GET", "POST"])
def proposal_edit(request, code):
    proposal = selectors.proposal_detail(user=request.user, code=code)
    if not rules.may_edit_proposal(request.user, proposal):
        messages.info(
            request,
            f"Usulan ini tidak dapat diubah pada tahap '{proposal.get_state_display()}'."
            if rules.is_rt_of(proposal, request.user)
            else "Hanya Ketua RT pengusul yang dapat mengubah usulan ini.",
        )
        return redirect("proposals:detail", code=proposal.code)
    if request.method == "POST":
        form = ProposalForm(
            request.POST, instance=copy.copy(proposal), fiscal_year=proposal.fiscal_year
        )
        formset = rab_formset(request.POST)
        forms_valid = form.is_valid() & formset.is_valid()
        if forms_valid:
            try:
                services.proposal_update(
                    proposal=proposal,
                    actor=request.user,
                    data=form.service_data(),
                    rab_lines=formset.rab_inputs(),
                )
            except ActionRefused as exc:
                say_refused(request, exc)
                return redirect("proposals:detail", code=proposal.code)
            except ValidationError as exc:
                _attach_errors(form, formset, exc)
            else:
                messages.success(request, "Perubahan usulan disimpan.")
                return redirect("proposals:edit", code=proposal.code)
        messages.error(request, "Usulan belum disimpan. Periksa isian yang ditandai merah.")
        rab_total = formset.total()
    else:
        form = ProposalForm(instance=copy.copy(proposal), fiscal_year=proposal.fiscal_year)
        formset = rab_formset(proposal=proposal)
        rab_total = proposal.rab_total
    return render(
        request,
        "proposals/edit.html",
        {
            "proposal": proposal,
            "form": form,
            "formset": formset,
            "rab_total": rab_total,
            "documents": selectors.document_progress(proposal),
            "upload_form": AttachmentForm(),
            "send_original_up_to": CLIENT_SEND_ORIGINAL_UP_TO,
            "max_bytes": settings.MAX_ATTACHMENT_BYTES,
            "pending_return": selectors.pending_return(proposal),
            "problems": rules.submission_problems(proposal),
            "can_cancel": rules.is_stage_owner(proposal, request.user),
            "dirty": request.method == "POST",
        },
    )


def _attach_errors(form, formset, exc: ValidationError) -> None:
    """Errors only the model found (on save) go next to their field, or above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.message_dict.items():
        if name in form.fields:
            form.add_error(name, errors)
        elif name in ("material", "unit", "quantity", "unit_price"):
            formset._non_form_errors = formset.error_class(
                [*formset.non_form_errors(), *[f"RAB: {e}" for e in errors]]
            )
        else:
            form.add_error(None, errors)


def attachment_json(attachment, *, status=201):
    """What the upload script shows of a kept file: its thumbnail, when it is an image (the
    "sedang diproses" placeholder until the background task has made it)."""
    code = attachment.proposal.code
    return JsonResponse(
        {
            "ok": True,
            "id": attachment.pk,
            "thumbnail": (
                reverse("proposals:attachment_thumbnail", args=[code, attachment.pk])
                if attachment.is_image
                else ""
            ),
            "message": f"'{attachment.original_name or 'berkas'}' tersimpan.",
        },
        status=status,
    )


def attachment_json_refusal(form=None, error: str = ""):
    errors = form_errors(form) if form is not None else []
    return json_refused(error or " ".join(errors))


@login_required
@require_POST
def attachment_upload(request, code):
    proposal = selectors.proposal_detail(user=request.user, code=code)
    form = AttachmentForm(request.POST, request.FILES)
    back = _documents_url(proposal.code, request.POST.get("kind", ""))
    if not form.is_valid():
        if wants_json(request):
            return attachment_json_refusal(form)
        say_form_errors(request, form)
        messages.error(request, "Tidak ada berkas yang disimpan.")
        return redirect(back)
    kind = form.cleaned_data["kind"]
    uploads = form.cleaned_data["files"]
    # The script sends one file at a time with what it read from the phone's original.
    client = form.client_image() if len(uploads) == 1 else NO_CLIENT
    saved = []
    try:
        # All or none; the stored files of rolled-back rows are deleted with them.
        with storage.atomic():
            for upload in uploads:
                saved.append(
                    services.attachment_add(
                        proposal=proposal,
                        actor=request.user,
                        kind=kind,
                        upload=upload,
                        client=client,
                    )
                )
    except ActionRefused as exc:
        if wants_json(request):
            return attachment_json_refusal(error=exc.message)
        say_refused(request, exc)
        return redirect(back)
    if wants_json(request):
        return attachment_json(saved[0])
    messages.success(request, f"{len(saved)} berkas diunggah.")
    return redirect(back)


@login_required
@require_POST
def attachment_delete(request, code, pk):
    attachment = selectors.attachment_for(user=request.user, code=code, pk=pk)
    perform(
        request,
        services.attachment_remove,
        attachment=attachment,
        success=f"Lampiran '{attachment.original_name}' dihapus.",
    )
    return redirect(_documents_url(code, attachment.kind))


def _documents_url(code: str, kind: str) -> str:
    """Back to the document's card on the edit page, where its messages are repeated."""
    edit = reverse("proposals:edit", kwargs={"code": code})
    if kind not in selectors.DOCUMENT_KINDS:
        return edit + "#lampiran"
    return f"{edit}?lampiran={kind}#doc-{kind}"


@login_required
@require_GET
def attachment_file(request, code, pk):
    """The file as uploaded ("Unduh asli"). Attachments are never public: each download checks
    the user's scope first. A PDF opens in the browser; an image original is downloaded (pages
    show its copies)."""
    attachment = selectors.attachment_for(user=request.user, code=code, pk=pk)
    inline = attachment.content_type in DOCUMENT_TYPES and not attachment.is_image
    return stored_image_response(
        attachment.file,
        content_type=attachment.content_type if inline else "application/octet-stream",
        download=not inline,
        filename=attachment.original_name or None,
        max_age=600,
    )


@login_required
@require_GET
def attachment_display(request, code, pk):
    """The EXIF-free display copy of an image attachment (at most 1600 px); "sedang diproses"
    until the background task has made it."""
    attachment = selectors.attachment_for(user=request.user, code=code, pk=pk)
    return stored_image_response(attachment.display, pending=attachment.is_image)


@login_required
@require_GET
def attachment_thumbnail(request, code, pk):
    attachment = selectors.attachment_for(user=request.user, code=code, pk=pk)
    return stored_image_response(attachment.thumbnail, pending=attachment.is_image)


@login_required
@require_POST
def proposal_action(request, code):
    proposal = selectors.proposal_detail(user=request.user, code=code)
    detail = reverse("proposals:detail", kwargs={"code": proposal.code})
    form = DecisionForm(request.POST)
    if not form.is_valid() or form.cleaned_data["action"] not in PROPOSAL_PAGE_ACTIONS:
        messages.error(request, "Permintaan tidak lengkap. Muat ulang halaman lalu coba lagi.")
        return _back(request, detail)
    if request.user.is_read_only:
        messages.error(request, "Akun Anda hanya dapat melihat; tindakan tidak dilakukan.")
        return _back(request, detail)
    action = form.cleaned_data["action"]
    if action == "submit" and not is_confirmed(request) and _submittable(request, proposal):
        return _confirm_submit(request, proposal, back=_back_url(request, detail))
    try:
        proposal = services.proposal_transition(
            proposal=proposal,
            actor=request.user,
            action=action,
            note=form.cleaned_data["note"],
            checklist=form.checklist(),
            expected_state=form.cleaned_data["expected_state"],
        )
    except ActionRefused as exc:
        say_refused(request, exc)
        return _back(request, detail)
    messages.success(request, f"Usulan {proposal.code}: {transition_label(action)}.")
    if action == "submit":
        return redirect("proposals:receipt", pk=proposal.pk)
    return redirect(detail)


def _submittable(request, proposal) -> bool:
    """The submission would go through now (else the service refuses it as before, with no
    confirmation asked for something that cannot happen)."""
    return rules.may_edit_proposal(request.user, proposal) and not rules.submission_problems(
        proposal
    )


def submission_consequences(proposal) -> list[str]:
    """What submitting does, in the Ketua RT's words (the confirmation page, the flow's review)."""
    return [
        f"Usulan dikirim ke Kelurahan {proposal.kelurahan.name} untuk diverifikasi.",
        "Isian, RAB dan dokumen tidak dapat diubah lagi, kecuali kelurahan "
        "mengembalikannya untuk perbaikan.",
        f"Anda mendapat tanda terima dengan kode lacak {proposal.code} untuk mengikuti "
        "perkembangannya.",
    ]


def _confirm_submit(request, proposal, *, back: str):
    return ask_to_confirm(
        request,
        "proposals/confirm_submit.html",
        Confirmation(
            title=f"Ajukan usulan “{proposal.title}” ke kelurahan?",
            action=reverse("proposals:action", args=[proposal.code]),
            back=back,
            button="Ya, ajukan ke kelurahan",
            consequences=submission_consequences(proposal),
        ),
        proposal=proposal,
        documents=selectors.document_progress(proposal),
    )


def _track_url(request, proposal) -> str:
    return public_address(reverse("public:track_detail", args=[proposal.code]), request)


@login_required
@require_GET
def receipt(request, pk):
    """The receipt of a submitted proposal: its tracking code to keep, print or share."""
    receipt = selectors.receipt_for(user=request.user, pk=pk)
    proposal = receipt.proposal
    track_url = _track_url(request, proposal)
    return render(
        request,
        "proposals/receipt.html",
        {
            "proposal": proposal,
            "submitted_at": receipt.submitted_at,
            "track_url": track_url,
            "code_groups": proposal.code.split("-"),
            "share_text": (
                f"Usulan Bangkit Berdaya “{proposal.title}”, "
                f"kode lacak {proposal.code}: {track_url}"
            ),
        },
    )


@login_required
@require_GET
def receipt_qr(request, pk):
    """The receipt's QR code (to the public tracking page), drawn here: no outside service."""
    proposal = selectors.receipt_for(user=request.user, pk=pk).proposal
    response = HttpResponse(qr_svg(_track_url(request, proposal)), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response
