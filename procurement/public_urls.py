"""Public downloads of the year's purchases (no sign-in), under /pengadaan/data/."""

from django.urls import path

from procurement import views

app_name = "procurement_public"

urlpatterns = [
    path("", views.public_index, name="index"),
    path("<int:year>/pembelian.csv", views.public_csv, name="csv"),
    path("<int:year>/pembelian.xlsx", views.public_xlsx, name="xlsx"),
    path("<int:year>/ocds.json", views.public_ocds, name="ocds"),
]
