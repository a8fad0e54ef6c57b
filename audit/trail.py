"""The trail: every create, change and delete of the programme's records in one timeline.

Three kinds of rows are merged, newest first: the history django-simple-history keeps of the
rules and money records (one source per tracked model), the services' ``AuditEvent`` rows and
the proposals' ``TransitionLog`` rows. A proposal's step writes both a transition-log row and an
audit row in one transaction; the trail shows the transition-log row (it names from and to) and
leaves the twin audit row out.

Each source is asked for one page under the same filters and keyset cursor (time, source,
id), each by its own index on time; the pages are merged here. No source is counted: a page
says only whether there is a next one.
"""

import dataclasses
import datetime
import functools
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, FieldError, ValidationError
from django.db import connection
from django.db.models import (
    BooleanField,
    CharField,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Cast
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.text import capfirst
from simple_history.models import ModelChange

from bangkit.admin_scoping import FIELD_LABELS, HistoryChangeHelper, RelatedId, history_delta
from bangkit.history import AREA_FIELD
from bangkit.indonesian import long_date
from bangkit.models import AuditEvent, User
from bangkit.money import rupiah
from bangkit.scoping import area_path, path_may_repeat_rows
from proposals.models import Proposal, TransitionLog
from proposals.states import State, Transition

PAGE_SIZE = 50
# The stages whose records the trail holds (the demo seeders above are not the programme's).
TRAIL_APPS = ("bangkit", "proposals", "budgets", "verification", "procurement", "reporting")

CREATE, CHANGE, DELETE, TRANSITION = "tambah", "ubah", "hapus", "tahap"
ACTIONS = {
    CREATE: "Dibuat",
    CHANGE: "Diubah",
    DELETE: "Dihapus",
    TRANSITION: "Pindah tahap",
}
HISTORY_TYPES = {"+": CREATE, "~": CHANGE, "-": DELETE}
# An audit action is named <thing>_<verb>; the verb says which kind of change it was.
_CREATE_VERBS = ("add", "create", "create_draft", "record", "import", "admin_add", "support")
_DELETE_VERBS = ("remove", "delete", "delete_draft", "withdraw", "revoke", "cancel")
# Audit rows a proposal's step writes beside its transition-log row (the same event).
TRANSITION_TWINS = frozenset(f"proposal_{value}" for value in Transition.values)


def audit_action_kind(code: str) -> str:
    """'order_create' → tambah, 'photo_withdraw' → hapus, anything else → ubah."""
    if code in TRANSITION_TWINS:
        return TRANSITION
    if code.endswith(_DELETE_VERBS):
        return DELETE
    if code.endswith(_CREATE_VERBS) or code == "citizen_support":
        return CREATE
    return CHANGE


@dataclass
class Filters:
    """What the trail is narrowed to; ``None`` or empty means not narrowed."""

    kecamatan_id: int | None = None  # a camat's own kecamatan is always set here
    kelurahan_id: int | None = None
    actor_ids: list[int] | None = None  # None: any actor; []: no one matched
    model: str | None = None  # "proposals.proposal"
    action: str | None = None
    since: datetime.datetime | None = None
    until: datetime.datetime | None = None  # exclusive
    text: str = ""
    proposal_id: int | None = None  # one site's trail (its evidence pack)
    # A creation's every value (the evidence pack's CSV); the page names the record only,
    # as formatting every field of fifty new records is most of its time.
    creation_values: bool = False


@dataclass
class Cursor:
    time: datetime.datetime
    rank: int
    pk: int

    def token(self) -> str:
        return f"{self.time.timestamp():.6f}_{self.rank}_{self.pk}"

    @classmethod
    def parse(cls, token: str):
        try:
            stamp, rank, pk = token.split("_")
            moment = datetime.datetime.fromtimestamp(float(stamp), tz=datetime.UTC)
            return cls(moment, int(rank), int(pk))
        except (ValueError, OverflowError, OSError):
            return None


@dataclass
class Entry:
    """One row of the timeline, as the page and the CSV show it."""

    rank: int
    pk: int
    time: datetime.datetime
    actor: User | None
    source: str  # Riwayat data / Catatan audit / Riwayat tahap
    model_label: str  # "proposals.proposal"
    model_name: str  # "usulan"
    record_id: str
    record: str
    action: str
    action_label: str
    changes: list[dict] = field(default_factory=list)
    note: str = ""
    url: str | None = None
    proposal_code: str | None = None

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.time, self.rank, self.pk)


