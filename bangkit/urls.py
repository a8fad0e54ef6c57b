"""URL routes of the whole site."""

from django.contrib import admin
from django.urls import include, path

from bangkit import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
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
