"""Admin for Musrenbang entries (with the import), proposals, their logs and citizen supports."""

import re

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.forms import ConfirmImportForm, ImportForm
from import_export.tmp_storages import MediaStorage

from bangkit.admin_scoping import (
    ReadOnlyAdmin,
    ReadOnlyInline,
    ScopedHistoryAdmin,
    audit_admin_save,
    created_in_filter,
    kecamatan_filter,
    year_filter,
)
from bangkit.models import FiscalYear
from bangkit.services import audit_record
from bangkit.templatetags.rupiah import rupiah
from proposals import rules
from proposals.importing import FIRST_YEAR, LAST_YEAR
from proposals.models import (
    Attachment,
    CitizenSupport,
    MusrenbangEntry,
    Proposal,
    RABLine,
    ResidentUsulan,
    RTMeeting,
    TransitionLog,
)
from proposals.resources import EXPORT_FORMATS, IMPORT_FORMATS, MusrenbangEntryResource
from proposals.services import PROPOSAL_FIELDS
from proposals.states import COMMITTED_STATES

# --- Musrenbang entries and their import ---------------------------------------------------


def default_import_year() -> int:
    """The year being planned: the latest year open for proposals, else next year."""
    year = (
        FiscalYear.objects.filter(status__in=[FiscalYear.Status.PLANNING, FiscalYear.Status.OPEN])
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    return year or timezone.localdate().year + 1


class MusrenbangImportForm(ImportForm):
    year = forms.IntegerField(
        label=_("Tahun anggaran"),
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        help_text=_("Usulan di berkas dicocokkan dengan tahun ini dan ID usulannya."),
    )
    skip_invalid = forms.BooleanField(
        label=_("Lewati baris tidak sah"),
        required=False,
        help_text=_(
            "Tanpa centang ini, satu baris tidak sah membatalkan seluruh impor (disarankan)."
        ),
    )
    create_rts = forms.BooleanField(
        label=_("Daftarkan RT yang belum ada"),
        required=False,
        help_text=_(
            "Tanpa centang ini, RT yang belum terdaftar di kelurahannya menjadi kesalahan baris "
            "(mis. salah ketik RT 850). RT baru tercatat tanpa jumlah KK: pagu per jumlah KK "
            "baru berlaku setelah jumlah KK-nya diisi."
        ),
    )
    field_order = ["resource", "year", "import_file", "format", "skip_invalid", "create_rts"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["import_file"].label = _("Berkas CSV atau XLSX")


class MusrenbangConfirmForm(ConfirmImportForm):
    year = forms.IntegerField(widget=forms.HiddenInput, min_value=FIRST_YEAR, max_value=LAST_YEAR)
    skip_invalid = forms.BooleanField(widget=forms.HiddenInput, required=False)
    create_rts = forms.BooleanField(widget=forms.HiddenInput, required=False)

    def clean_import_file_name(self):
        # The preview stored the upload under a uuid4 hex name; nothing else is read back.
        name = super().clean_import_file_name()
        if not re.fullmatch(r"[0-9a-f]{32}", name):
            raise ValidationError(_("Berkas pratinjau tidak dikenal."), code="invalid")
        return name

    def clean_format(self):
        value = self.cleaned_data["format"]
        if value not in {str(i) for i in range(len(IMPORT_FORMATS))}:
            raise ValidationError(_("Format berkas tidak dikenal."), code="invalid")
        return value


class MusrenbangEntryForm(forms.ModelForm):
    class Meta:
        model = MusrenbangEntry
        fields = ["year", "source_id", "kelurahan", "rt", *MusrenbangEntry.CONTENT_FIELDS]

    def clean(self):
        cleaned = super().clean()
        rt, kelurahan = cleaned.get("rt"), cleaned.get("kelurahan")
        if rt and kelurahan and rt.kelurahan_id != kelurahan.pk:
            self.add_error("rt", _("RT tidak berada di kelurahan ini."))
        return cleaned


@admin.register(MusrenbangEntry)
class MusrenbangEntryAdmin(ImportExportMixin, ScopedHistoryAdmin):
    form = MusrenbangEntryForm
    resource_classes = [MusrenbangEntryResource]
    import_form_class = MusrenbangImportForm
    confirm_form_class = MusrenbangConfirmForm
    import_template_name = "admin/proposals/musrenbangentry/import.html"
    # The uploaded file waits in media storage between preview and confirm: shared by every
    # app server (S3 in production), unlike a temp folder on one machine.
    tmp_storage_class = MediaStorage
    edit_rule = staticmethod(rules.may_keep_musrenbang)

    list_display = [
        "year",
        "source_id",
        "kecamatan_name",
        "kelurahan",
        "rt_label",
        "title",
        "work_type_label",
        "cost",
        "support_count",
    ]
    list_display_links = ["source_id", "title"]
    # Newest first, in the order of the (year, source_id) unique index: no sort of the table.
    ordering = ["-year", "-source_id"]
    list_filter = [year_filter(), kecamatan_filter("kelurahan__kecamatan"), "work_type"]
    search_fields = ["source_id", "title", "kelurahan__name", "location_text", "proposer"]
    list_select_related = ["kelurahan__kecamatan", "rt", "work_type"]
    autocomplete_fields = ["kelurahan", "rt"]
    readonly_fields = ["imported_at", "updated_at"]
    fieldsets = (
        (None, {"fields": ("year", "source_id", "kelurahan", "rt")}),
        (
            _("Usulan"),
            {
                "fields": (
                    "title",
                    "problem",
                    "work_type",
                    "work_type_text",
                    "location_text",
                    ("volume", "unit"),
                    "estimated_cost",
                    "priority",
                    "proposer",
                    ("latitude", "longitude"),
                )
            },
        ),
        (_("Impor"), {"fields": ("imported_at", "updated_at")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).with_support_count()

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        what = f"Usulan Musrenbang {obj.year}/{obj.source_id}"
        audit_admin_save(request, obj, form, change, action="musrenbang", what=what)

    def has_delete_permission(self, request, obj=None):
        # Deleting an entry deletes the citizens' supports with it: administrators only.
        return self._is_admin(request.user) and super().has_delete_permission(request, obj)

    @admin.display(description=_("kecamatan"), ordering="kelurahan__kecamatan__name")
    def kecamatan_name(self, entry):
        return entry.kelurahan.kecamatan.name

    @admin.display(description=_("RT"), ordering="rt__number")
    def rt_label(self, entry):
        return entry.rt.label if entry.rt_id else "–"

    @admin.display(description=_("jenis kegiatan"), ordering="work_type__name")
    def work_type_label(self, entry):
        if entry.work_type_id:
            return entry.work_type.name
        return f"{entry.work_type_text} (?)" if entry.work_type_text else "–"

    @admin.display(description=_("perkiraan biaya"), ordering="estimated_cost")
    def cost(self, entry):
        return rupiah(entry.estimated_cost)

    @admin.display(description=_("dukungan"), ordering="support_count")
    def support_count(self, entry):
        return entry.support_count

    # Import: Bappeda and administrators; export: anyone who may read the list.
    def has_import_permission(self, request):
        return self._may_edit(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_import_formats(self):
        return IMPORT_FORMATS

    def get_export_formats(self):
        return EXPORT_FORMATS

    def get_import_form_initial(self, request):
        initial = super().get_import_form_initial(request)
        initial["year"] = default_import_year()
        return initial

    def process_import(self, request, **kwargs):
        """The confirmation: a tampered form, or a preview whose stored file is gone (already
        imported by a first click, or cleaned up), imports nothing and says so."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = self.create_confirm_form(request)
        problem = None
        if not form.is_valid():
            problem = _("Konfirmasi impor tidak sah. Unggah ulang berkasnya.")
        else:
            stored = self.get_tmp_storage_class()(
                name=form.cleaned_data["import_file_name"], **self.get_tmp_storage_class_kwargs()
            )
            if not stored._storage.exists(stored.get_full_path()):
                problem = _(
                    "Berkas pratinjau tidak ada lagi: impor ini sudah disimpan atau pratinjaunya "
                    "kedaluwarsa. Periksa daftar usulan, atau unggah ulang berkasnya."
                )
        if problem:
            messages.error(request, problem)
            opts = self.model._meta
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_import"))
        return super().process_import(request, **kwargs)

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        form = context.get("form")
        if request.method != "POST" or form is None or "confirm_form" in context:
            return response
        # Refused: no confirmation will ever read the stored upload, so it goes now (it
        # would otherwise stay in media storage for good).
        # (From request.FILES: a read error removes the file from the form's cleaned_data.)
        stored = getattr(request.FILES.get("import_file"), "tmp_storage_name", None)
        if stored:
            storage = self.get_tmp_storage_class()
            storage(name=stored, **self.get_tmp_storage_class_kwargs()).remove()
        # django-import-export has no Indonesian: say its one message about the file here.
        errors = form.errors.get("import_file")
        if errors:
            form.errors["import_file"] = form.error_class(
                [
                    _("Berkas tidak berisi baris usulan: periksa baris judul kolom dan isinya.")
                    if str(error).startswith("No valid data to import")
                    else error
                    for error in errors
                ]
            )
        return response

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["year"] = import_form.cleaned_data["year"]
            initial["skip_invalid"] = import_form.cleaned_data.get("skip_invalid", False)
            initial["create_rts"] = import_form.cleaned_data.get("create_rts", False)
        return initial

    def get_import_data_kwargs(self, **kwargs):
        form = kwargs.pop("form", None)
        if form is not None and hasattr(form, "cleaned_data"):
            kwargs["year"] = form.cleaned_data["year"]
            kwargs["skip_invalid"] = form.cleaned_data.get("skip_invalid", False)
            kwargs["create_rts"] = form.cleaned_data.get("create_rts", False)
        return kwargs

    def add_data_read_fail_error_to_form(self, form, e):
        # Our readers explain themselves in Indonesian; say that, not the exception's name.
        form.add_error("import_file", str(e) or _("Berkas tidak dapat dibaca."))

    def process_result(self, result, request):
        report = result.report
        if report.rejected:
            # The file or the database changed between the preview and the confirmation.
            for error in report.errors[:20]:
                messages.error(request, str(error))
            messages.error(request, _("Impor dibatalkan: tidak ada yang disimpan."))
            return self._changelist_redirect()
        return super().process_result(result, request)

    def _changelist_redirect(self):
        opts = self.model._meta
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))

    def add_success_message(self, result, request):
        report = result.report
        messages.success(
            request,
            f"Impor Musrenbang {report.year} dari {report.filename} selesai: {report.summary}.",
        )
        if report.invalid:
            messages.warning(
                request,
                f"{report.invalid} baris tidak sah dilewati: "
                + "; ".join(str(e) for e in report.errors[:10])
                + (" …" if len(report.errors) > 10 else ""),
            )


# --- Proposals ---------------------------------------------------------------------------


class ProposalLineInline(ReadOnlyInline):
    """Shown to every staff account that may open the proposal (its scope is the proposal's)."""

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff


class RABLineInline(ProposalLineInline):
    model = RABLine
    fields = ["position", "material", "unit", "quantity", "unit_price", "line_total"]


class AttachmentInline(ProposalLineInline):
    model = Attachment
    fields = ["kind", "file", "original_name", "content_type", "size", "uploaded_by", "uploaded_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")


class TransitionLogInline(ProposalLineInline):
    model = TransitionLog
    fields = ["created_at", "transition", "from_state", "to_state", "actor", "note"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


# Fields an administrator may correct by hand: the proposal's own data, as the RT's form writes
# it; everything else belongs to the services.
PROPOSAL_ADMIN_EDITABLE = list(PROPOSAL_FIELDS)


# From designation on, a site is what an SK Camat decided. Its location, volume and budget
# change only through a site amendment (the Camat's "Ubah" on the decree's page), which keeps
# the old value, the reason and the date and publishes them; the facts it was chosen on
# (beneficiaries, promised swadaya) do not change at all. Only the title stays correctable.
FROZEN_FROM_DESIGNATION = [f for f in PROPOSAL_ADMIN_EDITABLE if f != "title"]
FROZEN_NOTE = _(
    "Usulan ini sudah ditetapkan dalam SK Camat: lokasi, volume, lebar, jenis kegiatan, "
    "penerima manfaat dan swadaya tidak dapat diubah di sini. Perubahan lokasi, volume atau "
    "anggaran dilakukan Camat lewat perubahan lokasi pada halaman SK, beserta alasannya."
)


def is_designated(proposal) -> bool:
    """Designated by an SK Camat, now or before (a cancelled site keeps its designated budget)."""
    return proposal.state in COMMITTED_STATES or proposal.designated_budget is not None


@admin.register(Proposal)
class ProposalAdmin(ScopedHistoryAdmin):
    """Read-mostly: the state moves only through services, never through this form."""

    list_display = [
        "code",
        "title",
        "rt_label",
        "kelurahan",
        "state",
        "rab_total_display",
        "fiscal_year",
    ]
    list_filter = ["state", kecamatan_filter("kelurahan__kecamatan"), "fiscal_year"]
    search_fields = ["code", "title", "kelurahan__name", "location_description"]
    list_select_related = ["rt", "kelurahan__kecamatan", "fiscal_year"]
    inlines = [RABLineInline, AttachmentInline, TransitionLogInline]
    history_related = [(RABLine, "proposal"), (Attachment, "proposal")]
    readonly_fields = [
        "code",
        "state",
        "fiscal_year",
        "entry",
        "rt",
        "kelurahan",
        "designated_budget",
        "rab_total_display",
        "created_by",
        "created_at",
        "updated_at",
    ]
    fieldsets = (
        (
            None,
            {"fields": ("code", "state", "fiscal_year", "entry", "kelurahan", "rt")},
        ),
        (
            _("Kegiatan"),
            {
                "fields": (
                    "title",
                    "work_type",
                    "location_description",
                    ("latitude", "longitude"),
                    ("planned_volume", "planned_width"),
                    ("households_benefiting", "people_benefiting"),
                )
            },
        ),
        (
            _("Swadaya"),
            {
                "fields": (
                    "contribution_labour_people",
                    "contribution_cash",
                    "contribution_materials",
                    "contribution_materials_value",
                )
            },
        ),
        (
            _("Anggaran"),
            {"fields": ("rab_total_display", "designated_budget")},
        ),
        (_("Catatan"), {"fields": ("created_by", "created_at", "updated_at")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).with_rab_total()

    def get_readonly_fields(self, request, obj=None):
        # "state" is read-only for everyone, always (FSMField protected=True as well).
        fields = list(self.readonly_fields)
        if obj is not None and is_designated(obj):
            fields += FROZEN_FROM_DESIGNATION
        return fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not is_designated(obj):
            return fieldsets
        return [
            (
                name,
                {**options, "description": FROZEN_NOTE}
                if str(name) == str(_("Kegiatan"))
                else options,
            )
            for name, options in fieldsets
        ]

    def has_add_permission(self, request):
        return False  # proposals are born in the RT's screens or from a Musrenbang entry

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("RT"), ordering="rt__number")
    def rt_label(self, proposal):
        return proposal.rt.label

    @admin.display(description=_("total RAB"), ordering="rab_sum")
    def rab_total_display(self, proposal):
        return rupiah(proposal.rab_total)

    def save_model(self, request, obj, form, change):
        if change and not form.has_changed():
            return  # nothing the form may change was changed: no save, no history row
        super().save_model(request, obj, form, change)
        changed = [f for f in form.changed_data if f in PROPOSAL_ADMIN_EDITABLE]
        if changed:
            audit_record(
                actor=request.user,
                action="proposal_admin_edit",
                obj=obj,
                summary=f"Usulan {obj.code} diubah lewat admin: {', '.join(changed)}.",
                data={"fields": changed},
            )


class ThroughScopedReadOnlyAdmin(ReadOnlyAdmin):
    """Rows without an area of their own, scoped through the record they belong to."""

    scope_field: str = ""
    scope_model = None

    def get_queryset(self, request):
        qs = admin.ModelAdmin.get_queryset(self, request)
        if request.user.is_city_wide:
            return qs
        visible = self.scope_model.objects.visible_to(request.user).values("pk")
        return qs.filter(**{f"{self.scope_field}__in": visible})

    def _in_scope(self, request, obj) -> bool:
        return self.get_queryset(request).filter(pk=obj.pk).exists()


@admin.register(TransitionLog)
class TransitionLogAdmin(ThroughScopedReadOnlyAdmin):
    scope_field = "proposal"
    scope_model = Proposal
    list_display = ["created_at", "proposal", "transition", "from_state", "to_state", "actor"]
    list_filter = [created_in_filter("created_at"), "transition", "to_state"]
    search_fields = ["proposal__code", "note", "actor__username"]
    list_select_related = ["proposal", "actor"]
    fields = [
        "proposal",
        "transition",
        "from_state",
        "to_state",
        "actor",
        "created_at",
        "note",
        "checklist",
    ]
    readonly_fields = fields


class MaskedNikAdmin:
    """A ``nik_masked`` column: a resident's NIK as its last four digits behind stars."""

    @admin.display(description=_("NIK"))
    def nik_masked(self, row):
        return f"************{row.nik_last4}"


@admin.register(CitizenSupport)
class CitizenSupportAdmin(MaskedNikAdmin, ThroughScopedReadOnlyAdmin):
    """Only the last four NIK digits are ever shown; the keyed hash stays in the database."""

    scope_field = "entry"
    scope_model = MusrenbangEntry
    list_display = ["entry", "nik_masked", "created_at"]
    list_filter = ["entry__year"]
    search_fields = ["entry__source_id", "entry__title", "nik_last4"]
    list_select_related = ["entry"]
    fields = ["entry", "nik_masked", "created_at"]
    readonly_fields = fields


@admin.register(ResidentUsulan)
class ResidentUsulanAdmin(MaskedNikAdmin, ReadOnlyAdmin):
    """Residents' usulan as the kelurahan decided them: never the NIK's hash nor the e-mail."""

    list_display = ["code", "title", "rt", "kelurahan", "status", "created_at", "decided_at"]
    list_filter = ["year", "status", "reject_reason"]
    search_fields = ["code", "title", "location_text"]
    list_select_related = ["rt__kelurahan", "kelurahan"]
    fields = [
        "code",
        "year",
        "kelurahan",
        "rt",
        "title",
        "location_text",
        "problem",
        "work_type",
        "latitude",
        "longitude",
        "nik_masked",
        "status",
        "reject_reason",
        "public_note",
        "entry",
        "decided_by",
        "decided_at",
        "created_at",
    ]
    readonly_fields = fields


@admin.register(RTMeeting)
class RTMeetingAdmin(ReadOnlyAdmin):
    list_display = ["rt", "year", "held_on", "attendance", "recorded_by"]
    list_filter = ["year"]
    list_select_related = ["rt__kelurahan", "recorded_by"]
    fields = ["rt", "year", "held_on", "attendance", "minutes_sha256", "recorded_by", "recorded_at"]
    readonly_fields = fields