def _proposal_path(model, depth: int = 3) -> str | None:
    """The lookup from a row of ``model`` to the id of the proposal (site) it belongs to:
    ``proposal_id`` for a RAB line, ``delivery__order__proposal_id`` for a delivery line."""
    if model is Proposal:
        return model._meta.pk.attname
    if depth == 0:
        return None
    for candidate in model._meta.concrete_fields:
        if not candidate.many_to_one:
            continue
        if candidate.related_model is Proposal:
            return candidate.attname
    for candidate in model._meta.concrete_fields:
        if candidate.many_to_one and candidate.related_model is not model:
            inner = _proposal_path(candidate.related_model, depth - 1)
            if inner and candidate.related_model is not Proposal and inner != "id":
                return f"{candidate.name}__{inner}"
    return None


def _site_q(model, proposal_id: int, *, pk_name: str = "pk") -> Q:
    path = _proposal_path(model)
    if path is None:
        return Q(pk__in=[])
    if pk_name == "pk":
        return Q(**{path: proposal_id})
    return Q(**{f"{pk_name}__in": model._base_manager.filter(**{path: proposal_id}).values("pk")})


def _area_q(model, level: str, area_id: int, *, pk_name: str = "pk") -> Q:
    """Rows of ``model`` in the area (as ``Q`` on ``pk_name``); nothing when it has no path."""
    path = area_path(model, level)
    if path is None:
        return Q(pk__in=[])
    if path.endswith("pk") and path.split("__")[-1] == "pk":
        path = path[:-2] + model._meta.pk.name
    if not path_may_repeat_rows(model, path) and pk_name == "pk":
        return Q(**{path: area_id})
    inner = model._base_manager.filter(**{path: area_id}).values("pk")
    return Q(**{f"{pk_name}__in": inner})


def _time_window(queryset, name: str, filters: Filters, cursor: Cursor | None, rank: int, pk: str):
    if filters.since:
        queryset = queryset.filter(**{f"{name}__gte": filters.since})
    if filters.until:
        queryset = queryset.filter(**{f"{name}__lt": filters.until})
    if cursor is not None:
        if rank < cursor.rank:
            queryset = queryset.filter(**{f"{name}__lte": cursor.time})
        elif rank == cursor.rank:
            queryset = queryset.filter(
                Q(**{f"{name}__lt": cursor.time}) | Q(**{name: cursor.time, f"{pk}__lt": cursor.pk})
            )
        else:
            queryset = queryset.filter(**{f"{name}__lt": cursor.time})
    return queryset.order_by(f"-{name}", f"-{pk}")


def _text_fields(model) -> list[str]:
    return [
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, CharField | TextField)
        and not f.choices
        and f.name != "history_type"
        and not f.name.startswith("history_")
        and "sha256" not in f.name
        and not f.name.endswith(("path", "hash"))
    ]


class Source:
    """What every source of the trail shares: its rank, its name and how a row becomes an
    ``Entry``."""

    source = ""
    label = ""
    rank = 0
    time_field, pk_field, actor_field = "created_at", "id", "actor"

    def entry(self, row, *, action, **details) -> Entry:
        return Entry(
            rank=self.rank,
            pk=getattr(row, self.pk_field),
            time=getattr(row, self.time_field),
            actor=getattr(row, self.actor_field),
            source=self.source,
            model_label=details.pop("model_label", self.label),
            action=action,
            action_label=details.pop("action_label", ACTIONS[action]),
            **details,
        )


