"""The proposal's dossier page: what cancelling a funded site does to the money."""

from django.urls import reverse

from proposals.models import Proposal, State
from tests.proposals.test_views import build_site, make_proposal


def cancel_box(client, proposal) -> str:
    html = client.get(reverse("proposals:detail", args=[proposal.code])).content.decode()
    start = html.index('class="card cancel-box"')
    return " ".join(html[start : html.index("</details>", start)].split())


def test_cancelling_a_paid_site_says_what_stays_committed_and_what_returns(client, db):
    site = build_site()
    proposal = make_proposal(site, State.IN_PROGRESS, designated_budget=25_000_000)
    Proposal.objects.filter(pk=proposal.pk).update(
        ordered_amount=19_170_000, delivered_amount=6_038_000, paid_amount=6_038_000
    )
    client.force_login(site.users["lurah"])

    box = cancel_box(client, proposal)

    assert (
        "Anggaran yang sudah dipesan (Rp 19.170.000) tetap terikat, termasuk yang sudah "
        "diterima (Rp 6.038.000) dan dibayar (Rp 6.038.000); sisa Rp 5.830.000 kembali ke "
        "pagu kecamatan."
    ) in box


def test_cancelling_a_site_nothing_was_ordered_for_returns_its_whole_budget(client, db):
    site = build_site()
    proposal = make_proposal(site, State.DESIGNATED, designated_budget=25_000_000)
    client.force_login(site.users["camat"])

    box = cancel_box(client, proposal)

    assert "Anggaran lokasi Rp 25.000.000 kembali seluruhnya ke pagu kecamatan." in box
    assert "tetap terikat" not in box


def test_cancelling_an_unfunded_proposal_says_nothing_about_money(client, db):
    site = build_site()
    proposal = make_proposal(site, State.KECAMATAN_VERIFIED)
    client.force_login(site.users["camat"])

    box = cancel_box(client, proposal)

    assert "Batalkan usulan" in box and "pagu" not in box
