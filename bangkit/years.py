"""Which fiscal year a page shows: ?tahun=, else the year the programme is working in."""

from django.http import Http404

from bangkit.models import FiscalYear
from bangkit.params import query_text

ACTIVE_YEAR_STATES = [
    FiscalYear.Status.VERIFICATION,
    FiscalYear.Status.EXECUTION,
    FiscalYear.Status.OPEN,
]


def year_numbers():
    """The fiscal years as numbers, newest first, for a page's year filter (not yet queried)."""
    return FiscalYear.objects.order_by("-year").values_list("year", flat=True)


def fiscal_years_newest_first() -> list[FiscalYear]:
    return list(FiscalYear.objects.order_by("-year"))


def pick_fiscal_year(request, years: list[FiscalYear]) -> FiscalYear | None:
    """?tahun=, else the latest year in verification, execution or open, else the latest."""
    wanted = (request.POST.get("tahun") or query_text(request, "tahun")).strip()
    if wanted:
        for fy in years:
            if str(fy.year) == wanted:
                return fy
        raise Http404
    for fy in years:
        if fy.status in ACTIVE_YEAR_STATES:
            return fy
    return years[0] if years else None