class HistorySource(Source):
    """The history simple-history keeps of one tracked model."""

    source = "Riwayat data"
    time_field, pk_field, actor_field = "history_date", "history_id", "history_user"

    def __init__(self, model, rank: int):
        self.model = model
        self.rank = rank
        self.history = getattr(model, model._meta.simple_history_manager_attribute).model
        self.label = model._meta.label_lower
        self.pk_name = model._meta.pk.attname
        self.has_m2m = bool(getattr(self.history, "_history_m2m_fields", None))
        self.has_area = hasattr(self.history, AREA_FIELD)
        self.is_proposal = model is Proposal

    def filtered(self, filters: Filters):
        if filters.model and filters.model != self.label:
            return None
        if filters.action and filters.action not in HISTORY_TYPES.values():
            return None
        queryset = self.history.objects.all()
        if filters.action:
            kind = next(k for k, v in HISTORY_TYPES.items() if v == filters.action)
            queryset = queryset.filter(history_type=kind)
        if filters.actor_ids is not None:
            queryset = queryset.filter(history_user_id__in=filters.actor_ids)
        if filters.text:
            query = Q()
            for name in _text_fields(self.history):
                query |= Q(**{f"{name}__icontains": filters.text})
            if filters.text.isdigit():
                query |= Q(**{self.pk_name: int(filters.text)})
            queryset = queryset.filter(query)
        queryset = self._scoped(queryset, filters)
        if queryset is None:
            return None
        if filters.proposal_id is not None:
            path = _proposal_path(self.model)
            if path is None:
                return None
            try:
                queryset = queryset.filter(**{path: filters.proposal_id})
            except FieldError:
                queryset = queryset.filter(
                    _site_q(self.model, filters.proposal_id, pk_name=self.pk_name)
                )
        return queryset

    def fetch(self, pks) -> list:
        """The rows by id, each with the row before it of the same record (``older``, for
        its diff), both read in one query."""
        previous = self.history.objects.filter(
            **{self.pk_name: OuterRef(self.pk_name)}, history_id__lt=OuterRef("history_id")
        ).order_by("-history_id")
        with_previous = self.history.objects.annotate(
            previous_id=Subquery(previous.values("history_id")[:1])
        )
        # (a union, not an OR: each arm is read by the primary key)
        wanted = (
            self.history.objects.filter(history_id__in=pks)
            .order_by()
            .values("history_id")
            .union(
                with_previous.filter(history_id__in=pks).order_by().values("previous_id"), all=True
            )
        )
        rows = {
            row.history_id: row
            for row in with_previous.filter(history_id__in=wanted)
            .select_related("history_user")
            .order_by()
        }
        page = [rows[pk] for pk in pks if pk in rows]
        for row in page:
            row.older = rows.get(row.previous_id)
        return page

    def _scoped(self, queryset, filters: Filters):
        """A kecamatan: the one each history row kept when it was written (an index range;
        a row stays there after its record moves or is deleted). A kelurahan: on the history
        rows themselves, through the live record only when the path cannot be read from a
        history row. ``None``: the model has no area, so none of its rows."""
        if filters.kecamatan_id is not None:
            if not self.has_area:
                return None
            queryset = queryset.filter(**{f"{AREA_FIELD}_id": filters.kecamatan_id})
        if filters.kelurahan_id is None:
            return queryset
        path = area_path(self.model, "kelurahan")
        if path is None:
            return None
        if path.split("__")[-1] == "pk":
            path = path[:-2] + self.pk_name
        try:
            if path_may_repeat_rows(self.model, path):
                raise FieldError
            return queryset.filter(**{path: filters.kelurahan_id})
        except FieldError:
            return queryset.filter(
                _area_q(self.model, "kelurahan", filters.kelurahan_id, pk_name=self.pk_name)
            )

    def entries(self, rows, filters: Filters) -> list[Entry]:
        name = str(self.model._meta.verbose_name)
        result = []
        for row in rows:
            action = HISTORY_TYPES.get(row.history_type, CHANGE)
            result.append(
                self.entry(
                    row,
                    action=action,
                    model_name=name,
                    record_id=str(getattr(row, self.pk_name)),
                    record=_text(row),
                    changes=self._changes(row, row.older, action, filters.creation_values),
                    note=row.history_change_reason or "",
                    proposal_code=getattr(row, "code", None) if self.is_proposal else None,
                )
            )
        return result

    def _changes(self, row, older, action, creation_values: bool) -> list[dict]:
        if action == DELETE:
            return []
        if older is None:
            if action != CREATE or self.has_m2m or not creation_values:
                return []
            older = self.history()  # a creation: every value it was given, against nothing
        delta = history_delta(row, older, foreign_keys_are_objs=False)
        return HistoryChangeHelper(self.model, row).context_for_delta_changes(delta)


# The fields that name a record, read from the history row itself (its __str__ may follow
# foreign keys: a query per row).
_NAMING_FIELDS = ("code", "number", "name", "title", "username", "description", "material")


def _text(row) -> str:
    for name in _NAMING_FIELDS:
        value = getattr(row, name, None)
        if isinstance(value, str) and value:
            return value[:120]
    return ""


