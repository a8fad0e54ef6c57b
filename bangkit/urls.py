"""URL routes of the whole site."""

from django.contrib import admin
from django.urls import include, path

from bangkit import signin, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Before Django's own route of the same name: the same view, rate-limited.
    path("accounts/password_reset/", signin.password_reset, name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("usulan/", include("proposals.urls")),
    path("verifikasi/", include("verification.urls")),
    path("pengadaan/data/", include("procurement.public_urls")),
    path("pengadaan/", include("procurement.urls")),
    path("laporan/", include("reporting.urls")),
    path("sk/", include("verification.public_urls")),
    path("", include("proposals.public_urls")),
]

# Media are never served from MEDIA_URL: attachments and photos go through views that check
# the user's area (and public copies through public views).
