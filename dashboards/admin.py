"""The closed years' summaries in the admin: read-only, to see when each was built and
whether a change made it stale (rebuilt by dashboards.tasks or build_dashboard_summary)."""

from django.contrib import admin

from bangkit.admin_scoping import ReadOnlyAdmin
from dashboards.models import YearSummary


@admin.register(YearSummary)
class YearSummaryAdmin(ReadOnlyAdmin):
    list_display = ("fiscal_year", "built_at", "stale", "stale_since", "proposals", "entries")
    list_filter = ("stale",)
    ordering = ("-fiscal_year__year",)