class AuditEventSource(Source):
    """The services' audit rows (but not the twins of a proposal's transition-log rows)."""

    source = "Catatan audit"
    label = "bangkit.auditevent"

    def __init__(self, rank: int, scoped_models):
        self.rank = rank
        self.scoped_models = scoped_models

    def filtered(self, filters: Filters):
        queryset = AuditEvent.objects.exclude(action__in=TRANSITION_TWINS)
        if filters.action == TRANSITION:
            return None
        if filters.action:
            codes = [c for c in _known_codes() if audit_action_kind(c) == filters.action]
            queryset = queryset.filter(action__in=codes)
        if filters.model:
            try:
                model = apps.get_model(filters.model)
            except (LookupError, ValueError):
                return None
            queryset = queryset.filter(content_type=ContentType.objects.get_for_model(model))
        if filters.actor_ids is not None:
            queryset = queryset.filter(actor_id__in=filters.actor_ids)
        if filters.text:
            queryset = queryset.filter(
                Q(summary__icontains=filters.text) | Q(object_id=filters.text)
            )
        for level, area_id in (
            ("kecamatan", filters.kecamatan_id),
            ("kelurahan", filters.kelurahan_id),
        ):
            if area_id is not None:
                queryset = queryset.filter(self._in_area(level, area_id))
        if filters.proposal_id is not None:
            queryset = queryset.filter(self._of_site(filters.proposal_id))
        return queryset

    def fetch(self, pks) -> list:
        return list(AuditEvent.objects.filter(pk__in=pks).select_related("actor", "content_type"))

    def _in_area(self, level: str, area_id: int) -> Q:
        """A kecamatan: the one the row kept when it was written (an index range). A
        kelurahan: an audit row names its record by content type and id, so the rows whose
        record, of a model with an area, lies in the area."""
        if level == "kecamatan":
            return Q(kecamatan_id=area_id)
        query = Q(pk__in=[])
        types = ContentType.objects.get_for_models(*self.scoped_models)
        for model, content_type in types.items():
            path = area_path(model, level)
            if path is None:
                continue
            if path.split("__")[-1] == "pk":
                path = path[:-2] + model._meta.pk.name
            keys = (
                model._base_manager.filter(**{path: area_id})
                .annotate(_key=Cast("pk", CharField()))
                .values("_key")
            )
            query |= Q(content_type=content_type, object_id__in=keys)
        return query

    def _of_site(self, proposal_id: int) -> Q:
        """The site's own audit rows and its records' (the ids themselves, read in one
        query: a site has a few hundred records), so that PostgreSQL reads the audit rows by
        their (content type, id) index, not by time."""
        query = Q(pk__in=[])
        types = ContentType.objects.get_for_models(*self.scoped_models)
        branches = []
        for model, content_type in types.items():
            path = _proposal_path(model)
            if path is None:
                continue
            if model is Proposal:
                query |= Q(content_type=content_type, object_id=str(proposal_id))
                continue
            branches.append(
                model._base_manager.filter(**{path: proposal_id})
                .order_by()
                .annotate(
                    _type=Value(content_type.pk, output_field=IntegerField()),
                    _key=Cast("pk", CharField()),
                )
                .values_list("_type", "_key")
            )
        keys: dict[int, list[str]] = {}
        if branches:
            for type_id, key in branches[0].union(*branches[1:], all=True):
                keys.setdefault(type_id, []).append(key)
        for type_id, ids in keys.items():
            query |= Q(content_type_id=type_id, object_id__in=ids)
        return query

    def entries(self, rows, filters: Filters) -> list[Entry]:
        result = []
        for row in rows:
            label = (
                row.content_type.model_class()._meta.label_lower
                if row.content_type_id and row.content_type.model_class()
                else ""
            )
            result.append(
                self.entry(
                    row,
                    action=audit_action_kind(row.action),
                    action_label=row.action_label,
                    model_label=label,
                    model_name=str(row.content_type.model_class()._meta.verbose_name)
                    if label
                    else "",
                    record_id=row.object_id,
                    record=row.summary[:120],
                    changes=_audit_changes(row),
                )
            )
        return result


