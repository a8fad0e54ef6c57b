"""Admin for reporting: the records are read-only here (they change only through the services,
which audit them); the Inspektorat reads everything, photo warnings included; Bappeda keeps
the contractor cost parameters of the savings estimate."""

import functools

from django.contrib import admin
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join

from bangkit.admin_scoping import (
    ReadOnlyAdmin,
    ReadOnlyInline,
    ScopedAdmin,
    created_in_filter,
    kecamatan_filter,
)
from bangkit.services import audit_record
from bangkit.templatetags.rupiah import angka
from reporting import rules as reporting_rules
from reporting.models import (
    REQUIRED_STAGES,
    CompletionReport,
    ContractorCostParameters,
    MaterialUsage,
    ProgressPhoto,
    SwadayaContribution,
    WorkDay,
)


@functools.cache
def _url_around(name: str) -> tuple[str, str] | None:
    """The URL of `name` split around its id: reversed once, not once per row."""
    try:
        url = reverse(name, args=[0])
    except NoReverseMatch:  # the reporting screens are not routed (yet)
        return None
    head, _, tail = url.rpartition("/0")
    return head + "/", tail


def _url(name: str, pk) -> str | None:
    around = _url_around(name)
    return f"{around[0]}{int(pk)}{around[1]}" if around else None


class PhotoStageFilter(admin.SimpleListFilter):
    """The stages the report needs, and the others: a fixed list, not a SELECT DISTINCT over
    every photo of every year."""

    title = "tahap (%)"
    parameter_name = "tahap"

    def lookups(self, request, model_admin):
        return [(str(s), f"{s}%") for s in REQUIRED_STAGES] + [("lain", "tahap lain")]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "lain":
            return queryset.exclude(stage__in=REQUIRED_STAGES)
        if value in {str(s) for s in REQUIRED_STAGES}:
            return queryset.filter(stage=int(value))
        return queryset


@admin.register(WorkDay)
class WorkDayAdmin(ReadOnlyAdmin):
    list_display = [
        "proposal",
        "date",
        "session",
        "group",
        "men",
        "women",
        "hours",
        "person_days_shown",
        "recorded_by",
    ]
    list_filter = [
        created_in_filter("date", "tanggal", dates=True),
        "proposal__fiscal_year",
        kecamatan_filter("proposal__kelurahan__kecamatan"),
    ]
    search_fields = ["proposal__code", "proposal__title", "activity"]
    list_select_related = ["proposal", "recorded_by"]

    @admin.display(description="HOK (hari orang kerja)")
    def person_days_shown(self, day):
        return angka(day.person_days)


@admin.register(SwadayaContribution)
class SwadayaContributionAdmin(ReadOnlyAdmin):
    list_display = ["proposal", "date", "kind", "description", "value", "contributor"]
    list_filter = ["kind", "proposal__fiscal_year", "proposal__kelurahan__kecamatan"]
    search_fields = ["proposal__code", "description", "contributor"]
    list_select_related = ["proposal"]


class FlaggedFilter(admin.SimpleListFilter):
    title = "tanda peringatan"
    parameter_name = "tanda"

    def lookups(self, request, model_admin):
        return [
            ("duplicate", "Foto sama persis"),
            ("near_duplicate", "Foto hampir sama"),
            ("far_from_site", "Jauh dari lokasi"),
            ("before_decree", "Sebelum SK"),
            ("not_same_spot", "100% bukan dari tempat 0%"),
            ("client_metadata", "Waktu/GPS dari ponsel"),
        ]

    def queryset(self, request, queryset):
        if self.value():
            # A JSON lookup that works on SQLite and PostgreSQL alike: the code as text.
            return queryset.filter(flags__icontains=f'"code": "{self.value()}"')
        return queryset


@admin.register(ProgressPhoto)
class ProgressPhotoAdmin(ReadOnlyAdmin):
    list_display = [
        "thumb",
        "proposal",
        "stage",
        "taken_at",
        "metadata_source",
        "warning_count",
        "uploaded_by",
        "withdrawn_at",
    ]
    list_filter = [FlaggedFilter, PhotoStageFilter, "metadata_source", "proposal__fiscal_year"]
    search_fields = ["proposal__code", "sha256", "phash"]
    list_select_related = ["proposal", "uploaded_by"]
    exclude = ["original", "display", "thumbnail", "flags", "client_token"]
    readonly_fields = ["thumb", "flag_list"]

    @admin.display(description="foto")
    def thumb(self, obj):
        url = _url("reporting:photo_thumbnail", obj.pk)
        if not url:
            return "–"
        # Sized by static/css/admin.css: the CSP refuses inline styles.
        return format_html('<img src="{}" alt="" class="admin-thumb">', url)

    @admin.display(description="peringatan")
    def warning_count(self, obj):
        return len(obj.warnings)

    @admin.display(description="tanda peringatan")
    def flag_list(self, obj):
        if not obj.flags:
            return "–"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "", "<li>[{}] {}</li>", ((f.get("code"), f.get("message")) for f in obj.flags)
            ),
        )


class MaterialUsageInline(ReadOnlyInline):
    model = MaterialUsage
    fields = ["description", "unit", "delivered", "used", "leftover", "note"]


@admin.register(CompletionReport)
class CompletionReportAdmin(ReadOnlyAdmin):
    list_display = [
        "proposal",
        "realised_volume",
        "submitted_at",
        "accepted_at",
        "countersigned_at",
    ]
    list_filter = ["proposal__state", "proposal__fiscal_year"]
    search_fields = ["proposal__code", "proposal__title"]
    list_select_related = ["proposal"]
    inlines = [MaterialUsageInline]


@admin.register(ContractorCostParameters)
class ContractorCostParametersAdmin(ScopedAdmin):
    """City-wide data: Bappeda edits it, every staff account may read it."""

    list_display = [
        "fiscal_year",
        "overhead_profit_percent",
        "ppn_percent",
        "count_in_kind_contributions",
        "updated_at",
    ]
    edit_rule = staticmethod(reporting_rules.may_set_contractor_costs)

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def get_queryset(self, request):
        return ContractorCostParameters.objects.select_related("fiscal_year")

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="contractor_parameters_change" if change else "contractor_parameters_add",
            obj=obj,
            summary=str(obj),
            data={name: str(form.cleaned_data.get(name)) for name in form.changed_data},
        )
