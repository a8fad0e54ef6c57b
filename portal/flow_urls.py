"""The Ketua RT's guided flow, under /usulan/ (namespace "flow"): one page per step."""

from django.urls import path

from portal import flow
from portal.models import STEP_ORDER

app_name = "flow"

urlpatterns = [
    path("musrenbang/<int:pk>/mulai/", flow.start, name="start"),
    path("<str:code>/isi/", flow.resume, name="resume"),
    # One page per step of FlowStep, named as the step and served by flow's view of that name
    # (flow._step_url reverses "flow:<step>").
    *(path(f"<str:code>/isi/{step}/", getattr(flow, step), name=step) for step in STEP_ORDER),
    path("<str:code>/isi/rab/templat/", flow.rab_template, name="rab_template"),
    path("<str:code>/isi/dokumen/<int:pk>/hapus/", flow.dokumen_remove, name="dokumen_remove"),
]
