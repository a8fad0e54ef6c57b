"""Admin for procurement: Bappeda keeps shops, the catalogue and prices; purchases are read-only
here (they change only through the services); the Inspektorat reads everything."""

from django.contrib import admin, messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import path, reverse
from import_export.admin import ExportMixin

from bangkit.admin_scoping import (
    ReadOnlyAdmin,
    ReadOnlyHistoryAdmin,
    ReadOnlyInline,
    ScopedAdmin,
    ScopedHistoryAdmin,
    audit_admin_save,
)
from bangkit.errors import ActionRefused
from bangkit.models import FiscalYear
from bangkit.spreadsheets import EXPORT_FORMATS
from procurement import rules, services
from procurement.forms import ReferencePriceImportForm
from procurement.importing import reference_price_import
from procurement.models import (
    Delivery,
    DeliveryLine,
    Handover,
    Material,
    Payment,
    ProcurementSettings,
    PurchaseOrder,
    PurchaseOrderLine,
    RABTemplate,
    RABTemplateLine,
    ReferencePrice,
    Supplier,
    SupplierAccount,
)
from procurement.resources import ReferencePriceResource


class CityDataAdmin:
    """City-wide rows (the catalogue, its prices, templates and rules), put before an admin or
    inline class: every staff member reads them, whatever their area; those who keep the
    catalogue (Bappeda) change them."""

    edit_rule = staticmethod(rules.may_keep_catalogue)

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff


class CityDataInline(CityDataAdmin, admin.TabularInline):
    extra = 0

    def _may_edit(self, request) -> bool:
        return self.edit_rule(request.user)

    def has_add_permission(self, request, obj=None):
        return self._may_edit(request)

    def has_change_permission(self, request, obj=None):
        return self._may_edit(request)

    def has_delete_permission(self, request, obj=None):
        return self._may_edit(request)


class SupplierAccountInline(CityDataInline):
    """The toko accounts that speak for the shop (each account for one shop only)."""

    model = SupplierAccount
    autocomplete_fields = ["user"]
    verbose_name = "akun toko"
    verbose_name_plural = "akun toko yang mewakili toko ini"


# Who the shop is, as its issued orders (Surat Pesanan) name it: fixed once one is issued, so
# the shop a signed order was sent to cannot be renamed or given another NPWP behind it.
SUPPLIER_IDENTITY = ["name", "owner_name", "kelurahan", "npwp"]


@admin.register(Supplier)
class SupplierAdmin(ScopedHistoryAdmin):
    list_display = ["name", "kelurahan", "owner_name", "phone", "npwp_display", "active"]
    inlines = [SupplierAccountInline]
    history_related = [(SupplierAccount, "supplier")]
    list_filter = ["active", "kelurahan__kecamatan"]
    search_fields = ["name", "owner_name", "kelurahan__name"]
    list_select_related = ["kelurahan__kecamatan"]
    edit_rule = staticmethod(rules.may_keep_catalogue)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.orders.exclude(state=PurchaseOrder.State.DRAFT).exists():
            fields += SUPPLIER_IDENTITY
        return fields

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        if change and not form.has_changed():
            return
        super().save_model(request, obj, form, change)
        # Bank details decide where the city's money goes: every change is on the record.
        audit_admin_save(request, obj, form, change, action="supplier", what=f"Toko {obj.name}")


@admin.register(Material)
class MaterialAdmin(CityDataAdmin, ScopedHistoryAdmin):
    list_display = ["name", "unit", "category", "active"]
    list_filter = ["category", "unit", "active"]
    search_fields = ["name", "aliases"]

    def get_queryset(self, request):
        return Material.objects.all()


