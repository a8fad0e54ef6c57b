"""Routes of the ranking, the Camat's decisions, the draft SK from the choice, and the envelopes."""

from django.urls import path

from verification import priority_views

urlpatterns = [
    path("", priority_views.ranking, name="ranking"),
    path("keputusan/", priority_views.override, name="priority_override"),
    path("buat-sk/", priority_views.decree_draft, name="ranking_decree"),
    path("pagu/", priority_views.envelopes, name="envelopes"),
    path("pagu/<int:pk>/hapus/", priority_views.envelope_remove, name="envelope_remove"),
]
