"""The admin of the red flags: thresholds per year (Bappeda edits, the Inspektorat reads),
the computed flags and their refresh runs (read-only)."""

from django import forms
from django.contrib import admin

from audit.flags import RULES, THRESHOLDS
from audit.models import Flag, FlagRefresh, FlagThreshold
from bangkit.admin_scoping import ReadOnlyAdmin, ScopedHistoryAdmin, audit_admin_save
from bangkit.rules import keeps_city_data


def threshold_choices():
    owner = {t.key: rule.label for rule in RULES.values() for t in rule.thresholds}
    return [(key, f"{owner.get(key, '')}: {t.label}") for key, t in THRESHOLDS.items()]


class FlagThresholdForm(forms.ModelForm):
    key = forms.ChoiceField(label="Batas", choices=threshold_choices)

    class Meta:
        model = FlagThreshold
        fields = ["year", "key", "work_type", "value", "note"]

    def clean(self):
        data = super().clean()
        threshold = THRESHOLDS.get(data.get("key"))
        if threshold and data.get("work_type") and not threshold.per_work_type:
            self.add_error("work_type", "Batas ini berlaku untuk semua jenis kegiatan.")
        if data.get("value") is not None and data["value"] < 0:
            self.add_error("value", "Nilai batas tidak boleh negatif.")
        return data


@admin.register(FlagThreshold)
class FlagThresholdAdmin(ScopedHistoryAdmin):
    """Bappeda (or an administrator) sets a year's thresholds; a year without a row uses the
    rule's default (docs/audit-flags.md)."""

    form = FlagThresholdForm
    list_display = ["year", "key", "work_type", "value", "note"]
    list_filter = ["year", "key"]
    edit_rule = staticmethod(keeps_city_data)

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def get_queryset(self, request):
        return FlagThreshold.objects.select_related("work_type")

    def save_model(self, request, obj, form, change):
        if change and not form.has_changed():
            return
        super().save_model(request, obj, form, change)
        audit_admin_save(
            request, obj, form, change, action="flag_threshold", what=f"Batas tanda {obj}"
        )


@admin.register(Flag)
class FlagAdmin(ReadOnlyAdmin):
    list_display = ["rule", "year", "kecamatan", "title", "computed_at", "reviewed_at"]
    list_filter = ["rule", "year"]
    search_fields = ["title", "subject"]
    list_select_related = ["kecamatan"]


@admin.register(FlagRefresh)
class FlagRefreshAdmin(ReadOnlyAdmin):
    list_display = ["finished_at", "duration_ms", "flags", "raised", "changed", "retired"]
