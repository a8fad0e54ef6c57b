"""URL routes of the whole site."""

from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from bangkit import metrics, signin, views
from portal import urls as portal_urls
from portal import views as portal_views
from proposals import urls as proposal_urls

# A lost database connection is a 503 page in Indonesian, not a 500 (bangkit/views.py).
handler500 = views.server_error

urlpatterns = [
    path("", portal_views.front, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("metrics", metrics.metrics, name="metrics"),
    # Before Django's own route of the same name: the same view, rate-limited.
    path("accounts/password_reset/", signin.password_reset, name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    # The envelope moved from the core app to budgets: old admin links keep working.
    re_path(
        r"^admin/bangkit/budgetenvelope/(?P<rest>.*)$",
        RedirectView.as_view(url="/admin/budgets/budgetenvelope/%(rest)s", query_string=True),
    ),
    path("admin/", admin.site.urls),
    # The proposal screens and the dossier page (portal) share one namespace and prefix.
    path(
        "usulan/",
        include(([*proposal_urls.urlpatterns, *portal_urls.dossier_patterns], "proposals")),
    ),
    # The Ketua RT's guided flow (portal) under the same prefix.
    path("usulan/", include("portal.flow_urls")),
    path("verifikasi/prioritas/pagu/", include("budgets.urls")),
    path("verifikasi/", include("verification.urls")),
    path("pengadaan/data/", include("procurement.public_urls")),
    path("pengadaan/", include("procurement.urls")),
    path("laporan/", include("reporting.urls")),
    path("dasbor/", include("dashboards.urls")),
    path("laporan-walikota/", include("dashboards.public_urls")),
    path("audit/", include("audit.urls")),
    path("sk/", include("portal.decree_urls")),
    # A resident's usulan without an account (e-Planning).
    path("usul/", include("portal.usul_urls")),
    path("", include("portal.notification_urls")),
    path("", include("portal.public_urls")),
]

# Media are never served from MEDIA_URL: attachments and photos go through views that check
# the user's area (and public copies through public views).
