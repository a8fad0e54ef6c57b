"""Execution and reporting screens: thin views that parse, call selectors and services, render."""

import os

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bangkit.confirm import Confirmation, ask_to_confirm, is_confirmed
from bangkit.downloads import content_response, file_response, filename_part
from bangkit.errors import ActionRefused, NotInScope
from bangkit.images import CLIENT_SEND_ORIGINAL_UP_TO, stored_image_response
from bangkit.models import Role
from bangkit.params import query_choice, query_page, query_present, query_year
from bangkit.refusals import (
    form_errors,
    json_refused,
    object_action,
    perform,
    say_form_errors,
    say_refused,
    wants_json,
)
from bangkit.templatetags.rupiah import angka
from bangkit.years import year_numbers
from proposals.models import State
from reporting import rules as reporting_rules
from reporting import savings, selectors, services
from reporting.forms import (
    ContributionForm,
    CountersignForm,
    PhotoUploadForm,
    ReportForm,
    ReviewForm,
    SinglePhotoForm,
    WorkDayForm,
)
from reporting.models import REQUIRED_STAGES
from reporting.pdf import lpj_pdf
from reporting.photos import photo_max_bytes

PAGE_SIZE = 30


def _year(request) -> int | None:
    return query_year(request)


def _site_url(proposal) -> str:
    return reverse("reporting:site", args=[proposal.pk])


def _site_to_record(user, pk):
    """The site, for the one who records its work now (work days, swadaya); else 404."""
    proposal = selectors.site_for(user, pk)
    if not reporting_rules.may_record_work(user, proposal):
        raise Http404
    return proposal


# --- Lists ------------------------------------------------------------------------------------


@login_required
@require_GET
def index(request):
    """The Ketua RT's sites as big cards; the offices' sites with totals by area."""
    user = request.user
    year = _year(request)
    state = query_choice(request, "tahap", selectors.EXECUTION_STATES, default="")
    if user.role != Role.RT and not query_present(request, "tahun"):
        # The offices' list and its totals show the latest year unless "Semua" (tahun=) is
        # chosen: summing every year on every request grows with the programme's age.
        year = year_numbers().first()
    if user.role == Role.RT:
        sites = selectors.with_site_figures(selectors.sites_for(user, year=year))
        return render(request, "reporting/index_rt.html", {"sites": sites})
    page = Paginator(selectors.sites_for(user, year=year, state=state or None), PAGE_SIZE).get_page(
        query_page(request)
    )
    page.object_list = selectors.with_site_figures(page.object_list)
    by = "kecamatan" if user.is_city_wide else "kelurahan"
    return render(
        request,
        "reporting/index.html",
        {
            "page": page,
            "year": year,
            "state": state,
            "states": [(s, State(s).label) for s in selectors.EXECUTION_STATES],
            "years": year_numbers(),
            "area_totals": selectors.execution_totals(user, by=by, year=year),
            "area_label": "Kecamatan" if by == "kecamatan" else "Kelurahan",
        },
    )


@login_required
@require_GET
def savings_view(request):
    if not reporting_rules.sees_savings(request.user):
        raise Http404
    years = list(year_numbers())
    # One year unless "Semua" (tahun=) is asked for: every year on every request grows with
    # the programme's age. The rows come a page at a time; the totals cover them all.
    year = _year(request) if query_present(request, "tahun") else (years[0] if years else None)
    table = savings.savings_table(
        request.user, year=year, page_number=query_page(request), per_page=PAGE_SIZE
    )
    page = table.page
    return render(
        request,
        "reporting/savings.html",
        {"table": table, "page": page, "year": year, "years": years},
    )


# --- A site ----------------------------------------------------------------------------------