# The record an audit action is about when its row names another (a work day is written on its
# site's row): the action's prefix → that record's model, whose fields name the row's details.
ACTION_RECORDS = {
    "attachment": "proposals.attachment",
    "contribution": "reporting.swadayacontribution",
    "delivery": "procurement.delivery",
    "payment": "procurement.payment",
    "photo": "reporting.progressphoto",
    "report": "reporting.completionreport",
    "resident_usulan": "proposals.residentusulan",
    "site_amend": "verification.amendment",
    "work_day": "reporting.workday",
}
# Details that name another record by its id.
DATA_RECORDS = {
    "amendment": "verification.amendment",
    "contribution": "reporting.swadayacontribution",
    "delivery": "procurement.delivery",
    "entry_id": "proposals.musrenbangentry",
    "payment": "procurement.payment",
    "photo": "reporting.progressphoto",
    "work_day": "reporting.workday",
}
# The services' details that are no field of the record, in Indonesian.
DATA_LABELS = {
    "amends": "mengubah SK",
    "decree": "SK Camat",
    "attendance_sha256": "SHA-256 daftar hadir",
    "changed": "yang diubah",
    "checklist": "daftar periksa",
    "create_rts": "RT baru dibuat",
    "direction": "arah",
    "field": "isian",
    "fields": "isian",
    "filename": "nama berkas",
    "flagged_lines": "baris bertanda",
    "flags": "tanda peringatan",
    "from": "dari",
    "invalid": "baris tidak sah",
    "invalid_rows": "nomor baris tidak sah",
    "items": "jumlah barang",
    "kind": "jenis",
    "lines": "baris",
    "locations": "lokasi",
    "materials": "material",
    "metadata_source": "sumber metadata",
    "moved": "dipindahkan",
    "new": "baru",
    "new_materials": "material baru",
    "new_rts": "RT baru",
    "new_sheet": "daftar hadir baru",
    "nik_last4": "4 angka terakhir NIK",
    "note": "catatan",
    "old": "lama",
    "order": "urutan",
    "outside_kecamatan": "toko di luar kecamatan",
    "phash": "sidik foto",
    "photo": "foto",
    "proposals": "usulan",
    "rab": "RAB",
    "rab_from_catalogue": "baris RAB dari katalog",
    "reason": "alasan",
    "signed_on_paper": "ditandatangani di kertas",
    "to": "menjadi",
    "total": "jumlah",
    "unchanged": "tetap",
    "updated": "diperbarui",
    "updated_ids": "nomor yang diperbarui",
    "year": "tahun",
}


def _audit_changes(row) -> list[dict]:
    """An audit row's details as people read them: a field of the record it is about by the
    field's name and its value as the record's page shows it (choice labels, rupiah, dates),
    any other detail by its Indonesian name."""
    record = row.content_type.model_class() if row.content_type_id else None
    about = next(
        (label for prefix, label in ACTION_RECORDS.items() if row.action.startswith(prefix)),
        None,
    )
    models = [m for m in (about and apps.get_model(about), record) if m]
    changes = []
    for key, value in (row.data or {}).items():
        pointed = DATA_RECORDS.get(key)
        if pointed and isinstance(value, int) and not isinstance(value, bool):
            name = apps.get_model(pointed)._meta.verbose_name
            changes.append({"field": capfirst(name), "old": "", "new": f"#{value}"})
            continue
        changes.append(_detail(models, key, value))
    return sorted(changes, key=lambda change: str(change["field"]).lower())


# Details that are amounts in rupiah by the code of the site they are for.
MONEY_BY_CODE = {"locations"}
# A detail kept under another name than the record's field.
DATA_FIELDS = {"reason": "reject_reason"}


def _detail(models, key: str, value) -> dict:
    label = DATA_LABELS.get(key) or FIELD_LABELS.get(key) or key.replace("_", " ")
    for model in models:
        field = _field(model, key)
        if field is None or not field.concrete:  # (not a reverse relation)
            continue
        if str(field.verbose_name) != field.name.replace("_", " "):
            label = field.verbose_name
        if isinstance(value, list | dict | bool) and not isinstance(field, BooleanField):
            break
        if field.is_relation:
            shown = (
                RelatedId(field.related_model, value)
                if isinstance(value, int) and not isinstance(value, bool)
                else _plain(value)
            )
            return {"field": capfirst(label), "old": "", "new": shown}
        try:
            value = field.to_python(value)
        except ValidationError:
            break
        helper = HistoryChangeHelper(model, None)
        shown = helper.prepare_delta_change_value(ModelChange(field.name, None, value), value)
        return {"field": capfirst(label), "old": "", "new": str(shown)}
    if key in MONEY_BY_CODE and isinstance(value, dict):
        value = {code: rupiah(amount) for code, amount in value.items()}
    return {"field": capfirst(label), "old": "", "new": _plain(value)}


def _field(model, key: str):
    for name in (key, DATA_FIELDS.get(key)):
        try:
            return model._meta.get_field(name) if name else None
        except FieldDoesNotExist:
            continue
    return None


def _plain(value) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_plain(v)}" for k, v in value.items()) or "–"
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value) or "–"
    if isinstance(value, bool):
        return "Ya" if value else "Tidak"
    if isinstance(value, str):
        try:
            return long_date(datetime.date.fromisoformat(value))
        except ValueError:
            pass
    return "–" if value in (None, "") else str(value)


def _known_codes() -> list[str]:
    from bangkit.models import AUDIT_ACTION_LABELS

    return list(AUDIT_ACTION_LABELS)


