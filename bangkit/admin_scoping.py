"""Admin permissions by role and area: the admin uses the same scoping as every view."""

from django.contrib import admin

from bangkit.models import Role


class ScopedAdmin(admin.ModelAdmin):
    """Rows limited to the user's area; the Inspektorat may look at everything, change nothing.

    ``editable_by`` names the roles (besides administrators) that may change this model here.
    """

    editable_by: frozenset[str] = frozenset()

    def _is_admin(self, user) -> bool:
        return user.is_active and (user.is_superuser or user.role == Role.ADMIN)

    def _may_edit(self, request) -> bool:
        user = request.user
        if not user.is_active or not user.is_staff or user.is_read_only:
            return False
        return self._is_admin(user) or user.role in self.editable_by

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
