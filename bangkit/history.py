"""Who made each change in the history django-simple-history keeps of rules and money records.

Every tracked model declares ``history = history_records(...)``: its history rows name the
actor a service was called with (``@records_actor``), else the signed-in user of the request
(simple-history's middleware), so a change made by an import, a background task or a seeder
is as attributable as one made in the admin.

What the history leaves out is named where the model declares it: ``excluded_fields`` (sums
kept up to date by bulk updates, a password), ``masked`` (a value that may be a whole NIK,
kept in the history only as its service shows it).

A record with an area (``bangkit.scoping.area_path`` reaches one kecamatan) keeps that
kecamatan on each of its history rows, ``history_kecamatan``, read when the row is written (as
``audit_record`` fills ``AuditEvent.kecamatan``) and indexed with the row's time: a camat's
trail reads one index range per history table, and a row stays in the kecamatan it was
written in after its record moves or is deleted.
"""

from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from django.db.models.fields.related import resolve_relation
from simple_history.manager import HistoryManager
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

from bangkit.scoping import area_path, kecamatan_of

_actor: ContextVar = ContextVar("history_actor", default=None)


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "pk", None) is not None and user.is_authenticated


@contextmanager
def acting(actor):
    """History rows written inside are recorded under ``actor``."""
    token = _actor.set(actor if _signed_in(actor) else None)
    try:
        yield
    finally:
        _actor.reset(token)


def records_actor(service: Callable) -> Callable:
    """For a service taking a keyword ``actor``: what it saves is recorded under that actor."""

    @wraps(service)
    def wrapper(*args, **kwargs):
        with acting(kwargs.get("actor")):
            return service(*args, **kwargs)

    return wrapper


def history_user(request=None, **kwargs):
    """The user a history row names: the service's actor, else the request's user."""
    actor = _actor.get()
    if actor is not None:
        return actor
    user = getattr(request, "user", None)
    return user if _signed_in(user) else None


AREA_FIELD = "history_kecamatan"


def has_one_kecamatan(model) -> bool:
    """Whether each row of ``model`` lies in one kecamatan (its history keeps it): the path
    ``area_path`` finds, read while the models are still being defined (a history model is
    made as its model is), so through forward foreign keys only."""
    path = _class_time_path(model)
    if path is None:
        return False
    current = model
    for part in path.split("__"):
        if part == "pk":
            break
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:
            return False  # a reverse relation: it may fan out
        if not (field.many_to_one or field.one_to_one):
            return False
        current = _defined(model, field.remote_field.model)
    return True


def _class_time_path(model) -> str | None:
    path = getattr(model._default_manager.get_queryset(), "scope_kecamatan", None)
    if path:
        return path
    for candidate in model._meta.concrete_fields:
        if not candidate.many_to_one:
            continue
        parent = _defined(model, candidate.remote_field.model)
        if parent is model:
            continue
        parent_path = getattr(parent._default_manager.get_queryset(), "scope_kecamatan", None)
        if parent_path:
            return f"{candidate.name}__{parent_path}"
    return None


def _defined(model, target):
    """The model a relation names, defined before ``model`` (else the history could not know
    whether it has an area: define the parent first)."""
    if not isinstance(target, str):
        return target
    app_label, _, name = resolve_relation(model, target).partition(".")
    found = apps.all_models[app_label].get(name.lower())
    if found is None:
        raise ImproperlyConfigured(f"{model.__name__}: define {target} before it (its history)")
    return found


class AreaHistoryManager(HistoryManager):
    """Bulk-written history rows (``bulk_create_with_history``) keep their kecamatan too:
    one look-up per parent, not per row (a RAB's lines share their proposal)."""

    def bulk_history_create(self, objs, *args, custom_historical_attrs=None, **kwargs):
        if not hasattr(self.model, AREA_FIELD):
            return super().bulk_history_create(
                objs, *args, custom_historical_attrs=custom_historical_attrs, **kwargs
            )
        by_parent: dict = {}
        groups: dict = {}
        for obj in objs:
            parent = _first_hop(obj)
            if parent not in by_parent:
                by_parent[parent] = kecamatan_of(obj)
            groups.setdefault(by_parent[parent], []).append(obj)
        created = []
        for kecamatan_id, group in groups.items():
            attrs = {**(custom_historical_attrs or {}), f"{AREA_FIELD}_id": kecamatan_id}
            created.extend(
                super().bulk_history_create(group, *args, custom_historical_attrs=attrs, **kwargs)
                or []
            )
        return created


def _first_hop(obj):
    """The value of the first foreign key on ``obj``'s path to its kecamatan (its parent)."""
    first = area_path(type(obj), "kecamatan").split("__")[0]
    if first == "pk":
        return obj.pk
    field = obj._meta.get_field(first)
    return getattr(obj, field.attname) if field.concrete else obj.pk


