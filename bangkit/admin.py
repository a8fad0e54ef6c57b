"""Admin for regions, users, fiscal years and the audit trail; users and the rules of each year
show their history."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from bangkit import rules
from bangkit.admin_scoping import ReadOnlyAdmin, ScopedAdmin, ScopedHistoryAdmin, created_in_filter
from bangkit.models import (
    AUDIT_ACTION_LABELS,
    RT,
    AuditEvent,
    CeilingTier,
    ChecklistItem,
    FiscalYear,
    Kecamatan,
    Kelurahan,
    RequiredDocument,
    SlumArea,
    User,
    WorkType,
    audit_action_label,
)

admin.site.site_header = "Bangkit Berdaya — Kota Jambi"
admin.site.site_title = "Bangkit Berdaya"
admin.site.index_title = _("Administrasi program")


@admin.register(Kecamatan)
class KecamatanAdmin(ScopedAdmin):
    list_display = ["code", "name", "abbreviation"]
    search_fields = ["name", "code"]


@admin.register(Kelurahan)
class KelurahanAdmin(ScopedAdmin):
    list_display = ["code", "name", "kecamatan", "bps_code", "valid_from_year"]
    list_filter = ["kecamatan", "valid_from_year"]
    search_fields = ["name", "code", "aliases"]
    list_select_related = ["kecamatan"]


@admin.register(RT)
class RTAdmin(ScopedAdmin):
    list_display = ["__str__", "kelurahan", "head_name", "households", "active"]
    list_filter = ["kelurahan__kecamatan", "active"]
    search_fields = ["kelurahan__name", "head_name"]
    list_select_related = ["kelurahan"]
    edit_rule = staticmethod(rules.keeps_city_data)


@admin.register(SlumArea)
class SlumAreaAdmin(ScopedAdmin):
    list_display = [
        "kelurahan",
        "hectares",
        "decree_number",
        "decree_year",
        "valid_from_year",
        "valid_until_year",
    ]
    list_filter = ["kelurahan__kecamatan", "decree_year"]
    search_fields = ["kelurahan__name", "decree_number"]
    list_select_related = ["kelurahan__kecamatan"]
    edit_rule = staticmethod(rules.keeps_city_data)


@admin.register(User)
class UserAdmin(ScopedHistoryAdmin, BaseUserAdmin):
    list_display = [
        "username",
        "get_full_name",
        "role",
        "rt",
        "kelurahan",
        "kecamatan",
        "is_active",
    ]
    list_filter = ["role", "is_active", "is_staff"]
    list_select_related = ["rt__kelurahan", "kelurahan", "kecamatan"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (
            _("Peran dan wilayah"),
            {"fields": ("role", "rt", "kelurahan", "kecamatan", "phone", "position", "nip")},
        ),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Peran dan wilayah"), {"fields": ("role", "rt", "kelurahan", "kecamatan")}),
    )
    autocomplete_fields = ["rt"]

    def get_queryset(self, request):
        # Users are not area records: only city-wide staff see the list.
        qs = admin.ModelAdmin.get_queryset(self, request)
        return qs if request.user.is_city_wide else qs.none()

    def _in_scope(self, request, obj):
        return request.user.is_city_wide


class BappedaInline:
    """Inlines of the programme rules follow the same role rules as their parent."""

    edit_rule = staticmethod(rules.keeps_city_data)
    extra = 0

    def has_add_permission(self, request, obj=None):
        return ScopedAdmin._may_edit(self, request)

    def has_change_permission(self, request, obj=None):
        return ScopedAdmin._may_edit(self, request)

    def has_delete_permission(self, request, obj=None):
        return ScopedAdmin._may_edit(self, request)

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff


class CeilingTierInline(BappedaInline, admin.TabularInline):
    model = CeilingTier


class RequiredDocumentInline(BappedaInline, admin.TabularInline):
    model = RequiredDocument


class ChecklistItemInline(BappedaInline, admin.TabularInline):
    model = ChecklistItem


@admin.register(FiscalYear)
class FiscalYearAdmin(ScopedHistoryAdmin):
    list_display = ["year", "status", "ceiling_amount", "total_budget", "daily_wage"]
    filter_horizontal = ["work_types"]
    inlines = [CeilingTierInline, RequiredDocumentInline, ChecklistItemInline]
    history_related = [
        (CeilingTier, "fiscal_year"),
        (RequiredDocument, "fiscal_year"),
        (ChecklistItem, "fiscal_year"),
    ]
    edit_rule = staticmethod(rules.keeps_city_data)


@admin.register(WorkType)
class WorkTypeAdmin(ScopedAdmin):
    list_display = ["name", "code", "unit", "has_width", "active"]
    edit_rule = staticmethod(rules.keeps_city_data)


class AuditActionFilter(admin.SimpleListFilter):
    """The actions that were recorded, by their Indonesian words (the codes stay in the URL)."""

    title = _("tindakan")
    parameter_name = "tindakan"

    def lookups(self, request, model_admin):
        # Every action an app registered, not the distinct actions of every row (a scan of
        # the whole table on each page).
        labels = {code: audit_action_label(code) for code in AUDIT_ACTION_LABELS}
        return sorted(labels.items(), key=lambda item: item[1])

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "actor",
        "action_shown",
        "content_type",
        "object_id",
        "summary",
    ]
    list_filter = [AuditActionFilter, created_in_filter("created_at"), "content_type"]
    fields = ["created_at", "actor", "action_shown", "content_type", "object_id", "summary", "data"]
    readonly_fields = ["created_at", "action_shown"]
    search_fields = ["summary", "object_id", "actor__username"]
    list_select_related = ["actor", "content_type"]

    @admin.display(description=_("tindakan"), ordering="action")
    def action_shown(self, event):
        return event.action_label
