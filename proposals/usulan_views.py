"""Staff pages of e-Planning: the kelurahan's queue of residents' usulan and its decisions,
the Ketua RT's list for the year with its order and meeting, and Bappeda's carry-over."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bangkit.confirm import Confirmation, ask_to_confirm, is_confirmed
from bangkit.downloads import file_response
from bangkit.errors import ActionRefused
from bangkit.images import stored_image_response
from bangkit.models import RT, FiscalYear
from bangkit.params import plain_int, query_int, query_page
from bangkit.refusals import perform, say_form_errors, say_refused
from proposals import carry_over, resident_usulan, rt_list, rules, selectors
from proposals.models import MusrenbangEntry, ResidentUsulan, RTMeeting
from proposals.usulan_forms import AcceptForm, CarryOverForm, MeetingForm, RejectForm

PAGE_SIZE = 25


def _usulan_for(user, code) -> ResidentUsulan:
    return ResidentUsulan.objects.select_related(
        "kelurahan__kecamatan", "rt", "work_type", "entry"
    ).get_visible_or_404(user, code=code)


# --- the kelurahan's queue ------------------------------------------------------------------


@login_required
@require_GET
def usulan_queue(request):
    """Residents' usulan waiting in the user's area, oldest first; decided ones below."""
    visible = ResidentUsulan.objects.visible_to(request.user).select_related("rt", "kelurahan")
    pending = visible.filter(status=ResidentUsulan.Status.PENDING).order_by("created_at", "id")
    page = Paginator(pending, PAGE_SIZE).get_page(query_page(request))
    decided = visible.exclude(status=ResidentUsulan.Status.PENDING).order_by("-decided_at")[:10]
    return render(
        request,
        "proposals/usulan_queue.html",
        {"page": page, "decided": decided, "pending_count": page.paginator.count},
    )


@login_required
@require_GET
def usulan_detail(request, code):
    usulan = _usulan_for(request.user, code)
    may_decide = rules.may_moderate_usulan(request.user, usulan) and usulan.is_pending
    return render(
        request,
        "proposals/usulan_detail.html",
        {
            "usulan": usulan,
            "may_decide": may_decide,
            "suggestions": resident_usulan.duplicate_suggestions(usulan) if may_decide else [],
            "rt_entries": MusrenbangEntry.objects.filter(year=usulan.year, rt=usulan.rt).order_by(
                "source_id"
            )
            if may_decide
            else [],
            "accept_form": AcceptForm(initial={"work_type": usulan.work_type}),
            "reject_form": RejectForm(),
        },
    )


def _photo(request, code, field):
    usulan = _usulan_for(request.user, code)
    return stored_image_response(getattr(usulan, field), max_age=600)


@login_required
@require_GET
def usulan_photo(request, code):
    return _photo(request, code, "photo")


@login_required
@require_GET
def usulan_thumbnail(request, code):
    return _photo(request, code, "photo_thumbnail")


@login_required
@require_POST
def usulan_decide(request, code):
    usulan = _usulan_for(request.user, code)
    back = reverse("proposals:usulan_detail", kwargs={"code": usulan.code})
    action = request.POST.get("action", "")
    if action == "accept":
        form = AcceptForm(request.POST)
        if not form.is_valid():
            # A work type that is not in the list is refused, not dropped: accepted without
            # one, the entry would silently lose what the lurah chose.
            for error in form.errors.get("work_type", []):
                messages.error(request, f"{form.fields['work_type'].label}: {error}")
            return redirect(back)
        service = resident_usulan.usulan_accept
        given = {"work_type": form.cleaned_data.get("work_type")}
        success = f"Usulan {usulan.code} diterima ke daftar Musrenbang {usulan.rt.label}."
    elif action == "merge":
        entry_id = plain_int(request.POST.get("entry"))
        entry = (
            MusrenbangEntry.objects.visible_to(request.user)
            .filter(pk=entry_id, year=usulan.year)
            .first()
            if entry_id is not None
            else None
        )
        if entry is None:
            messages.error(request, "Pilih usulan Musrenbang yang akan digabung.")
            return redirect(back)
        service = resident_usulan.usulan_merge
        given = {"entry": entry}
        success = f"Usulan {usulan.code} digabung dengan {entry.source_id}."
    elif action == "reject":
        form = RejectForm(request.POST)
        if not form.is_valid():
            say_form_errors(request, form)
            return redirect(back)
        service = resident_usulan.usulan_reject
        given = {"reason": form.cleaned_data["reason"], "note": form.cleaned_data["note"]}
        success = f"Usulan {usulan.code} ditolak."
    else:
        messages.error(request, "Tindakan tidak dikenal.")
        return redirect(back)
    done = perform(request, service, usulan=usulan, success=success, **given)
    return redirect("proposals:usulan_queue" if done else back)


# --- the RT's list and meeting --------------------------------------------------------------


def _rt_and_year(request):
    user = request.user
    if user.role != "rt" or user.rt_id is None:
        raise Http404
    open_years = list(
        FiscalYear.objects.filter(status=FiscalYear.Status.OPEN)
        .order_by("-year")
        .values_list("year", flat=True)
    )
    year = query_int(request, "tahun", max_digits=4)
    if year not in open_years:
        year = open_years[0] if open_years else None
    return RT.objects.select_related("kelurahan").get(pk=user.rt_id), year, open_years


@login_required
@require_GET
def rt_list_page(request):
    rt, year, years = _rt_and_year(request)
    entries = list(rt_list.rt_list(rt, year)) if year else []
    meeting = RTMeeting.objects.filter(rt=rt, year=year).first() if year else None
    live = {}
    if entries:
        live = {
            e.pk: e
            for e in selectors.musrenbang_entries_for(request.user).filter(
                pk__in=[x.pk for x in entries]
            )
        }
    return render(
        request,
        "proposals/rt_list.html",
        {
            "rt": rt,
            "year": year,
            "years": years,
            "entries": [(e, live.get(e.pk)) for e in entries],
            "meeting": meeting,
            "meeting_form": MeetingForm(
                initial={"held_on": meeting.held_on, "attendance": meeting.attendance}
                if meeting
                else None
            ),
        },
    )


@login_required
@require_POST
def rt_list_move(request, pk):
    entry = get_object_or_404(MusrenbangEntry.objects.visible_to(request.user), pk=pk)
    perform(
        request,
        rt_list.rt_list_move,
        entry=entry,
        direction=request.POST.get("direction", ""),
    )
    return redirect(f"{reverse('proposals:rt_list')}?tahun={entry.year}#entry-{entry.pk}")


@login_required
@require_POST
def rt_meeting(request):
    rt, year, _years = _rt_and_year(request)
    posted_year = plain_int(request.POST.get("year"), max_digits=4)
    year = posted_year if posted_year is not None else year
    form = MeetingForm(request.POST, request.FILES)
    if not form.is_valid():
        say_form_errors(request, form, labelled=True)
    else:
        try:
            rt_list.rt_meeting_record(rt=rt, year=year, actor=request.user, **form.cleaned_data)
        except ActionRefused as refused:
            say_refused(request, refused)
        else:
            messages.success(request, f"Rapat {rt.label} tahun {year} tercatat.")
    return redirect(f"{reverse('proposals:rt_list')}?tahun={year}")


@login_required
@require_GET
def rt_meeting_minutes(request, pk):
    meeting = get_object_or_404(RTMeeting.objects.visible_to(request.user), pk=pk)
    if not meeting.minutes:
        raise Http404
    content_type = "application/pdf" if meeting.minutes.name.endswith(".pdf") else "image/jpeg"
    return file_response(meeting.minutes, content_type=content_type, max_age=600)


# --- carry-over -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def carry_over_page(request):
    if not rules.may_carry_over(request.user):
        raise Http404
    form = CarryOverForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        chosen = carry_over.CarryFilter(
            kecamatan=form.cleaned_data["kecamatan"],
            kelurahan=form.cleaned_data["kelurahan"],
            work_type=form.cleaned_data["work_type"],
        )
        year = form.cleaned_data["year"]
        if not is_confirmed(request):
            count = carry_over.unfunded_entries(year, chosen).count()
            return ask_to_confirm(
                request,
                "confirm.html",
                Confirmation(
                    title=f"Bawa {count} usulan Musrenbang {year} ke tahun {year + 1}?",
                    action=reverse("proposals:carry_over"),
                    back=reverse("proposals:carry_over"),
                    button="Ya, bawa usulan",
                    consequences=[
                        f"{count} usulan yang belum didanai masuk daftar Musrenbang {year + 1}, "
                        "dengan dukungan warganya dan tautan ke tahun asalnya.",
                        "Usulan yang sudah dibawa tidak dibawa dua kali.",
                    ],
                ),
            )
        try:
            outcome = carry_over.entries_carry_over(year=year, actor=request.user, chosen=chosen)
        except ActionRefused as refused:
            say_refused(request, refused)
        else:
            messages.success(
                request,
                f"{outcome.carried} usulan dibawa ke tahun {year + 1} "
                f"({outcome.supports} dukungan ikut; {outcome.already_there} sudah ada).",
            )
            return redirect("proposals:carry_over")
    return render(request, "proposals/carry_over.html", {"form": form})
