"""Demo decrees: issued through the real services, and work left for the demo Camat."""

import hashlib

from budgets.figures import figures_for
from budgets.models import BudgetEnvelope
from demo.seeders import core as core_demo
from demo.seeders import proposals as proposals_demo
from demo.seeders import verification as demo
from proposals.models import Proposal, State
from verification.models import Decree, DecreeLocation


def test_demo_decrees_are_issued_and_telanaipura_keeps_work_for_its_camat(regions):
    core_demo.seed_core()
    proposals_demo.seed()

    summary = demo.seed()

    assert "SK Camat baru ditetapkan" in summary
    issued = list(Decree.objects.filter(state=Decree.State.ISSUED).select_related("kecamatan"))
    assert any(d.kecamatan.slug == "telanaipura" for d in issued)
    for decree in issued:
        assert decree.created_by.username == f"camat.{decree.kecamatan.slug}"
        assert decree.number.startswith("1/SK/BB/KEC.")
        assert hashlib.sha256(decree.pdf.read()).hexdigest() == decree.pdf_sha256
        for location in decree.locations.select_related("proposal"):
            assert location.proposal.state == State.DESIGNATED
            assert location.proposal.designated_budget == location.budget
    waiting = Proposal.objects.filter(
        kelurahan__kecamatan__slug="telanaipura", state=State.KECAMATAN_VERIFIED
    ).exclude(pk__in=DecreeLocation.objects.values("proposal_id"))
    assert waiting.count() >= 3
    assert BudgetEnvelope.objects.filter(kelurahan__isnull=True).count() == 11
    for figures in figures_for(BudgetEnvelope.objects.all()):
        assert figures.committed <= figures.allocated

    counts = (Decree.objects.count(), Proposal.objects.count(), waiting.count())
    again = demo.seed()

    assert "0 SK Camat baru" in again
    assert (Decree.objects.count(), Proposal.objects.count(), waiting.count()) == counts
