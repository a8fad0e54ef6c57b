"""Admin permissions by role and area: the admin uses the same scoping as every view, and so
does the history of each record (django-simple-history), shown field by field."""

import dataclasses
import datetime
from decimal import Decimal

from django.contrib import admin
from django.contrib.admin.utils import quote, unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection, models
from django.http import Http404
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject, ModelChange, ModelDelta
from simple_history.template_utils import HistoricalRecordContextHelper

from bangkit import rules
from bangkit.money import rupiah
from bangkit.params import YEAR_DIGITS, plain_int
from bangkit.queries import boundaries_on
from bangkit.services import audit_record
from bangkit.templatetags.rupiah import angka


def _number_column(model, name: str):
    """A list column that shows a DecimalField as people write it ("20", "2,5"), not with the
    field's fixed decimals ("20,00"); None when `name` is not such a field."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if not isinstance(field, models.DecimalField):
        return None

    @admin.display(description=field.verbose_name, ordering=name)
    def column(obj):
        return angka(getattr(obj, name))

    return column


class EstimatedCountPaginator(Paginator):
    """The changelist's paginator: a big table shown unfiltered is not counted row by row.

    Counting 200,000 audit rows reads them all on every page. Unfiltered, on PostgreSQL, the
    count is the planner's own estimate (``pg_class.reltuples``, kept by autovacuum) once it
    is above ``ESTIMATE_FROM``; a filtered, searched or scoped list is counted exactly, as
    is every small table. The page numbers of a big table may then be off by a little.
    """

    ESTIMATE_FROM = 20_000

    @cached_property
    def count(self):
        rows = self.object_list
        query = getattr(rows, "query", None)
        if query is not None and not query.where and connection.vendor == "postgresql":
            # One query either way: the estimate when the table is big, else the count.
            table = connection.ops.quote_name(rows.model._meta.db_table)
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT CASE WHEN reltuples >= %s THEN reltuples::bigint "
                    f"ELSE (SELECT count(*) FROM {table}) END "
                    "FROM pg_class WHERE oid = %s::regclass",
                    [self.ESTIMATE_FROM, rows.model._meta.db_table],
                )
                found = cursor.fetchone()
            if found is not None:
                return found[0]
        return super().count


def created_in_filter(field: str, title=None, *, dates: bool = False):
    """A list filter by year (the programme's fiscal years) or the last 7 or 30 days, in
    place of ``date_hierarchy``, which reads the dates of every row to offer its years.
    ``dates``: the field is a DateField (bounds are dates, not moments)."""

    class CreatedInFilter(admin.SimpleListFilter):
        parameter_name = "waktu"

        def lookups(self, request, model_admin):
            from bangkit.models import FiscalYear

            recent = [("7", _("7 hari terakhir")), ("30", _("30 hari terakhir"))]
            years = FiscalYear.objects.order_by("-year").values_list("year", flat=True)
            return recent + [(str(year), str(year)) for year in years]

        def queryset(self, request, queryset):
            number = plain_int(self.value())
            if number is None:
                return queryset
            if number in (7, 30):
                since = timezone.now() - datetime.timedelta(days=number)
                return queryset.filter(**{f"{field}__gte": since.date() if dates else since})
            if not 1900 < number < 3000:
                return queryset.none()
            if dates:
                start, end = datetime.date(number, 1, 1), datetime.date(number + 1, 1, 1)
            else:
                zone = timezone.get_current_timezone()
                start = datetime.datetime(number, 1, 1, tzinfo=zone)
                end = datetime.datetime(number + 1, 1, 1, tzinfo=zone)
            return queryset.filter(**{f"{field}__gte": start, f"{field}__lt": end})

    CreatedInFilter.title = title or _("waktu")
    return CreatedInFilter


def kecamatan_filter(path: str):
    """The kecamatan list filter for ``path`` (e.g. ``kelurahan__kecamatan``), reading only
    their names (the default filter loads every kecamatan with its GeoJSON boundary). The
    parameter is the default one, so links keep working."""

    class KecamatanFilter(admin.SimpleListFilter):
        title = _("kecamatan")
        parameter_name = f"{path}__id__exact"

        def lookups(self, request, model_admin):
            from bangkit.models import Kecamatan

            return [(str(pk), name) for pk, name in Kecamatan.objects.values_list("pk", "name")]

        def queryset(self, request, queryset):
            pk = plain_int(self.value())
            return queryset if pk is None else queryset.filter(**{f"{path}_id": pk})

    return KecamatanFilter


def year_filter(field: str = "year"):
    """A filter by budget year from the fiscal years (a few rows), not ``SELECT DISTINCT``
    over the whole table. The parameter is the default one."""

    class YearFilter(admin.SimpleListFilter):
        title = _("tahun")
        parameter_name = f"{field}__exact"

        def lookups(self, request, model_admin):
            from bangkit.models import FiscalYear

            years = FiscalYear.objects.order_by("-year").values_list("year", flat=True)
            return [(str(year), str(year)) for year in years]

        def queryset(self, request, queryset):
            year = plain_int(self.value(), max_digits=YEAR_DIGITS)
            return queryset if year is None else queryset.filter(**{field: year})

    return YearFilter


class FastChangeList(ChangeList):
    """The changelist, with each row's link built from one reversed URL: reversing it for
    every row was a fifth of the time a page of 50 rows took to render."""

    def url_for_result(self, result):
        template = self.__dict__.get("_change_url")
        if template is None:
            url = reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                args=("0",),
                current_app=self.model_admin.admin_site.name,
            )
            head, _, tail = url.rpartition("/0/")
            template = self._change_url = (head + "/", "/" + tail)
        return f"{template[0]}{quote(getattr(result, self.pk_attname))}{template[1]}"


class ScopedAdmin(admin.ModelAdmin):
    """Rows limited to the user's area; the Inspektorat may look at everything, change nothing.

    ``edit_rule`` is the predicate (from the app's rules.py, the same one its services and
    views use) that says who may add, change and delete rows here: administrators by default.

    Changelists never count the whole table twice: no "(N total)" link, and the paginator
    estimates big unfiltered tables (EstimatedCountPaginator).
    """

    edit_rule = staticmethod(rules.is_administrator)
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    # Rendering a row costs more than finding it: 50 rows a page, not Django's 100.
    list_per_page = 50

    def get_changelist(self, request, **kwargs):
        return FastChangeList

    def lookup_allowed(self, lookup, value, request=None):
        # A list filter of this module names its parameter after a relation path
        # (kecamatan_filter: "kelurahan__kecamatan__id__exact"); Django allows only the
        # path itself, so the filter's own links answered 400. The filter reads the value.
        own = {
            item.parameter_name
            for item in self.get_list_filter(request)
            if isinstance(item, type) and issubclass(item, admin.SimpleListFilter)
        }
        if lookup in own:
            return True
        return super().lookup_allowed(lookup, value, request)

    def _is_admin(self, user) -> bool:
        return rules.is_administrator(user)

    def _may_edit(self, request) -> bool:
        user = request.user
        return user.is_active and user.is_staff and self.edit_rule(user)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        return obj is None or self._in_scope(request, obj)

    def has_add_permission(self, request):
        return self._may_edit(request)

    def has_change_permission(self, request, obj=None):
        return self._may_edit(request) and (obj is None or self._in_scope(request, obj))

    def has_delete_permission(self, request, obj=None):
        return self._may_edit(request) and (obj is None or self._in_scope(request, obj))

    def _in_scope(self, request, obj) -> bool:
        qs = self.model._default_manager.all()
        if hasattr(qs, "visible_to"):
            return qs.visible_to(request.user).filter(pk=obj.pk).exists()
        return request.user.is_city_wide

    def get_list_display(self, request):
        shown = []
        for name in super().get_list_display(request):
            column = _number_column(self.model, name) if isinstance(name, str) else None
            if column is not None:
                attribute = f"{name}_as_number"
                setattr(self, attribute, column)
                name = attribute
            shown.append(name)
        return shown

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if isinstance(self.list_select_related, (list, tuple)):
            # The list shows a region's name, never its polygon.
            qs = qs.defer(*boundaries_on(self.model, self.list_select_related))
        if hasattr(qs, "visible_to"):
            return qs.visible_to(request.user)
        return qs if request.user.is_city_wide else qs.none()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model._default_manager.all()
        if hasattr(related, "visible_to"):
            kwargs.setdefault("queryset", related.visible_to(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def audit_admin_save(request, obj, form, change, *, action: str, what: str, name_fields=True):
    """The audit row of a record added or changed by hand in the admin.

    The action is ``<action>_admin_add`` or ``<action>_admin_edit``; the summary says what was
    added or changed ("Toko Maju diubah lewat admin: bank_account.") and the data which fields.
    """
    verb = "diubah" if change else "ditambahkan"
    fields = f": {', '.join(form.changed_data)}" if change and name_fields else ""
    audit_record(
        actor=request.user,
        action=f"{action}_admin_{'edit' if change else 'add'}",
        obj=obj,
        summary=f"{what} {verb} lewat admin{fields}.",
        data={"fields": form.changed_data},
    )


class NoHandEdits:
    """Nobody adds, changes or deletes these by hand (an admin or an inline)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(NoHandEdits, ScopedAdmin):
    """For records nobody edits by hand: audit rows, logs, computed history."""


class ReadOnlyInline(NoHandEdits, admin.TabularInline):
    """Lines that only their services write: shown with their parent, never edited there.

    Every field is read-only; ``fields`` names them once.
    """

    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields or super().get_readonly_fields(request, obj)


# --- History ----------------------------------------------------------------------------------

EMPTY_VALUE = "(kosong)"
# Names for the fields that carry no verbose name (bookkeeping fields never on a form), so a
# history page reads in Indonesian all through.
FIELD_LABELS = {
    "content_type": "jenis berkas",
    "cancelled_at": "waktu dibatalkan",
    "confirmed_by": "dikonfirmasi oleh",
    "created_at": "waktu dibuat",
    "created_by": "dibuat oleh",
    "delivery": "penerimaan",
    "fiscal_year": "tahun anggaran",
    "issued_at": "waktu terbit",
    "issued_by": "diterbitkan oleh",
    "number_kelurahan": "kelurahan penomoran",
    "number_year": "tahun penomoran",
    "order": "surat pesanan",
    "order_line": "baris pesanan",
    "original_name": "nama berkas asli",
    "pdf": "berkas PDF",
    "pdf_sha256": "SHA-256 PDF",
    "photo_content_type": "jenis berkas foto",
    "photo_sha256": "SHA-256 foto",
    "position": "urutan",
    "proposal": "usulan",
    "public_id": "kode publik",
    "rab_line": "baris RAB",
    "recorded_at": "waktu dicatat",
    "recorded_by": "dicatat oleh",
    "sequence": "nomor urut",
    "sha256": "SHA-256",
    "size": "ukuran (bita)",
    "supplier_confirmed_at": "waktu dikonfirmasi toko",
    "supplier_confirmed_by": "dikonfirmasi toko oleh",
    "updated_at": "waktu diubah",
    "uploaded_at": "waktu diunggah",
    "uploaded_by": "diunggah oleh",
}


@dataclasses.dataclass(frozen=True)
class RelatedId:
    """A foreign key's value in a diff read without its object (``foreign_keys_are_objs=False``,
    no query per key): whoever shows the diff names it, reading the rows of each related model
    at once (the audit trail: ``audit.trail.name_related``)."""

    model: type[models.Model]
    pk: object

    def __str__(self):
        return f"#{self.pk}"

    def missing(self) -> str:
        """How a key reads whose row is gone (as simple-history's deleted object reads)."""
        return f"{self.model._meta.verbose_name} #{self.pk} (sudah dihapus)"


class HistoryChangeHelper(HistoricalRecordContextHelper):
    """A field's old and new value as people read them: choice labels, Ya/Tidak, rupiah,
    Indonesian dates and numbers, a foreign key read without its object as a ``RelatedId``;
    a change that reads the same both sides is left out."""

    def context_for_delta_changes(self, delta):
        return [c for c in super().context_for_delta_changes(delta) if c["old"] != c["new"]]

    def format_delta_change(self, change):
        formatted = super().format_delta_change(change)
        field = self.model._meta.get_field(change.field)
        if str(field.verbose_name) == field.name.replace("_", " ") and field.name in FIELD_LABELS:
            return dataclasses.replace(formatted, field=capfirst(FIELD_LABELS[field.name]))
        return formatted

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if isinstance(field, models.ManyToManyField):
            return super().prepare_delta_change_value(change, value)
        if isinstance(value, DeletedObject):
            if value.pk is None:
                return EMPTY_VALUE
            return f"{value.model._meta.verbose_name} #{value.pk} (sudah dihapus)"
        if value is None or value == "":
            return EMPTY_VALUE
        if field.is_relation and not isinstance(value, models.Model):
            return RelatedId(field.related_model, value)
        if field.choices:
            return dict(field.flatchoices).get(value, value)
        if isinstance(field, models.BooleanField):
            return "Ya" if value else "Tidak"
        # Money is whole rupiah in fields labelled "(Rp)" (see bangkit.money).
        if isinstance(field, models.BigIntegerField) and "(Rp)" in str(field.verbose_name):
            return rupiah(value)
        if isinstance(value, datetime.datetime):
            return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
        if isinstance(value, datetime.date | Decimal):
            return formats.localize(value)
        return value

    def stringify_delta_change_values(self, change, old, new):
        if isinstance(old, RelatedId) or isinstance(new, RelatedId):
            return old, new  # (named by whoever shows the diff)
        return super().stringify_delta_change_values(change, old, new)


def history_delta(newer, older, *, foreign_keys_are_objs: bool = True) -> ModelDelta:
    """What changed from ``older`` to ``newer``: simple-history's diff of the editable fields,
    plus the computed ones it leaves out (an order's total is not editable, and is what
    matters), but not the timestamps that change on every save. Without
    ``foreign_keys_are_objs`` a foreign key is its id (no query per changed key)."""
    delta = newer.diff_against(older, foreign_keys_are_objs=foreign_keys_are_objs)
    changes = list(delta.changes)
    for field in newer.tracked_fields:
        if field.editable or getattr(field, "auto_now", False):
            continue
        if getattr(field, "auto_now_add", False) or field.primary_key:
            continue
        old, new = getattr(older, field.attname), getattr(newer, field.attname)
        if old != new:
            changes.append(ModelChange(field.name, old, new))
    changes.sort(key=lambda change: change.field)
    return ModelDelta(changes, [c.field for c in changes], older, newer)


class ScopedHistoryAdmin(SimpleHistoryAdmin, ScopedAdmin):
    """A scoped admin whose records show their history: who changed which field from what to
    what, and when. History is for reading (the Inspektorat audits it): scoped as the change
    view is (out of scope is a 404), never reverted.

    ``history_related`` names (model, foreign key) pairs whose rows are edited with the record
    (inlines): their history is shown on the record's history page, one section per model.
    """

    history_related: list[tuple[type[models.Model], str]] = []

    def _visible(self, request, object_id) -> bool:
        if plain_int(unquote(object_id)) is None:
            return False  # every history here is of a row with a numeric id
        if request.user.is_city_wide:
            return True  # city-wide staff may also read the history of deleted rows
        try:
            return self.get_queryset(request).filter(pk=unquote(object_id)).exists()
        except (ValueError, TypeError, ValidationError):
            return False

    def history_view(self, request, object_id, extra_context=None):
        if not self._visible(request, object_id):
            raise Http404
        context = {"history_sections": self._related_sections(request, unquote(object_id))}
        return super().history_view(request, object_id, {**context, **(extra_context or {})})

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied
        if not self._visible(request, object_id) or plain_int(version_id) is None:
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True

    def get_historical_record_context_helper(self, request, historical_record):
        return HistoryChangeHelper(historical_record.instance_type, historical_record)

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        """Each record's changes against the previous record of the same row (the rows of a
        related section are interleaved)."""
        newer = {}
        for record in historical_records:  # newest first
            row = record.instance_type._meta.pk.attname
            later = newer.get(getattr(record, row))
            if later is not None:
                delta = history_delta(later, record)
                helper = self.get_historical_record_context_helper(request, later)
                later.history_delta_changes = helper.context_for_delta_changes(delta)
            newer[getattr(record, row)] = record

    def _related_sections(self, request, object_id) -> list[dict]:
        sections = []
        for model, foreign_key in self.history_related:
            attname = model._meta.get_field(foreign_key).attname
            records = (
                model.history.filter(**{attname: object_id})
                .select_related("history_user")
                ._select_related_history_tracked_objs()
                .order_by("-history_date", "-history_id")
            )
            page = Paginator(records, self.history_list_per_page).get_page(1)
            self.set_history_delta_changes(request, page)
            sections.append({"title": model._meta.verbose_name_plural, "page_obj": page})
        return sections


class ReadOnlyHistoryAdmin(ScopedHistoryAdmin, ReadOnlyAdmin):
    """Records that change only through their services, with their history to read."""
