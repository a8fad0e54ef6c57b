"""Navigation by role, computed once per request for the base template."""

from django.urls import NoReverseMatch, reverse

from bangkit.models import Role

# (label, url name, roles that see it; "city" = Bappeda, Inspektorat, admin)
SIGNED_IN_MENU = [
    ("Beranda", "home", None),
    ("Usulan", "proposals:list", {Role.RT, Role.KELURAHAN, Role.KECAMATAN, "city"}),
    # e-Planning: residents' usulan for the kelurahan, the RT's list and meeting for the RT.
    ("Usulan warga", "proposals:usulan_queue", {Role.KELURAHAN}),
    ("Daftar RT", "proposals:rt_list", {Role.RT}),
    ("Prioritas", "verification:ranking", {Role.KECAMATAN, "city"}),
    ("SK Camat", "verification:decree_list", {Role.KECAMATAN, "city"}),
    ("Pagu", "budgets:envelopes", {"city"}),
    (
        "Pengadaan",
        "procurement:index",
        {Role.RT, Role.KELURAHAN, Role.KECAMATAN, Role.TOKO, "city"},
    ),
    ("Pelaksanaan", "reporting:sites", {Role.RT, Role.KELURAHAN, Role.KECAMATAN, "city"}),
    # The city's figures (the top app dashboards); the camat and lurah see their own area.
    ("Dasbor", "dashboards:index", {Role.KELURAHAN, Role.KECAMATAN, "city"}),
    # The Inspektorat's workspace (the top app audit); a camat sees their own kecamatan.
    ("Audit", "audit:trail", {Role.INSPEKTORAT, Role.KECAMATAN, Role.ADMIN}),
]


def _url(name):
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        items = [
            ("Proyek", reverse("public:projects")),
            ("Kirim usulan", reverse("usul:form")),
            ("Lacak usulan", reverse("public:track")),
            ("Dukung usulan", reverse("public:support_list")),
        ]
        return {"nav_items": items}
    roles = {user.role} | ({"city"} if user.is_city_wide else set())
    if user.is_superuser:
        roles.add(Role.ADMIN)
    items = []
    for label, name, allowed in SIGNED_IN_MENU:
        if allowed is None or roles & allowed:
            url = _url(name)
            if url:
                items.append((label, url))
    if user.is_staff:
        items.append(("Admin", reverse("admin:index")))
    items.append(("Lacak", reverse("public:track")))
    return {"nav_items": items}
