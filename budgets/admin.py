"""Admin for budget envelopes.

Envelopes change only through ``envelope_set`` (its checks and audit row), here as on the
envelope screen.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from bangkit.admin_scoping import ScopedHistoryAdmin
from bangkit.errors import ActionRefused
from bangkit.money import rupiah
from budgets import rules
from budgets.models import BudgetEnvelope
from budgets.services import envelope_problems, envelope_set, envelope_share_remove


class BudgetEnvelopeForm(forms.ModelForm):
    class Meta:
        model = BudgetEnvelope
        fields = ["fiscal_year", "kecamatan", "kelurahan", "amount", "note"]

    def clean(self):
        cleaned = super().clean()
        fiscal_year = cleaned.get("fiscal_year") or getattr(self.instance, "fiscal_year", None)
        kecamatan = cleaned.get("kecamatan") or getattr(self.instance, "kecamatan", None)
        kelurahan = cleaned.get("kelurahan", self.instance.kelurahan if self.instance.pk else None)
        amount = cleaned.get("amount")
        if fiscal_year is None or kecamatan is None or amount is None:
            return cleaned
        problems = envelope_problems(
            fiscal_year=fiscal_year, kecamatan=kecamatan, kelurahan=kelurahan, amount=amount
        )
        if problems:
            raise ValidationError(problems)
        return cleaned


@admin.register(BudgetEnvelope)
class BudgetEnvelopeAdmin(ScopedHistoryAdmin):
    form = BudgetEnvelopeForm
    list_display = ["fiscal_year", "kecamatan", "kelurahan", "amount_display", "note", "updated_at"]
    list_filter = ["fiscal_year", "kecamatan"]
    list_select_related = ["fiscal_year", "kecamatan", "kelurahan"]
    search_fields = ["kecamatan__name", "kelurahan__name", "note"]
    edit_rule = staticmethod(rules.may_set_envelopes)
    actions = None

    @admin.display(description="Pagu", ordering="amount")
    def amount_display(self, obj):
        return rupiah(obj.amount)

    def get_readonly_fields(self, request, obj=None):
        # Which envelope it is never changes; only its amount and note do.
        return ["fiscal_year", "kecamatan", "kelurahan"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        # A kecamatan's envelope is set to another amount, never deleted; a share may go.
        if obj is not None and obj.kelurahan_id is None:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        try:
            saved = envelope_set(
                actor=request.user,
                fiscal_year=obj.fiscal_year,
                kecamatan=obj.kecamatan,
                kelurahan=obj.kelurahan,
                amount=obj.amount,
                note=obj.note,
            )
        except ActionRefused as exc:
            # Only when another change slipped in between the form's check and this save.
            raise ValidationError(exc.problems or [exc.message]) from exc
        obj.pk = saved.pk
        obj.updated_at = saved.updated_at

    def delete_model(self, request, obj):
        try:
            envelope_share_remove(actor=request.user, envelope=obj)
        except ActionRefused as exc:
            self.message_user(request, exc.message, messages.ERROR)