class TransitionSource(Source):
    """Every step of a proposal: who moved it, from which stage to which, and why."""

    source = "Riwayat tahap"
    label = "proposals.proposal"

    def __init__(self, rank: int):
        self.rank = rank

    def filtered(self, filters: Filters):
        if filters.model and filters.model != self.label:
            return None
        if filters.action and filters.action != TRANSITION:
            return None
        queryset = TransitionLog.objects.all()
        if filters.actor_ids is not None:
            queryset = queryset.filter(actor_id__in=filters.actor_ids)
        if filters.text:
            # (a proposal's code is read as the site itself: audit.selectors.trail_filters)
            queryset = queryset.filter(note__icontains=filters.text)
        for level, area_id in (
            ("kecamatan", filters.kecamatan_id),
            ("kelurahan", filters.kelurahan_id),
        ):
            if area_id is not None:
                queryset = queryset.filter(**{f"proposal__{area_path(Proposal, level)}": area_id})
        if filters.proposal_id is not None:
            queryset = queryset.filter(proposal_id=filters.proposal_id)
        return queryset

    def fetch(self, pks) -> list:
        return list(TransitionLog.objects.filter(pk__in=pks).select_related("actor", "proposal"))

    def entries(self, rows, filters: Filters) -> list[Entry]:
        name = str(Proposal._meta.verbose_name)
        steps, states = _labels(Transition), _labels(State)
        return [
            self.entry(
                row,
                action=TRANSITION,
                model_name=name,
                record_id=str(row.proposal_id),
                record=f"{row.proposal.code}: {steps.get(row.transition, row.transition)}",
                changes=[
                    {
                        "field": "Tahap",
                        "old": states.get(row.from_state, row.from_state),
                        "new": states.get(row.to_state, row.to_state),
                    }
                ],
                note=row.note,
                proposal_code=row.proposal.code,
            )
            for row in rows
        ]


def _labels(choices) -> dict[str, str]:
    """A choices class's labels in the active language (read once: each is a lazy string)."""
    return _labels_in(choices, translation.get_language())


@functools.cache
def _labels_in(choices, language) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


def tracked_models() -> list:
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in TRAIL_APPS
        and getattr(model._meta, "simple_history_manager_attribute", None)
    ]


def sources() -> list:
    """Every source of the trail, each with its rank (the cursor's tie-break)."""
    return list(_sources())


@functools.cache
def _sources() -> tuple:
    """Made once per process (the models do not change; reading each model's history
    manager builds a manager class)."""
    history = [HistorySource(model, rank) for rank, model in enumerate(tracked_models(), start=2)]
    scoped = [
        m
        for m in apps.get_models()
        if m._meta.app_label in TRAIL_APPS and not hasattr(m, "instance_type")  # no history
    ]
    return (TransitionSource(0), AuditEventSource(1, scoped), *history)


# Records that change only through services writing audit rows, without a history of their own.
AUDITED_ONLY = (
    "procurement.handover",
    "reporting.workday",
    "reporting.swadayacontribution",
    "reporting.progressphoto",
    "reporting.completionreport",
)


def model_choices() -> list[tuple[str, str]]:
    """The models a trail row can be of, by their Indonesian names."""
    names = {m._meta.label_lower: str(m._meta.verbose_name) for m in tracked_models()}
    for label in AUDITED_ONLY:
        names.setdefault(label, str(apps.get_model(label)._meta.verbose_name))
    return sorted(names.items(), key=lambda item: item[1].lower())


@dataclass
class Page:
    entries: list[Entry]
    next_cursor: str | None


def _keys(source, filters: Filters, cursor: Cursor | None, size: int):
    """The (time, rank, id) of the source's first ``size`` rows under the filters, after the
    cursor, newest first (each branch limited: PostgreSQL does not merge-append a UNION)."""
    queryset = source.filtered(filters)
    if queryset is None:
        return None
    queryset = _time_window(
        queryset, source.time_field, filters, cursor, source.rank, source.pk_field
    )
    return queryset.annotate(
        k_time=F(source.time_field),
        k_rank=Value(source.rank, output_field=IntegerField()),
        k_pk=F(source.pk_field),
    ).values_list("k_time", "k_rank", "k_pk")[:size]


# Stand-ins for the filters' values while a page's key query is compiled, once per shape of
# the filters (which are set, the model, the action, the cursor's source): later pages of that
# shape put their values where these stand. No id, date or cursor of the trail is one of them.
_STAND_INS = {
    "kecamatan_id": -7_000_001,
    "kelurahan_id": -7_000_002,
    "cursor_pk": -7_000_003,
    "since": datetime.datetime(1901, 1, 1, 0, 0, 0, 1, tzinfo=datetime.UTC),
    "until": datetime.datetime(1901, 1, 1, 0, 0, 0, 2, tzinfo=datetime.UTC),
    "cursor_time": datetime.datetime(1901, 1, 1, 0, 0, 0, 3, tzinfo=datetime.UTC),
}
_KEY_QUERIES: dict[tuple, tuple[str, tuple, dict[int, str]]] = {}
_KEY_QUERIES_MAX = 500


