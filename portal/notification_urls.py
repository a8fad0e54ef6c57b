"""Following a proposal by e-mail, under the tracking page's prefix."""

from django.urls import path

from portal import notification_views

app_name = "notify"

urlpatterns = [
    path("lacak/<str:code>/ikuti/", notification_views.follow, name="follow"),
    path("ikuti/konfirmasi/<str:token>/", notification_views.confirm, name="confirm"),
    path("ikuti/berhenti/<str:token>/", notification_views.unsubscribe, name="unsubscribe"),
]
