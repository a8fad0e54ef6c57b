"""The trail page at /audit/: read-only, filtered by area, actor, model, date, action and text."""

import datetime

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from audit import selectors
from audit import trail as timeline
from audit.evidence import build_evidence_zip
from audit.trail import ACTIONS, Cursor, attach_links, local_day_start, model_choices, trail_page
from bangkit.downloads import content_response, filename_part
from bangkit.indonesian import long_date
from bangkit.params import query_choice, query_int, query_params, query_text

FILTER_NAMES = ("kecamatan", "kelurahan", "pelaku", "model", "tindakan", "dari", "sampai", "q")
DATE_LABELS = {"dari": "Dari tanggal", "sampai": "Sampai tanggal"}


def _day(request, name: str, errors: list[str]):
    text = query_text(request, name, max_length=10)
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        errors.append(f"{DATE_LABELS[name]}: tulis tanggal seperti 2024-03-31.")
        return None


@login_required
@require_GET
def trail(request):
    user = request.user
    selectors.require_audit_access(user)
    errors: list[str] = []
    since, until = _day(request, "dari", errors), _day(request, "sampai", errors)
    reversed_range = bool(since and until and since > until)
    if reversed_range:
        errors.append(
            f"{DATE_LABELS['dari']} ({long_date(since)}) jatuh sesudah "
            f"{DATE_LABELS['sampai'].lower()} ({long_date(until)}): "
            "tukar kedua tanggal itu atau perbaiki salah satunya."
        )
    models = model_choices()
    kecamatan = query_int(request, "kecamatan", or_404=True)
    filters = selectors.trail_filters(
        user,
        kecamatan=kecamatan,
        kelurahan=query_int(request, "kelurahan", or_404=True),
        actor=query_text(request, "pelaku"),
        model=query_choice(request, "model", dict(models)),
        action=query_choice(request, "tindakan", ACTIONS),
        since=local_day_start(since) if since else None,
        until=local_day_start(until + datetime.timedelta(days=1)) if until else None,
        text=query_text(request, "q"),
    )
    cursor = Cursor.parse(query_text(request, "setelah"))
    # A range that ends before it starts holds nothing: no rows rather than a silent guess.
    page = (
        timeline.Page([], None)
        if reversed_range
        else trail_page(filters, cursor, size=timeline.PAGE_SIZE)
    )
    attach_links(page.entries, admin=user.is_staff)
    bound = query_params(request, FILTER_NAMES)
    context = {
        "entries": page.entries,
        "next_query": urlencode({**bound, "setelah": page.next_cursor})
        if page.next_cursor
        else None,
        "first_query": urlencode(bound),
        "is_later_page": cursor is not None,
        "bound": bound,
        "errors": errors,
        "kecamatan_list": selectors.kecamatan_choices(user),
        "kelurahan_list": selectors.kelurahan_choices(user, filters.kecamatan_id),
        "fixed_kecamatan": selectors.is_camat(user),
        "model_list": models,
        "action_list": list(ACTIONS.items()),
    }
    return render(request, "audit/trail.html", context)


@login_required
@require_GET
def evidence_zip(request, code):
    """A site's evidence pack, for whoever may audit the site (anyone else: 404)."""
    proposal = selectors.site_for(request.user, code)
    response = content_response(
        build_evidence_zip(proposal),
        "application/zip",
        f"bukti-{filename_part(proposal.code)}.zip",
        download=True,
        cache="private, no-store",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