@admin.register(ReferencePrice)
class ReferencePriceAdmin(CityDataAdmin, ExportMixin, ScopedHistoryAdmin):
    resource_classes = [ReferencePriceResource]
    list_display = ["material", "fiscal_year", "price", "source"]
    list_filter = ["fiscal_year", "material__category"]
    search_fields = ["material__name"]
    list_select_related = ["material", "fiscal_year"]
    change_list_template = "admin/procurement/referenceprice/change_list.html"

    def get_queryset(self, request):
        return ReferencePrice.objects.select_related("material", "fiscal_year")

    def get_export_formats(self):
        return EXPORT_FORMATS

    def get_urls(self):
        return [
            path(
                "impor/",
                self.admin_site.admin_view(self.import_view),
                name="procurement_referenceprice_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """The same import as the command: all rows or none, errors by row and column."""
        if not self.has_add_permission(request):
            return redirect("admin:procurement_referenceprice_changelist")
        form = ReferencePriceImportForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            report = reference_price_import(
                file_or_rows=upload.read(),
                filename=upload.name,
                year=form.cleaned_data["year"],
                actor=request.user,
                dry_run=form.cleaned_data["dry_run"],
                skip_invalid=form.cleaned_data["skip_invalid"],
            )
            if not report.rejected and not report.dry_run:
                messages.success(request, f"Impor selesai: {report.summary}.")
                return redirect(reverse("admin:procurement_referenceprice_changelist"))
        return render(
            request,
            "admin/procurement/referenceprice/import.html",
            {
                **self.admin_site.each_context(request),
                "form": form,
                "report": report,
                "opts": self.model._meta,
                "title": "Impor harga acuan",
            },
        )


@admin.register(ProcurementSettings)
class ProcurementSettingsAdmin(CityDataAdmin, ScopedHistoryAdmin):
    list_display = ["fiscal_year", "price_margin_percent"]

    def get_queryset(self, request):
        return ProcurementSettings.objects.select_related("fiscal_year")


class RABTemplateLineInline(CityDataInline):
    model = RABTemplateLine
    fields = ["position", "material", "quantity", "scales_with_width"]
    autocomplete_fields = ["material"]
    verbose_name = "material"
    verbose_name_plural = "material untuk volume dasar"


@admin.register(RABTemplate)
class RABTemplateAdmin(CityDataAdmin, ScopedAdmin):
    """The year's templates per work type; the guided RAB scales them to the planned volume."""

    list_display = ["name", "work_type", "fiscal_year", "base_volume", "base_width", "active"]
    list_filter = ["fiscal_year", "work_type", "active"]
    search_fields = ["name"]
    list_select_related = ["work_type", "fiscal_year"]
    inlines = [RABTemplateLineInline]
    actions = ["copy_to_next_year"]

    def get_queryset(self, request):
        return RABTemplate.objects.select_related("work_type", "fiscal_year")

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self._may_edit(request):
            actions.pop("copy_to_next_year", None)
        return actions

    @transaction.atomic
    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        template = form.instance
        audit_admin_save(
            request,
            template,
            form,
            change,
            action="rab_template",
            what=f"Templat RAB {template}",
            name_fields=False,
        )
        priced = set(
            ReferencePrice.objects.filter(fiscal_year=template.fiscal_year_id).values_list(
                "material_id", flat=True
            )
        )
        unpriced = [
            line.material.name
            for line in template.lines.select_related("material")
            if line.material_id not in priced
        ]
        if unpriced:
            messages.warning(
                request,
                f"Belum ada harga acuan {template.fiscal_year.year} untuk: {', '.join(unpriced)}. "
                "Material ini dilewati saat templat dipakai.",
            )

    @admin.action(description="Salin templat terpilih ke tahun anggaran berikutnya")
    def copy_to_next_year(self, request, queryset):
        copied, refused = 0, []
        for template in queryset.select_related("fiscal_year", "work_type"):
            target = FiscalYear.objects.filter(year=template.fiscal_year.year + 1).first()
            if target is None:
                refused.append(f"Tahun anggaran {template.fiscal_year.year + 1} belum ada.")
                continue
            try:
                services.rab_template_copy(
                    template=template, fiscal_year=target, actor=request.user
                )
            except ActionRefused as exc:
                refused.append(exc.message)
            else:
                copied += 1
        if copied:
            messages.success(request, f"{copied} templat disalin.")
        for message in dict.fromkeys(refused):
            messages.warning(request, message)


class PurchaseOrderLineInline(ReadOnlyInline):
    model = PurchaseOrderLine
    fields = [
        "description",
        "material",
        "unit",
        "quantity",
        "unit_price",
        "line_total",
        "reference_price",
        "flagged",
        "justification",
    ]


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ["invoice_number", "amount", "paid_on", "reference", "recorded_by"]


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(ReadOnlyHistoryAdmin):
    list_display = ["__str__", "supplier", "proposal", "state", "total", "issued_at"]
    list_filter = ["state", "proposal__fiscal_year", "proposal__kelurahan__kecamatan"]
    search_fields = ["number", "supplier__name", "proposal__code", "proposal__title"]
    list_select_related = ["supplier", "proposal"]
    inlines = [PurchaseOrderLineInline, PaymentInline]
    history_related = [(PurchaseOrderLine, "order"), (Payment, "order")]


class DeliveryLineInline(ReadOnlyInline):
    model = DeliveryLine
    fields = ["order_line", "quantity", "rejected_quantity"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyHistoryAdmin):
    list_display = ["order", "delivered_on", "received_by_name", "recorded_by", "photo_sha256"]
    list_filter = ["delivered_on"]
    search_fields = ["order__number"]
    list_select_related = ["order", "recorded_by"]
    inlines = [DeliveryLineInline]
    history_related = [(DeliveryLine, "delivery")]


@admin.register(Handover)
class HandoverAdmin(ReadOnlyAdmin):
    list_display = ["number", "proposal", "state", "handover_date", "signed_on_paper", "pdf_sha256"]
    list_filter = ["state", "signed_on_paper"]
    search_fields = ["number", "proposal__code"]
    list_select_related = ["proposal"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyHistoryAdmin):
    list_display = ["order", "invoice_number", "amount", "paid_on", "reference"]
    list_filter = ["paid_on"]
    search_fields = ["order__number", "invoice_number", "reference"]
    list_select_related = ["order"]