def _fill_kecamatan(sender, instance, history_instance, **kwargs):
    setattr(history_instance, f"{AREA_FIELD}_id", kecamatan_of(instance))


# The history migrations build their operations from these two (history_area_operations): a
# change to either is a change of schema, with a new migration of its own.
def area_field() -> models.ForeignKey:
    return models.ForeignKey(
        "bangkit.Kecamatan",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
        verbose_name="kecamatan",
    )


def area_indexes(app_label: str, model_name: str) -> list[models.Index]:
    """The tables that grow with the sites: a camat's rows by time, and the rare deletions
    by time (a partial index: the trail's "deletions only" reads no other row)."""
    name = f"{app_label[:4]}_h{model_name[:15]}"
    return [
        models.Index(fields=[AREA_FIELD, "-history_date", "-history_id"], name=f"{name}_kec"),
        models.Index(
            fields=["-history_date", "-history_id"],
            condition=models.Q(history_type="-"),
            name=f"{name}_del",
        ),
    ]


class ActorHistoricalRecords(HistoricalRecords):
    """HistoricalRecords naming the service's actor, skipping saves of left-out fields only
    (a login's ``last_login``), and masking what must never be kept whole."""

    def __init__(self, *, masked: dict[str, Callable[[str], str]] | None = None, **options):
        options.setdefault("history_manager", AreaHistoryManager)
        super().__init__(get_user=history_user, **options)
        self.masked = masked or {}

    def get_extra_fields(self, model, fields):
        extra = super().get_extra_fields(model, fields)
        if has_one_kecamatan(model):
            extra[AREA_FIELD] = area_field()
        return extra

    def get_meta_options(self, model):
        meta = super().get_meta_options(model)
        if has_one_kecamatan(model):
            indexes = area_indexes(model._meta.app_label, model._meta.model_name)
            meta["indexes"] = [*meta.get("indexes", ()), *indexes]
        return meta

    def finalize(self, sender, **kwargs):
        super().finalize(sender, **kwargs)
        if sender is not self.cls:
            return
        history_model = getattr(sender, self.manager_name).model
        if self.masked:
            pre_create_historical_record.connect(self._mask, sender=history_model, weak=False)
        if hasattr(history_model, AREA_FIELD):
            pre_create_historical_record.connect(_fill_kecamatan, sender=history_model)

    def _mask(self, sender, history_instance, **kwargs):
        for name, mask in self.masked.items():
            setattr(history_instance, name, mask(getattr(history_instance, name)))

    def post_save(self, instance, created, using=None, **kwargs):
        update_fields = kwargs.get("update_fields")
        if not created and update_fields and set(update_fields) <= set(self.excluded_fields):
            return  # nothing the history keeps was saved
        super().post_save(instance, created, using=using, **kwargs)


def history_records(**options) -> HistoricalRecords:
    """The history of a model: who changed what, from which value to which, and when."""
    return ActorHistoricalRecords(**options)


def history_area_operations(app_label: str, model_names: list[str]) -> list:
    """A migration's operations giving the history of ``model_names`` (of ``app_label``)
    their kecamatan: the column, the rows written before filled in, then the indexes."""
    from django.db import migrations

    return [
        *(
            migrations.AddField(f"historical{name}", AREA_FIELD, area_field())
            for name in model_names
        ),
        migrations.RunPython(
            fill_history_kecamatan(app_label), migrations.RunPython.noop, elidable=True
        ),
        *(
            migrations.AddIndex(f"historical{name}", index)
            for name in model_names
            for index in area_indexes(app_label, name)
        ),
    ]


def fill_history_kecamatan(app_label: str):
    """A migration's step filling ``history_kecamatan`` on the history rows written before it:
    each row's kecamatan through the parents its own foreign keys name now (a row whose
    parent has since been deleted stays without one: the city sees it, no camat does)."""

    def fill(apps, schema_editor):
        from django.apps import apps as live_apps
        from django.db.models import F, OuterRef, Subquery

        for live in live_apps.get_app_config(app_label).get_models():
            manager = getattr(live._meta, "simple_history_manager_attribute", None)
            if manager is None or not hasattr(getattr(live, manager).model, AREA_FIELD):
                continue
            history = apps.get_model(app_label, getattr(live, manager).model.__name__)
            first, _, rest = area_path(live, "kecamatan").partition("__")
            field = history._meta.get_field(first)
            if not rest or rest == "pk":
                value = F(field.attname)
            else:
                parents = field.related_model._base_manager.filter(pk=OuterRef(field.attname))
                value = Subquery(parents.values(rest)[:1])
            history._base_manager.filter(**{f"{AREA_FIELD}__isnull": True}).update(
                **{f"{AREA_FIELD}_id": value}
            )

    return fill
