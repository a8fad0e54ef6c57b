"""Admin for the year's priority weights and the Camat's overrides.

Overrides are read-only, so the Inspektorat can audit the Camat's reasons.
"""

from django.contrib import admin

from bangkit.admin_scoping import ReadOnlyAdmin, ScopedAdmin
from verification.models import PriorityOverride, PriorityWeights
from verification.priority import rules


@admin.register(PriorityWeights)
class PriorityWeightsAdmin(ScopedAdmin):
    list_display = [
        "fiscal_year",
        "slum_area",
        "people_per_rupiah",
        "contribution",
        "supports",
        "years_waiting",
        "underserved",
        "one_per_kelurahan",
    ]
    list_select_related = ["fiscal_year"]
    edit_rule = staticmethod(rules.may_set_priority_weights)

    def get_readonly_fields(self, request, obj=None):
        return ["fiscal_year"] if obj is not None else []


@admin.register(PriorityOverride)
class PriorityOverrideAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "proposal_code",
        "kelurahan",
        "include",
        "reason",
        "actor",
        "withdrawn_at",
    ]
    list_filter = ["include", "proposal__fiscal_year", "proposal__kelurahan__kecamatan"]
    search_fields = ["proposal__code", "reason", "actor__username"]
    list_select_related = ["proposal__kelurahan", "actor"]
    date_hierarchy = "created_at"

    @admin.display(description="Usulan", ordering="proposal__code")
    def proposal_code(self, obj):
        return obj.proposal.code

    @admin.display(description="Kelurahan", ordering="proposal__kelurahan__name")
    def kelurahan(self, obj):
        return obj.proposal.kelurahan.name
