"""The site's URLs plus procurement's, for tests until bangkit/urls.py includes them."""

from django.urls import include, path

from bangkit.urls import urlpatterns as site_urlpatterns

_included = {getattr(p, "namespace", None) for p in site_urlpatterns}
urlpatterns = [
    *(
        [path("pengadaan/data/", include("procurement.public_urls"))]
        if "procurement_public" not in _included
        else []
    ),
    *([path("pengadaan/", include("procurement.urls"))] if "procurement" not in _included else []),
    *site_urlpatterns,
]
