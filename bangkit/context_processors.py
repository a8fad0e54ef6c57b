"""Navigation by role, computed once per request for the base template."""

from django.urls import reverse

from bangkit.models import Role


def navigation(request):
    user = getattr(request, "user", None)
    items = [
        ("Lacak usulan", reverse("public:track")),
        ("Dukung usulan", reverse("public:support_list")),
    ]
    if user is not None and user.is_authenticated:
        items = [("Beranda", reverse("home"))]
        if user.role in (Role.RT, Role.KELURAHAN, Role.KECAMATAN) or user.is_city_wide:
            items.append(("Usulan", reverse("proposals:list")))
        if user.is_staff:
            items.append(("Admin", reverse("admin:index")))
        items.append(("Lacak", reverse("public:track")))
    return {"nav_items": items}
