"""Public pages that need no sign-in: tracking a proposal, supporting an entry, the funded
sites and their map."""

from django.urls import path

from portal import oc4ids, open_data, project_views, public_views

app_name = "public"

urlpatterns = [
    path("lacak/", public_views.track, name="track"),
    # A direct link for a receipt or a QR code; the code is normalised like the form's.
    path("lacak/<str:code>/", public_views.track, name="track_detail"),
    path("dukung/", public_views.support_list, name="support_list"),
    path("dukung/<int:pk>/", public_views.support, name="support"),
    # Every funded site, with its map (which works offline), and one page per site.
    path("proyek/", project_views.project_list, name="projects"),
    path("proyek/peta/batas.geojson", project_views.boundaries_geojson, name="project_boundaries"),
    path("proyek/peta/lokasi.geojson", project_views.sites_geojson, name="project_sites"),
    path("proyek/peta.svg", project_views.map_svg, name="project_map_svg"),
    # Open data per year (CC BY 4.0): the figures and the sites.
    path("proyek/data/<int:year>.csv", open_data.year_csv, name="open_data_csv"),
    path("proyek/data/<int:year>.geojson", open_data.year_geojson, name="open_data_geojson"),
    path("proyek/data/<int:year>-oc4ids.json", oc4ids.year_oc4ids, name="open_data_oc4ids"),
    path("proyek/<str:code>/", project_views.project_detail, name="project"),
    path("proyek/<str:code>/qr.svg", project_views.project_qr, name="project_qr"),
    path("proyek/<str:code>/foto/<str:pk>/", project_views.project_photo, name="project_photo"),
    path(
        "proyek/<str:code>/foto/<str:pk>/kecil/",
        project_views.project_thumbnail,
        name="project_thumbnail",
    ),
]
