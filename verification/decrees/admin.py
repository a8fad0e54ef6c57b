"""Admin for SK Camat decrees, their locations and wording, and changes to designated sites.

Decrees are made and issued through the services (numbering, budget, PDF); the admin shows
them and lets only the system administrator correct a draft. verification/admin.py imports
this module so the registrations run.
"""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from bangkit.admin_scoping import ReadOnlyAdmin, ReadOnlyInline, ScopedAdmin
from bangkit.templatetags.rupiah import angka
from verification.decrees import rules
from verification.models import Amendment, Decree, DecreeLocation, DecreeTemplate


class DecreeLocationInline(ReadOnlyInline):
    """The annex, read-only always: as issued (the copy kept at issue), or as a draft lists it."""

    model = DecreeLocation
    fields = ["position", "proposal", "site_rt", "site_work", "site_volume", "budget"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("proposal__rt", "proposal__kelurahan", "proposal__work_type")
        )

    @admin.display(description=_("RT, kelurahan"))
    def site_rt(self, loc):
        site = loc.site
        return f"{site.rt_label}, {site.kelurahan_name}"

    @admin.display(description=_("kegiatan dan lokasi"))
    def site_work(self, loc):
        site = loc.site
        return f"{site.work_type_name}: {site.location_description}"

    @admin.display(description=_("volume"))
    def site_volume(self, loc):
        site = loc.site
        text = f"{angka(site.volume)} {site.unit}"
        return text + (f" × {angka(site.width)} m" if site.width else "")


@admin.register(Decree)
class DecreeAdmin(ScopedAdmin):
    """Everyone in scope may look; only the administrator may touch a draft."""

    list_display = ["__str__", "kecamatan", "fiscal_year", "state", "decree_date", "issued_at"]
    list_filter = ["state", "fiscal_year", "kecamatan"]
    search_fields = ["number", "public_id", "title"]
    list_select_related = ["kecamatan", "fiscal_year"]
    inlines = [DecreeLocationInline]
    readonly_fields = [
        "public_id",
        "state",
        "number",
        "sequence",
        "kecamatan",
        "fiscal_year",
        "amends",
        "pdf_link",
        "pdf_sha256",
        "created_by",
        "created_at",
        "issued_by",
        "issued_at",
    ]
    exclude = ["pdf"]

    @admin.display(description="PDF")
    def pdf_link(self, obj):
        if not obj.pdf:
            return "–"
        return format_html('<a href="{}">{}</a>', obj.pdf.url, obj.pdf.name)

    def has_add_permission(self, request):
        # Drafts start from verified proposals on the Camat's screen, not from an empty form.
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.state != Decree.State.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.state != Decree.State.DRAFT:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(DecreeTemplate)
class DecreeTemplateAdmin(ScopedAdmin):
    list_display = ["__str__", "fiscal_year", "number_format", "place"]
    list_select_related = ["fiscal_year"]
    edit_rule = staticmethod(rules.may_keep_decree_templates)


@admin.register(Amendment)
class AmendmentAdmin(ReadOnlyAdmin):
    list_display = ["proposal", "field", "old_value", "new_value", "decree", "actor", "created_at"]
    list_filter = ["field"]
    search_fields = ["proposal__code", "reason"]
    list_select_related = ["proposal", "decree", "actor"]
