"""Routes of the ranking, the Camat's decisions, the draft SK from the choice."""

from django.urls import path

from verification.priority import views as priority_views

urlpatterns = [
    path("", priority_views.ranking, name="ranking"),
    path("keputusan/", priority_views.override, name="priority_override"),
    path("buat-sk/", priority_views.decree_draft, name="ranking_decree"),
]
