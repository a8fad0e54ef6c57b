"""The Walikota's annual report for everyone: the city-wide figures of a closed or running year
as the signed-in report shows them (aggregates only, nothing personal), without signing in."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from bangkit.models import FiscalYear, Role, User
from dashboards import pdf
from dashboards.filters import default_filters

# Whom the public report is computed for: the city as the Walikota's office sees it. Never
# saved, never signed in; it only gives the selectors the city-wide scope.
CITY_READER = User(username="publik", role=Role.WALIKOTA)


def _years() -> list[int]:
    return list(FiscalYear.objects.order_by("-year").values_list("year", flat=True))


@require_GET
def report_index(request):
    """The years whose report can be downloaded, newest first."""
    return render(request, "dashboards/public_reports.html", {"years": _years()})


@require_GET
def report_pdf(request, year: int):
    # The city's report: whatever the address adds (an area, a work type) is not read, so a
    # visitor cannot have the server draw every combination.
    filters = default_filters(CITY_READER)
    if year not in filters.all_years:
        raise Http404
    filters = filters.narrowed(year_from=year, year_to=year)
    response = HttpResponse(pdf.annual_report_pdf(CITY_READER, filters), "application/pdf")
    response["Content-Disposition"] = f'inline; filename="laporan-walikota-{year}.pdf"'
    response["Cache-Control"] = "public, max-age=600"
    return response
