"""Area scoping: the one mechanism that decides which rows a signed-in user may see."""

from django.db import models
from django.http import Http404


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows how to reach an RT, a kelurahan and a kecamatan from its rows.

    Models declare the lookup paths once (``as_manager(rt=..., kelurahan=..., kecamatan=...)``
    or as class attributes on a subclass); every view, admin page, export and API then calls
    ``visible_to(user)``. A path of ``None`` means that level sees nothing of this model.
    """

    scope_rt: str | None = None
    scope_kelurahan: str | None = None
    scope_kecamatan: str | None = None
    # Suppliers see only their own rows, where a model says how.
    scope_toko: str | None = None

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
            Role.TOKO: (self.scope_toko, getattr(user, "supplier_id", None)),
        }
        path, area_id = level_area.get(user.role, (None, None))
        if path is None or area_id is None:
            return self.none()
        qs = self.filter(**{path: area_id})
        # Reverse (one-to-many) paths can repeat a row; only then pay for DISTINCT.
        return qs.distinct() if "_set" in path or path.endswith("rts") else qs

    def get_visible_or_404(self, user, **lookup):
        try:
            return self.visible_to(user).get(**lookup)
        except (self.model.DoesNotExist, ValueError, TypeError) as exc:
            raise Http404 from exc