def _key_query(filters: Filters, cursor: Cursor | None, size: int):
    """The SQL and parameters of the query taking a page's keys from every source at once
    (``None``: no source can hold a row). Compiling the union of twenty-odd querysets is most
    of the page's Python time, so a page without text, actor or site (whose parameters vary
    in number) reuses the SQL compiled for its shape in this process."""
    if filters.text or filters.actor_ids is not None or filters.proposal_id is not None:
        return _compiled_keys(filters, cursor, size)
    values = {
        "kecamatan_id": filters.kecamatan_id,
        "kelurahan_id": filters.kelurahan_id,
        "since": filters.since,
        "until": filters.until,
        "cursor_time": cursor.time if cursor else None,
        "cursor_pk": cursor.pk if cursor else None,
    }
    shape = (
        connection.alias,
        tuple(name for name, value in values.items() if value is not None),
        filters.model,
        filters.action,
        cursor.rank if cursor else None,
        size,
    )
    known = _KEY_QUERIES.get(shape)
    if known is None:
        stand_in = dataclasses.replace(
            filters,
            **{name: _STAND_INS[name] for name in shape[1] if hasattr(filters, name)},
        )
        stand_cursor = (
            Cursor(_STAND_INS["cursor_time"], cursor.rank, _STAND_INS["cursor_pk"])
            if cursor
            else None
        )
        compiled = _compiled_keys(stand_in, stand_cursor, size)
        if compiled is None:
            return None
        sql, params = compiled
        slots = {
            index: name
            for index, param in enumerate(params)
            for name, mark in _STAND_INS.items()
            if type(param) is type(mark) and param == mark
        }
        if len(_KEY_QUERIES) >= _KEY_QUERIES_MAX:
            _KEY_QUERIES.clear()
        known = _KEY_QUERIES[shape] = (sql, tuple(params), slots)
    sql, params, slots = known
    params = list(params)
    for index, name in slots.items():
        params[index] = values[name]
    return sql, params


def _compiled_keys(filters: Filters, cursor: Cursor | None, size: int):
    branches = [_keys(s, filters, cursor, size) for s in sources()]
    branches = [q for q in branches if q is not None]
    if not branches:
        return None
    if len(branches) > 1:
        merged = branches[0].union(*branches[1:], all=True)
        branches = [merged.order_by("-k_time", "-k_rank", "-k_pk")[:size]]
    return branches[0].query.sql_with_params()


def _page_keys(filters: Filters, cursor: Cursor | None, size: int) -> list[tuple]:
    """The (time, rank, id) of the first ``size`` rows of the merged timeline."""
    if not connection.features.supports_slicing_ordering_in_compound:
        # SQLite (the quick start) allows no LIMIT inside a UNION: each branch is read on its
        # own (each limited) and the keys merged here, in the same order.
        branches = [_keys(s, filters, cursor, size) for s in sources()]
        keys = (tuple(key) for branch in branches if branch is not None for key in branch)
        return sorted(keys, reverse=True)[:size]
    query = _key_query(filters, cursor, size)
    if query is None:
        return []
    with connection.cursor() as db:
        db.execute(*query)
        return db.fetchall()


def trail_page(filters: Filters, cursor: Cursor | None = None, *, size: int = PAGE_SIZE) -> Page:
    """One page of the merged timeline, newest first, and the cursor of the next page.

    One query takes the page's keys from every source at once (UNION ALL, each branch read
    newest first by its index on time, merged by PostgreSQL); then each source present on
    the page reads its own rows by id."""
    by_rank = {source.rank: source for source in sources()}
    keys = _page_keys(filters, cursor, size + 1)
    more = len(keys) > size
    keys = keys[:size]
    wanted: dict[int, list[int]] = {}
    for _, rank, pk in keys:
        wanted.setdefault(rank, []).append(pk)
    entries = []
    for rank, pks in wanted.items():
        source = by_rank[rank]
        entries.extend(source.entries(source.fetch(pks), filters))
    entries.sort(key=lambda e: (e.time, e.rank, e.pk), reverse=True)
    name_related(entries)
    return Page(entries, entries[-1].cursor.token() if more and entries else None)


# --- the records a diff's foreign keys point at ------------------------------------------------

# The keys a record's display name reads (its __str__ follows them): read with it, not per row.
NAME_FOLLOWS = {
    "bangkit.rt": ("kelurahan",),
    "procurement.delivery": ("order",),
    "procurement.rabtemplate": ("fiscal_year",),
    "verification.decree": ("kecamatan", "fiscal_year"),
}