@login_required
@require_GET
def site(request, pk):
    proposal = selectors.site_for(request.user, pk)
    detail = selectors.site_detail(proposal)
    user = request.user
    context = {
        "site": detail,
        "proposal": proposal,
        "can_record": reporting_rules.may_record_work(user, proposal),
        "can_write_report": reporting_rules.may_write_report(user, proposal),
        "show_flags": reporting_rules.sees_red_flags(user),
        "can_review": reporting_rules.may_review_report(user, proposal),
        "can_countersign": reporting_rules.may_countersign_report(user, proposal, detail.report),
        "last_return": (
            proposal.transitions.filter(transition="return_report").order_by("-id").first()
            if proposal.state == State.IN_PROGRESS
            else None
        ),
    }
    return render(request, "reporting/site.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def work_day_add(request, pk):
    proposal = _site_to_record(request.user, pk)
    form = WorkDayForm(request.POST or None, request.FILES or None, earliest=_earliest(proposal))
    if (
        request.method == "POST"
        and form.is_valid()
        and perform(
            request,
            services.work_day_add,
            proposal=proposal,
            **form.service_fields(),
            success=lambda day: (
                f"Hari kerja {_day_text(day)} dicatat: {day.participants} orang, "
                f"{angka(day.person_days)} HOK."
            ),
        )
    ):
        return redirect(_site_url(proposal))
    return render(request, "reporting/work_day_form.html", {"proposal": proposal, "form": form})


def _earliest(proposal):
    return selectors.designation(proposal).first_date


def _day_text(day) -> str:
    return f"{day.date:%d-%m-%Y}" + (f" ({day.label})" if day.label else "")


@login_required
@require_http_methods(["GET", "POST"])
def work_day_edit(request, pk):
    """Correct a recorded session; possible until the completion report is submitted."""
    day = selectors.work_day_for(request.user, pk)
    proposal = day.proposal
    if not reporting_rules.may_record_work(request.user, proposal):
        if reporting_rules.is_recorder_of(request.user, proposal):
            messages.error(
                request,
                "Hari kerja tidak dapat diubah lagi: laporan penyelesaian sudah diajukan.",
            )
            return redirect(_site_url(proposal))
        raise Http404
    form = WorkDayForm(
        request.POST or None, request.FILES or None, work_day=day, earliest=_earliest(proposal)
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and perform(
            request,
            services.work_day_update,
            work_day=day,
            **form.service_fields(),
            success=lambda day: f"Hari kerja {_day_text(day)} diperbarui.",
        )
    ):
        return redirect(_site_url(proposal))
    return render(
        request,
        "reporting/work_day_form.html",
        {"proposal": proposal, "form": form, "work_day": day},
    )


work_day_remove = object_action(
    services.work_day_remove,
    find=selectors.work_day_for,
    param="work_day",
    success=lambda day: f"Hari kerja {_day_text(day)} dihapus.",
    then=lambda day: _site_url(day.proposal),
)


@login_required
@require_GET
def attendance_file(request, pk):
    """The attendance sheet names residents: only for those who may see the site."""
    day = selectors.work_day_for(request.user, pk)
    if not day.attendance_photo:
        raise Http404
    return file_response(
        day.attendance_photo,
        content_type=day.attendance_content_type or "application/octet-stream",
        filename=os.path.basename(day.attendance_photo.name),
    )


@login_required
@require_http_methods(["GET", "POST"])
def contribution_add(request, pk):
    proposal = _site_to_record(request.user, pk)
    form = ContributionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if perform(
            request,
            services.contribution_add,
            proposal=proposal,
            kind=data["kind"],
            description=data["description"],
            quantity=data.get("quantity"),
            unit=data.get("unit", ""),
            value=data["value"],
            contributor=data["contributor"],
            date=data["date"],
            success=lambda item: f"Swadaya dicatat: {item.description}.",
        ):
            return redirect(_site_url(proposal))
    return render(request, "reporting/contribution_form.html", {"proposal": proposal, "form": form})


contribution_remove = object_action(
    services.contribution_remove,
    find=selectors.contribution_for,
    param="contribution",
    success=lambda item: f"Swadaya '{item.description}' dihapus.",
    then=lambda item: _site_url(item.proposal),
)


# --- Photos -----------------------------------------------------------------------------------


def _photo_json(result, *, status=200):
    photo = result.photo
    return JsonResponse(
        {
            "ok": True,
            "id": photo.pk,
            "created": result.created,
            "stage": photo.stage,
            "thumbnail": reverse("reporting:photo_thumbnail", args=[photo.pk]),
            "message": (
                f"Foto {photo.stage}% tersimpan."
                if result.created
                else f"Foto ini sudah tersimpan ({photo.stage}%)."
            ),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def photo_upload(request, pk):
    try:
        proposal = selectors.site_for(request.user, pk)
    except Http404:
        if request.method == "POST" and wants_json(request):
            return json_refused("Lokasi tidak ditemukan.", status=404)
        raise
    if not reporting_rules.may_record_work(request.user, proposal):
        if wants_json(request):
            return json_refused("Foto tidak dapat ditambahkan pada tahap ini.", status=403)
        raise Http404
    if request.method == "POST" and "photo" in request.FILES:
        return _photo_upload_one(request, proposal)
    detail = selectors.site_detail(proposal)
    missing = [s for s in REQUIRED_STAGES if s not in detail.photos_by_stage]
    form = PhotoUploadForm(
        request.POST or None,
        request.FILES or None,
        initial={"stage": missing[0] if missing else REQUIRED_STAGES[-1]},
    )
    if request.method == "POST":
        if not form.is_valid():
            say_form_errors(request, form)
        else:
            saved = 0
            for upload in form.cleaned_data["photos"]:
                # Each photo in its own transaction: one bad file does not lose the others.
                try:
                    result = services.photo_add(
                        proposal=proposal,
                        actor=request.user,
                        stage=form.cleaned_data["stage"],
                        upload=upload,
                        caption=form.cleaned_data.get("caption", ""),
                    )
                except ActionRefused as exc:
                    say_refused(request, exc)
                else:
                    saved += result.created
            if saved:
                messages.success(request, f"{saved} foto tersimpan.")
            return redirect(reverse("reporting:photo_upload", args=[proposal.pk]))
    return render(
        request,
        "reporting/photo_form.html",
        {
            "proposal": proposal,
            "form": form,
            "site": detail,
            "send_original_up_to": CLIENT_SEND_ORIGINAL_UP_TO,
            "max_bytes": photo_max_bytes(),
        },
    )


def _photo_upload_one(request, proposal):
    form = SinglePhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        return json_refused(" ".join(form_errors(form)))
    data = form.cleaned_data
    try:
        result = services.photo_add(
            proposal=proposal,
            actor=request.user,
            stage=data["stage"],
            upload=data["photo"],
            caption=data.get("caption", ""),
            client=form.client_image(),
        )
    except NotInScope:
        return json_refused("Lokasi tidak ditemukan.", status=404)
    except ActionRefused as exc:
        if not wants_json(request):
            say_refused(request, exc)
            return redirect(reverse("reporting:photo_upload", args=[proposal.pk]))
        return json_refused(exc.message)
    if not wants_json(request):
        messages.success(request, "Foto tersimpan.")
        return redirect(reverse("reporting:photo_upload", args=[proposal.pk]))
    return _photo_json(result, status=201 if result.created else 200)


photo_withdraw = object_action(
    services.photo_withdraw,
    find=selectors.photo_for,
    param="photo",
    success=lambda photo: f"Foto {photo.stage}% ditarik dari laporan.",
    then=lambda photo: _site_url(photo.proposal),
)


@login_required
@require_GET
def photo_display(request, pk):
    """The EXIF-free display copy, for whoever may see the site."""
    return stored_image_response(selectors.photo_for(request.user, pk).display, pending=True)


@login_required
@require_GET
def photo_thumbnail(request, pk):
    return stored_image_response(selectors.photo_for(request.user, pk).thumbnail, pending=True)


@login_required
@require_GET
def photo_original(request, pk):
    """The file as uploaded (with its EXIF and GPS): evidence for the offices, never public."""
    if not reporting_rules.sees_photo_originals(request.user):
        raise Http404
    photo = selectors.photo_for(request.user, pk)
    return stored_image_response(
        photo.original, content_type="application/octet-stream", download=True
    )


# --- The completion report -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def report_edit(request, pk):
    proposal = selectors.site_for(request.user, pk)
    if not reporting_rules.may_write_report(request.user, proposal):
        return redirect(reverse("reporting:review", args=[proposal.pk]))
    detail = selectors.site_detail(proposal)
    initial = {}
    if detail.report is not None:
        initial = {
            "realised_volume": detail.report.realised_volume,
            "problems": detail.report.problems,
        }
    form = ReportForm(request.POST or None, initial=initial, materials=detail.materials)
    if (
        request.method == "POST"
        and form.is_valid()
        and perform(
            request,
            services.report_save,
            proposal=proposal,
            realised_volume=form.cleaned_data["realised_volume"],
            problems=form.cleaned_data["problems"],
            usage=form.usage(),
            success="Laporan disimpan.",
        )
    ):
        return redirect(reverse("reporting:report", args=[proposal.pk]) + "#ajukan")
    return render(
        request,
        "reporting/report_form.html",
        {"proposal": proposal, "site": detail, "form": form},
    )


@login_required
@require_POST
def report_submit(request, pk):
    proposal = selectors.site_for(request.user, pk)
    try:
        services.report_submit(proposal=proposal, actor=request.user)
    except ActionRefused as exc:
        say_refused(request, exc)
        return redirect(reverse("reporting:report", args=[proposal.pk]) + "#ajukan")
    messages.success(request, "Laporan penyelesaian diajukan ke kelurahan.")
    return redirect(_site_url(proposal))


@login_required
@require_http_methods(["GET", "POST"])
def review(request, pk):
    """The report as the offices read it; the kelurahan accepts or returns it here."""
    proposal = selectors.site_for(request.user, pk)
    user = request.user
    items = selectors.report_checklist(proposal)
    can_review = reporting_rules.may_review_report(user, proposal)
    form = ReviewForm(request.POST or None, items=items)
    if request.method == "POST":
        if not can_review or not form.is_valid():
            messages.error(request, "Permintaan tidak dapat diproses. Muat ulang halaman.")
            return redirect(reverse("reporting:review", args=[proposal.pk]))
        data = form.cleaned_data
        if (
            data["decision"] == "accept"
            and not is_confirmed(request)
            and not services.checklist_gaps(items, form.answers())
        ):
            return _confirm_accept(request, proposal, items, form)
        try:
            if data["decision"] == "accept":
                services.report_accept(
                    proposal=proposal, actor=user, checklist=form.answers(), note=data["note"]
                )
                messages.success(request, "Laporan diterima; kegiatan selesai.")
            else:
                services.report_return(
                    proposal=proposal, actor=user, reason=data["note"], checklist=form.answers()
                )
                messages.success(request, "Laporan dikembalikan ke Ketua RT.")
        except ActionRefused as exc:
            say_refused(request, exc)
            return redirect(reverse("reporting:review", args=[proposal.pk]) + "#keputusan")
        return redirect(reverse("reporting:review", args=[proposal.pk]))
    detail = selectors.site_detail(proposal)
    estimate = savings.estimate_for(proposal) if proposal.state == State.COMPLETED else None
    return render(
        request,
        "reporting/review.html",
        {
            "proposal": proposal,
            "site": detail,
            "checklist": items,
            "can_review": can_review,
            "can_countersign": reporting_rules.may_countersign_report(
                user, proposal, detail.report
            ),
            "countersign_form": CountersignForm(),
            "show_flags": reporting_rules.sees_red_flags(user),
            "estimate": estimate,
        },
    )


def _confirm_accept(request, proposal, items, form):
    """What accepting the report does, with what was checked, before the lurah says yes."""
    review_url = reverse("reporting:review", args=[proposal.pk])
    return ask_to_confirm(
        request,
        "reporting/confirm_accept.html",
        Confirmation(
            title=f"Terima laporan “{proposal.title}”?",
            action=review_url,
            back=review_url + "#keputusan",
            button="Ya, terima laporan",
            consequences=[
                "Kegiatan dinyatakan selesai; laporan tidak dapat dikembalikan lagi ke Ketua RT.",
                "Hari kerja, swadaya dan foto lokasi ini tidak dapat diubah lagi.",
                f"Camat {proposal.kelurahan.kecamatan.name} dapat mengetahui laporan ini dan "
                "LPJ dapat diunduh.",
            ],
        ),
        proposal=proposal,
        site=selectors.site_detail(proposal),
        checked=[item.text for item in items],
        note=form.cleaned_data["note"],
    )


@login_required
@require_POST
def countersign(request, pk):
    proposal = selectors.site_for(request.user, pk)
    form = CountersignForm(request.POST)
    if not form.is_valid():
        # An invalid note is not dropped to sign anyway: nothing is signed, the camat is told.
        say_form_errors(request, form, prefix="Catatan: ")
        return redirect(reverse("reporting:review", args=[proposal.pk]))
    perform(
        request,
        services.report_countersign,
        proposal=proposal,
        note=form.cleaned_data["note"],
        success="Laporan ditandatangani (mengetahui Camat).",
    )
    return redirect(reverse("reporting:review", args=[proposal.pk]))


@login_required
@require_GET
def lpj(request, pk):
    proposal = selectors.site_for(request.user, pk)
    name = f"LPJ-{filename_part(proposal.code)}.pdf"
    return content_response(lpj_pdf(proposal), "application/pdf", name, cache="private, no-store")
