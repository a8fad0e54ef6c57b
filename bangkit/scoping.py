"""Area scoping: the one mechanism that decides which rows a signed-in user may see."""

import functools

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.http import Http404


def path_may_repeat_rows(model, path: str) -> bool:
    """Whether ``filter(**{path: id})`` can return a row of ``model`` more than once.

    Filtering on one area id repeats a row only when the path fans out (a to-many hop) and
    then narrows back (a many-to-one or many-to-many hop), e.g. ``locations__proposal__rt``:
    two locations of one decree in the same RT. ``kelurahan_set__rts`` ends on the RT
    itself, so one RT id reaches each kecamatan once, and needs no de-duplication.
    """
    opts = model._meta
    fanned_out = False
    for part in path.split("__"):
        if part == "pk":
            break
        try:
            field = opts.get_field(part)
        except FieldDoesNotExist:
            return True  # a lookup we do not understand: be safe
        if not field.is_relation:
            break
        if field.many_to_many or (fanned_out and field.many_to_one):
            return True
        fanned_out = fanned_out or field.one_to_many
        opts = field.related_model._meta
    return False


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows how to reach an RT, a kelurahan and a kecamatan from its rows.

    Models declare the lookup paths once (``as_manager(rt=..., kelurahan=..., kecamatan=...)``
    or as class attributes on a subclass); every view, admin page, export and API then calls
    ``visible_to(user)``. A path of ``None`` means that level sees nothing of this model.

    Most rows carry an RT and its kelurahan, or reach a row that does: they say only the way
    there, ``via`` ("" for the row itself, "proposal__", "order__proposal__"), and the three
    paths follow; a path the class names itself still wins.
    """

    scope_via: str | None = None
    scope_rt: str | None = None
    scope_kelurahan: str | None = None
    scope_kecamatan: str | None = None
    # A toko account sees only its own shop's rows, where a model says how: the path leads
    # to the account itself (e.g. "supplier__accounts__user"), so the core knows no shop.
    scope_toko: str | None = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        via = cls.__dict__.get("scope_via")
        if via is None:
            return
        derived = {"rt": "rt", "kelurahan": "kelurahan", "kecamatan": "kelurahan__kecamatan"}
        for level, path in derived.items():
            if f"scope_{level}" not in cls.__dict__:
                setattr(cls, f"scope_{level}", via + path)

    @classmethod
    def as_manager(cls, **paths):
        if paths:
            attrs = {f"scope_{level}": path for level, path in paths.items()}
            cls = type(cls.__name__, (cls,), attrs)
        return super().as_manager()

    def visible_to(self, user):
        from bangkit.models import Role

        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_city_wide:
            return self.all()
        level_area = {
            Role.RT: (self.scope_rt, user.rt_id),
            Role.KELURAHAN: (self.scope_kelurahan, user.kelurahan_id),
            Role.KECAMATAN: (self.scope_kecamatan, user.kecamatan_id),
            Role.TOKO: (self.scope_toko, user.pk),
        }
        path, area_id = level_area.get(user.role, (None, None))
        if path is None or area_id is None:
            return self.none()
        if path_may_repeat_rows(self.model, path):
            # A subquery, not DISTINCT: the result still allows select_for_update(),
            # delete(), aggregation and any ordering.
            inner = self.model._base_manager.filter(**{path: area_id}).values("pk")
            return self.filter(pk__in=inner)
        return self.filter(**{path: area_id})

    def get_visible_or_404(self, user, **lookup):
        try:
            return self.visible_to(user).get(**lookup)
        except (self.model.DoesNotExist, ValueError, TypeError, ValidationError) as exc:
            raise Http404 from exc


def area_path(model, level: str) -> str | None:
    """The lookup from a row of ``model`` to its area at ``level`` ("kecamatan", "kelurahan"),
    as ``visible_to`` knows it, or through the one foreign key to a scoped parent (a RAB
    line's proposal); ``None`` when the model has no area."""
    queryset = model._default_manager.get_queryset()
    path = getattr(queryset, f"scope_{level}", None)
    if path:
        return path
    for candidate in model._meta.concrete_fields:
        if candidate.many_to_one and candidate.related_model is not model:
            parent = candidate.related_model._default_manager.get_queryset()
            parent_path = getattr(parent, f"scope_{level}", None)
            if parent_path:
                return f"{candidate.name}__{parent_path}"
    return None


@functools.cache
def _kecamatan_parts(model) -> tuple[str, ...] | None:
    """The hops of ``model``'s path to its kecamatan (``()``: the row is one), or ``None``
    when it has no single kecamatan; read once per model (every audit row asks)."""
    path = area_path(model, "kecamatan")
    if path is None or path_may_repeat_rows(model, path):
        return None
    parts = tuple(path.split("__"))
    return parts[:-1] if parts[-1] == "pk" else parts


def kecamatan_of(obj) -> int | None:
    """The id of the one kecamatan ``obj`` lies in (``None``: no area, or several).

    Read from the instance as far as its foreign keys are loaded, then with at most one
    query for the rest of the path; a deleted record still names its parents."""
    if obj is None or not isinstance(obj, models.Model):
        return None
    parts = _kecamatan_parts(type(obj))
    if parts is None:
        return None
    if not parts:
        return obj.pk
    current = obj
    for index, part in enumerate(parts):
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        if not field.many_to_one:
            return None
        value = getattr(current, field.attname)
        if value is None or index == len(parts) - 1:
            return value
        if not field.is_cached(current):
            rest = "__".join(parts[index + 1 :])
            related = field.related_model._base_manager.filter(pk=value)
            return related.values_list(rest, flat=True).first()
        current = getattr(current, part)
    return None
