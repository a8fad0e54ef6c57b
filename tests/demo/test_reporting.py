"""The reporting demo: sites in progress, reported and completed through the services, drawn
photos with EXIF, one reused and one far away (both flagged); nothing new on a second run."""

from demo.seeders import reporting as demo
from procurement.models import Handover
from proposals.models import Proposal
from reporting.models import CompletionReport, ContractorCostParameters, ProgressPhoto, WorkDay
from tests.reporting import conftest as reporting_fixtures

# The stage's own fixtures: the demo seeds on top of a world like the one its tests use.
world = reporting_fixtures.world
make_site = reporting_fixtures.make_site


def test_demo_fills_three_sites_flags_two_photos_and_is_idempotent(world, make_site, monkeypatch):
    monkeypatch.setattr(demo, "demo_year", lambda: world.fiscal_year.year)
    make_site(point=None)  # the demo pins a point for sites without one
    make_site()
    waiting = make_site(state="procurement")  # fully delivered, waiting for its BAST

    first = demo.seed()

    assert "1 BAST baru" in first
    assert Handover.objects.get(proposal=waiting).is_complete
    states = sorted(Proposal.objects.values_list("state", flat=True))
    assert states == ["completed", "in_progress", "reported"]
    assert not Proposal.objects.filter(latitude__isnull=True).exists()
    completed = CompletionReport.objects.get(proposal__state="completed")
    assert completed.accepted_by and completed.countersigned_by
    flagged = {
        flag["code"]
        for photo in ProgressPhoto.objects.filter(proposal__state="in_progress")
        for flag in photo.flags
    }
    assert {"duplicate", "far_from_site"} <= flagged
    photo = ProgressPhoto.objects.filter(proposal__state="completed", stage=0).get()
    assert photo.metadata_source == "file" and photo.taken_at and photo.latitude
    assert ContractorCostParameters.objects.filter(fiscal_year=world.fiscal_year).exists()
    counts = (WorkDay.objects.count(), ProgressPhoto.objects.count(), Handover.objects.count())

    second = demo.seed()

    assert "0 hari kerja" in second and "0 foto baru" in second
    assert counts == (
        WorkDay.objects.count(),
        ProgressPhoto.objects.count(),
        Handover.objects.count(),
    )


def test_demo_without_the_year_is_skipped(db, monkeypatch):
    monkeypatch.setattr(demo, "demo_year", lambda: 1999)
    assert demo.seed().startswith("dilewati")
