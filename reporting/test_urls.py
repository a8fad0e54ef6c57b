"""The site's URLs plus reporting's (and procurement's), for tests until bangkit/urls.py
includes them."""

from django.urls import include, path

from bangkit.urls import urlpatterns as site_urlpatterns

_included = {getattr(p, "namespace", None) for p in site_urlpatterns}
urlpatterns = [
    *([path("laporan/", include("reporting.urls"))] if "reporting" not in _included else []),
    *([path("pengadaan/", include("procurement.urls"))] if "procurement" not in _included else []),
    *site_urlpatterns,
]