def _name(row) -> str:
    """A record as people read it; a person as the trail's actor column reads them."""
    if isinstance(row, User):
        full = row.get_full_name()
        return f"{full} ({row.username})" if full else row.username
    return str(row)


def name_related(entries: list[Entry]) -> None:
    """Each foreign key in the entries' changes by its record's name ("Diterbitkan oleh: Budi
    (camat-telanaipura)", not "53"): the keys collected per related model, each model's rows
    read in one query; a key whose row is gone says so."""
    wanted: dict[type, set] = {}
    for entry in entries:
        for change in entry.changes:
            for value in (change["old"], change["new"]):
                if isinstance(value, RelatedId):
                    wanted.setdefault(value.model, set()).add(value.pk)
    if not wanted:
        return
    names = {}
    for model, pks in wanted.items():
        rows = model._base_manager.filter(pk__in=pks).select_related(
            *NAME_FOLLOWS.get(model._meta.label_lower, ())
        )
        names.update(((model, row.pk), _name(row)) for row in rows)
    for entry in entries:
        for change in entry.changes:
            for side in ("old", "new"):
                value = change[side]
                if isinstance(value, RelatedId):
                    change[side] = names.get((value.model, value.pk)) or value.missing()


# --- links to the records' own pages -----------------------------------------------------------

# model → (url name, the field its URL takes): the pages staff read a record on.
RECORD_PAGES = {
    "proposals.proposal": ("proposals:detail", "code"),
    "verification.decree": ("verification:decree_detail", "public_id"),
    "procurement.purchaseorder": ("procurement:order", "pk"),
    **dict.fromkeys(
        ("procurement.delivery", "procurement.payment"), ("procurement:order", "order_id")
    ),
    "procurement.handover": ("procurement:proposal", "proposal_id"),
    # a site's work days, contributions, photos and completion report: its reporting page
    **dict.fromkeys(
        (
            f"reporting.{name}"
            for name in ("workday", "swadayacontribution", "progressphoto", "completionreport")
        ),
        ("reporting:site", "proposal_id"),
    ),
}


def attach_links(entries: list[Entry], *, admin: bool) -> None:
    """Each row's link to its record's page (one query per kind of record on the page), else
    to the record's page in the admin for staff."""
    wanted: dict[str, set] = {}
    for entry in entries:
        if entry.model_label in RECORD_PAGES and entry.record_id.isdigit():
            wanted.setdefault(entry.model_label, set()).add(int(entry.record_id))
    values: dict[tuple[str, str], object] = {}
    codes: dict[str, str] = {}
    branches = []
    labels = list(wanted)
    for index, label in enumerate(labels):
        attr = RECORD_PAGES[label][1]
        branches.append(
            apps.get_model(label)
            ._base_manager.filter(pk__in=wanted[label])
            .order_by()
            .annotate(
                _label=Value(index, output_field=IntegerField()),
                _value=Cast(attr, CharField()),
            )
            .values_list("_label", "pk", "_value")
        )
    # one query for every kind of record on the page
    rows = branches[0].union(*branches[1:], all=True) if branches else []
    for index, pk, value in rows:
        values[(labels[index], str(pk))] = value
        if labels[index] == "proposals.proposal":
            codes[str(pk)] = value  # (its page is named by its code)
    for entry in entries:
        if entry.model_label == "proposals.proposal" and entry.proposal_code is None:
            entry.proposal_code = codes.get(entry.record_id)
        value = values.get((entry.model_label, entry.record_id))
        if value is not None:
            try:
                entry.url = reverse(RECORD_PAGES[entry.model_label][0], args=[value])
            except NoReverseMatch:
                entry.url = None
        elif admin and entry.model_label and entry.record_id.isdigit():
            app_label, model_name = entry.model_label.split(".")
            try:
                entry.url = reverse(
                    f"admin:{app_label}_{model_name}_change", args=[entry.record_id]
                )
            except NoReverseMatch:
                entry.url = None


def site_trail(proposal_id: int, *, limit: int = 5000) -> list[Entry]:
    """Every trail row of one site, newest first (bounded: a site has a few hundred)."""
    filters = Filters(proposal_id=proposal_id, creation_values=True)
    entries: list[Entry] = []
    cursor = None
    while len(entries) < limit:
        page = trail_page(filters, cursor, size=200)
        entries.extend(page.entries)
        if page.next_cursor is None:
            break
        cursor = Cursor.parse(page.next_cursor)
    return entries[:limit]


def local_day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
