"""The dossier page sits among the proposal screens: /usulan/<code>/ (namespace "proposals")."""

from django.urls import path

from portal import views

dossier_patterns = [
    path("<str:code>/", views.proposal_detail, name="detail"),
]
