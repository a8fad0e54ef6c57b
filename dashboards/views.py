"""The dashboard pages: thin views that read the filters, call the selectors, render.

Anyone who may not see dashboards, and any area outside the user's scope, gets a 404."""

from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from bangkit.indonesian import long_date
from bangkit.params import query_choice, query_params
from dashboards import figures, pdf, records, report, selectors
from dashboards.filters import PARAMS, FilterError, default_filters, read_filters
from dashboards.rules import may_see_dashboards
from dashboards.tables import as_csv, as_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filters(request):
    if not may_see_dashboards(request.user):
        raise Http404
    return read_filters(request, request.user)


def _refused(request, error: FilterError, template="dashboards/index.html"):
    """The page with what was wrong (400), and the filter form set to the user's defaults so
    that the next choice is one click away."""
    defaults = default_filters(request.user)
    return render(
        request,
        template,
        {
            "errors": error.messages,
            "params": dict.fromkeys(PARAMS, "") | query_params(request, PARAMS),
            "filters": defaults,
            "choices": (
                selectors.filter_choices(request.user, defaults)
                if defaults.year_from is not None
                else None
            ),
            "map_figure": selectors.DEFAULT_MAP,
        },
        status=400,
    )


def _dashboard_view(template="dashboards/index.html"):
    """A signed-in GET view that gets the filters read from the query; a bad filter re-renders
    `template` with its messages (400), a user who may not see dashboards gets a 404."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                return view(request, _filters(request), *args, **kwargs)
            except FilterError as error:  # the filters, or what a view reads besides them
                return _refused(request, error, template)

        return login_required(require_GET(wrapper))

    return decorate


@_dashboard_view()
def index(request, filters):
    if filters.year_from is None:
        return render(request, "dashboards/index.html", {"empty": True})
    figure = query_choice(request, "peta", figures.KELURAHAN_FIGURES, default=selectors.DEFAULT_MAP)
    return render(
        request,
        "dashboards/index.html",
        {
            "board_html": selectors.dashboard_html(request.user, filters, map_figure=figure),
            "filters": filters,
            "query": filters.query(),
            "choices": selectors.filter_choices(request.user, filters),
            "map_figure": figure,
        },
    )


def _about(request, filters) -> list[tuple[str, str]]:
    """What a downloaded workbook covers, for whoever it is forwarded to."""
    now = timezone.localtime()
    page = request.build_absolute_uri(f"{reverse('dashboards:index')}?{filters.query()}")
    return [
        ("Wilayah", filters.area_label),
        ("Periode", filters.period_label.capitalize()),
        ("Jenis kegiatan", filters.work_type.name if filters.work_type else "Semua jenis"),
        ("Dibuat", f"{long_date(now)}, pukul {now:%H.%M} {now.tzname()}"),
        ("Halaman dasbor", page),
    ]


@_dashboard_view()
def download(request, filters, key, fmt):
    if filters.year_from is None:
        raise Http404
    board = selectors.dashboard(request.user, filters)
    span = (
        str(filters.year_from) if filters.single_year else f"{filters.year_from}-{filters.year_to}"
    )
    if key == "semua" and fmt == "xlsx":
        tables = board.tables
    else:
        table = board.table(key)
        if table is None:
            raise Http404
        tables = [table]
    if fmt == "csv":
        if len(tables) != 1:
            raise Http404
        response = HttpResponse(as_csv(tables[0]), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(as_xlsx(tables, _about(request, filters)), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="dasbor-{key}-{span}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    return response


@_dashboard_view()
def record_list(request, filters):
    if filters.year_from is None:
        raise Http404
    found = records.records(request, request.user, filters)
    # The pager's links carry the filters and what the list is of, not the page number.
    params = query_params(request, (*PARAMS, *records.LIST_PARAMS))
    return render(
        request,
        "dashboards/records.html",
        {"records": found, "filters": filters, "query": urlencode(params)},
    )


def _report_year(filters, year=None):
    if filters.year_from is None:
        raise Http404
    if year is not None:
        if year not in filters.all_years:
            raise Http404
    else:
        year = filters.year_to
    return filters.narrowed(year_from=year, year_to=year)


@_dashboard_view("dashboards/report_page.html")
def annual_report(request, filters):
    filters = _report_year(filters)
    context = report.annual_report(request.user, filters)
    return render(request, "dashboards/report_page.html", {**context, "filters": filters})


@_dashboard_view("dashboards/report_page.html")
def annual_report_pdf(request, filters, year):
    filters = _report_year(filters, year)
    data = pdf.annual_report_pdf(request.user, filters)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="laporan-walikota-{year}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
