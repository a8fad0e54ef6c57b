"""Admin permissions by role and area: the admin uses the same scoping as every view."""

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from bangkit import rules
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


class ScopedAdmin(admin.ModelAdmin):
    """Rows limited to the user's area; the Inspektorat may look at everything, change nothing.

    ``edit_rule`` is the predicate (from the app's rules.py, the same one its services and
    views use) that says who may add, change and delete rows here: administrators by default.
    """

    edit_rule = staticmethod(rules.is_administrator)

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
        if hasattr(qs, "visible_to"):
            return qs.visible_to(request.user)
        return qs if request.user.is_city_wide else qs.none()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model._default_manager.all()
        if hasattr(related, "visible_to"):
            kwargs.setdefault("queryset", related.visible_to(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyAdmin(ScopedAdmin):
    """For records nobody edits by hand: audit rows, logs, computed history."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
