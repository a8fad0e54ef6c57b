"""The public home ``/`` for a visitor who is not signed in: what the programme is, this
year's figures, the latest completed sites with their photos before and after, and the way to
the map and the open data. Nothing personal; a fixed number of queries."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from bangkit import years
from portal import public_cache, public_figures


@require_GET
@public_cache.for_visitors("home", ("tahun",))
def home(request):
    fiscal_years = years.fiscal_years_newest_first()
    fiscal_year = years.pick_fiscal_year(request, fiscal_years)
    figures = public_figures.of_year(fiscal_year.year) if fiscal_year else None
    return render(
        request,
        "portal/public_home.html",
        {
            "fiscal_year": fiscal_year,
            "figures": figures,
            "completed": public_figures.latest_completed(),
            "years": [fy.year for fy in fiscal_years],
        },
    )
