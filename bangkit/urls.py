"""URL routes of the whole site."""

from django.conf import settings
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
    path("sk/", include("verification.public_urls")),
    path("", include("proposals.public_urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
