"""The ranking and envelope screens: who sees what (404 outside the area), decisions, queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bangkit.models import AuditEvent, FiscalYear
from budgets.models import BudgetEnvelope
from proposals.models import CitizenSupport, MusrenbangEntry
from tests import factories
from verification.models import Decree, PriorityOverride

RANKING = reverse("verification:ranking")
OVERRIDE = reverse("verification:priority_override")
DECREE = reverse("verification:ranking_decree")
ENVELOPES = reverse("budgets:envelopes")
REASON = "Jalan menuju sekolah rusak berat"


@pytest.fixture
def ranked(prio, make_verified):
    """An envelope of Rp 60 juta over three proposals of Rp 30 juta: two fit."""
    prio.envelope(60_000_000)
    return [
        make_verified("A1.1", 30_000_000, people=600, title="Rabat beton gang Mawar"),
        make_verified("A2.1", 30_000_000, people=400, title="Drainase Lorong Damai"),
        make_verified("A3.1", 30_000_000, people=100, title="Sumur bor RT 01"),
    ]


def login(client, user):
    client.force_login(user)
    return client


# --- the ranking -----------------------------------------------------------------------------


def test_the_camat_sees_the_ranking_with_scores_reasons_and_the_budget(client, prio, ranked):
    response = login(client, prio.users["camat"]).get(RANKING)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Kecamatan Prio A" in page
    for proposal in ranked:
        assert proposal.title in page
        assert f'id="usulan-{proposal.pk}"' in page
    assert "masuk: skor tertinggi per rupiah dalam pagu" in page
    assert "keluar: pagu tidak cukup" in page
    assert "Di kawasan kumuh" in page and "Rincian skor" in page
    assert "Rp 60.000.000" in page  # allocated and selected
    assert "Buat draf SK dari pilihan" in page
    assert "Keputusan Camat atas usulan ini" in page
    ranking = response.context["ranking"]
    assert len(ranking.selected_rows) == 2


def _card(page: str, proposal) -> str:
    start = page.index(f'id="usulan-{proposal.pk}"')
    return page[start : page.index("</li>\n", page.index('class="breakdown"', start))]


def test_the_ranking_shows_the_points_each_proposal_got_from_citizen_support(
    client, prio, make_verified
):
    prio.envelope(90_000_000)
    proposals = []
    for n, (rt, supports) in enumerate([("A1.1", 4), ("A2.1", 1), ("A3.1", 0)]):
        entry = MusrenbangEntry.objects.create(
            year=2026,
            source_id=f"M-{n}",
            kelurahan=prio.rts[rt].kelurahan,
            rt=prio.rts[rt],
            title=f"Usulan {n}",
        )
        for k in range(supports):
            CitizenSupport.objects.create(entry=entry, nik_hash=f"{n}-{k}", nik_last4="0001")
        proposals.append(make_verified(rt, 30_000_000, entry=entry, title=f"Lokasi {n}"))

    page = login(client, prio.users["camat"]).get(RANKING).content.decode()

    # The year's support weight is 10: the most supported gets all of it, the others a share.
    assert "Dukungan warga: 4 dukungan = <b>10,0</b> dari 10 poin" in _card(page, proposals[0])
    assert "Dukungan warga: 1 dukungan = <b>2,5</b> dari 10 poin" in _card(page, proposals[1])
    assert "Dukungan warga: 0 dukungan = <b>0,0</b> dari 10 poin" in _card(page, proposals[2])
    assert "dicatat satu kali per NIK" in page
    assert "NIK yang diterbitkan di kecamatan lokasi usulan" in page


def test_the_camat_cannot_open_another_kecamatan_by_parameter(client, prio, ranked):
    login(client, prio.users["camat_other"])

    assert client.get(RANKING, {"kecamatan": "prio-a"}).status_code == 404
    own = client.get(RANKING, {"kecamatan": "prio-b"})
    assert own.status_code == 200
    assert own.context["kecamatan"] == prio.kecamatan_other
    page = client.get(RANKING).content.decode()
    assert not any(p.title in page for p in ranked)


@pytest.mark.parametrize("who", ["lurah", "rt"])
def test_lower_levels_do_not_get_the_ranking(client, prio, ranked, who):
    assert login(client, prio.users[who]).get(RANKING).status_code == 404


def test_anonymous_users_are_sent_to_sign_in(client, prio):
    response = client.get(RANKING)

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("who", ["bappeda", "inspektorat"])
def test_city_roles_read_any_kecamatans_ranking_without_deciding(client, prio, ranked, who):
    login(client, prio.users[who])

    response = client.get(RANKING, {"kecamatan": "prio-a"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Tampilan baca saja" in page
    assert "Buat draf SK dari pilihan" not in page
    assert "Simpan keputusan" not in page
    assert ranked[0].title in page
    assert client.get(RANKING, {"kecamatan": "tidak-ada"}).status_code == 404


def test_the_year_defaults_to_the_latest_active_one_and_can_be_chosen(client, prio, ranked):
    factories.FiscalYearFactory(year=2027, status=FiscalYear.Status.PLANNING)
    factories.FiscalYearFactory(year=2025, status=FiscalYear.Status.CLOSED)
    login(client, prio.users["camat"])

    assert client.get(RANKING).context["fiscal_year"] == prio.fiscal_year
    chosen = client.get(RANKING, {"tahun": "2025"})
    assert chosen.context["fiscal_year"].year == 2025
    assert chosen.context["ranking"].rows == []
    assert client.get(RANKING, {"tahun": "2031"}).status_code == 404


def test_the_ranking_page_queries_do_not_grow_with_proposals(client, prio, make_verified):
    prio.envelope(500_000_000)
    prio.envelope(100_000_000, kelurahan="A2")
    login(client, prio.users["camat"])
    make_verified("A1.1", 20_000_000)
    client.get(RANKING)  # stores the year's default weights
    with CaptureQueriesContext(connection) as few:
        assert client.get(RANKING).status_code == 200
    for rt in ("A1.2", "A1.3", "A2.1", "A2.2", "A2.3", "A3.1", "A3.2", "A3.3"):
        proposal = make_verified(rt, 20_000_000)
        PriorityOverride.objects.create(
            proposal=proposal, include=False, reason=REASON, actor=prio.users["camat"]
        )
    with CaptureQueriesContext(connection) as many:
        assert client.get(RANKING).status_code == 200

    # 15 + 1: the menu's to-do counts (portal.todo, one query on every signed-in page).
    assert len(many) == len(few) == 15 + 1


# --- the Camat's decisions -------------------------------------------------------------------


def test_the_camat_forces_a_proposal_in_and_the_ranking_follows(client, prio, ranked):
    login(client, prio.users["camat"])
    last = ranked[2]

    response = client.post(
        OVERRIDE,
        {"proposal": last.pk, "decision": "include", "reason": REASON, "tahun": "2026"},
    )

    assert response.status_code == 302
    assert response["Location"].endswith(f"?tahun=2026#usulan-{last.pk}")
    override = PriorityOverride.objects.get(proposal=last, withdrawn_at__isnull=True)
    assert override.include and override.reason == REASON
    page = client.get(RANKING).content.decode()
    assert f"masuk karena keputusan Camat: {REASON}" in page


def test_the_camat_excludes_then_withdraws(client, prio, ranked):
    login(client, prio.users["camat"])
    first = ranked[0]
    client.post(OVERRIDE, {"proposal": first.pk, "decision": "exclude", "reason": REASON})

    assert "keluar karena keputusan Camat" in client.get(RANKING).content.decode()
    client.post(
        OVERRIDE, {"proposal": first.pk, "decision": "withdraw", "reason": "Sudah dimusyawarahkan"}
    )

    assert not PriorityOverride.objects.filter(withdrawn_at__isnull=True).exists()
    assert AuditEvent.objects.filter(action="priority_override_withdraw").count() == 1


def test_a_decision_without_a_real_reason_shows_the_form_again(client, prio, ranked):
    login(client, prio.users["camat"])

    response = client.post(
        OVERRIDE, {"proposal": ranked[0].pk, "decision": "include", "reason": "karena"}
    )

    assert response.status_code == 400
    assert "Alasan terlalu singkat" in response.content.decode()
    assert not PriorityOverride.objects.exists()


@pytest.mark.parametrize("who", ["camat_other", "bappeda", "inspektorat", "lurah"])
def test_nobody_else_decides(client, prio, ranked, who):
    login(client, prio.users[who])

    response = client.post(
        OVERRIDE, {"proposal": ranked[0].pk, "decision": "include", "reason": REASON}
    )

    assert response.status_code == 404
    assert not PriorityOverride.objects.exists()


def test_decisions_are_only_taken_by_post(client, prio, ranked):
    login(client, prio.users["camat"])

    assert client.get(OVERRIDE).status_code == 405
    assert client.get(DECREE).status_code == 405


# --- from the choice to a draft SK -----------------------------------------------------------


def test_the_choice_becomes_a_draft_decree(client, prio, ranked):
    login(client, prio.users["camat"])
    chosen = client.get(RANKING).context["ranking"].selected_ids

    response = client.post(DECREE, {"tahun": "2026", "proposal": chosen})

    decree = Decree.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("verification:decree_detail", args=[decree.public_id])
    assert decree.kecamatan == prio.kecamatan and decree.state == Decree.State.DRAFT
    assert sorted(decree.locations.values_list("proposal_id", flat=True)) == chosen
    page = client.get(RANKING).content.decode()
    assert "Seluruh pilihan ini sudah tercantum dalam draf SK" in page
    assert "Buat draf SK dari pilihan" not in page


def test_a_stale_choice_does_not_become_a_decree(client, prio, ranked):
    login(client, prio.users["camat"])
    chosen = client.get(RANKING).context["ranking"].selected_ids
    PriorityOverride.objects.create(
        proposal=ranked[2], include=True, reason=REASON, actor=prio.users["camat_other"]
    )

    response = client.post(DECREE, {"tahun": "2026", "proposal": chosen}, follow=True)

    assert not Decree.objects.exists()
    assert "Pilihan telah berubah" in response.content.decode()


@pytest.mark.parametrize("who", ["camat_other", "bappeda"])
def test_only_the_camat_drafts_from_the_choice(client, prio, ranked, who):
    login(client, prio.users[who])

    response = client.post(DECREE, {"tahun": "2026", "proposal": [ranked[0].pk]})

    assert response.status_code == 404
    assert not Decree.objects.exists()


# --- the envelopes ---------------------------------------------------------------------------


def test_bappeda_sees_every_kecamatan_and_sets_an_envelope(client, prio, make_verified):
    prio.envelope(100_000_000)
    make_verified("A1.1", 40_000_000, state="designated", designated_budget=40_000_000)
    login(client, prio.users["bappeda"])

    page = client.get(ENVELOPES).content.decode()
    assert "Kecamatan Prio A" in page and "Kecamatan Prio B" in page
    assert "Rp 40.000.000" in page and "Rp 60.000.000" in page  # committed and remaining
    assert "Atur pagu" in page

    response = client.post(
        ENVELOPES,
        {"tahun": "2026", "area": f"kec-{prio.kecamatan_other.pk}", "amount": "Rp 250.000.000"},
    )

    assert response.status_code == 302
    envelope = BudgetEnvelope.objects.get(kecamatan=prio.kecamatan_other)
    assert envelope.amount == 250_000_000
    assert AuditEvent.objects.filter(action="envelope_set").count() == 1


def test_bappeda_sets_a_kelurahan_share_and_a_refusal_is_shown(client, prio):
    prio.envelope(100_000_000)
    login(client, prio.users["bappeda"])
    area = f"kel-{prio.kelurahan['A1'].pk}"

    refused = client.post(ENVELOPES, {"tahun": "2026", "area": area, "amount": "150.000.000"})
    client.post(ENVELOPES, {"tahun": "2026", "area": area, "amount": "40000000"})

    assert refused.status_code == 400
    assert "melebihi pagu kecamatan" in refused.content.decode()
    share = BudgetEnvelope.objects.get(kelurahan=prio.kelurahan["A1"])
    assert share.amount == 40_000_000
    prefilled = client.get(ENVELOPES, {"wilayah": area})
    assert prefilled.context["form"].initial["amount"] == 40_000_000

    client.post(reverse("budgets:envelope_remove", args=[share.pk]))
    assert not BudgetEnvelope.objects.filter(pk=share.pk).exists()


def test_a_malformed_amount_is_refused_by_the_form(client, prio):
    login(client, prio.users["bappeda"])

    response = client.post(
        ENVELOPES, {"tahun": "2026", "area": f"kec-{prio.kecamatan.pk}", "amount": "sejuta"}
    )

    assert response.status_code == 400
    assert "dengan angka saja" in response.content.decode()
    assert not BudgetEnvelope.objects.exists()


def test_the_inspektorat_reads_the_envelopes_and_changes_nothing(client, prio):
    share = prio.envelope(100_000_000)
    login(client, prio.users["inspektorat"])

    page = client.get(ENVELOPES)

    assert page.status_code == 200
    assert "Tampilan baca saja" in page.content.decode()
    assert page.context["form"] is None
    posted = client.post(
        ENVELOPES, {"tahun": "2026", "area": f"kec-{prio.kecamatan.pk}", "amount": "1"}
    )
    assert posted.status_code == 404
    assert client.post(reverse("budgets:envelope_remove", args=[share.pk])).status_code == 404
    assert BudgetEnvelope.objects.get().amount == 100_000_000


@pytest.mark.parametrize("who", ["camat", "lurah", "rt"])
def test_area_roles_do_not_get_the_envelope_screen(client, prio, who):
    assert login(client, prio.users[who]).get(ENVELOPES).status_code == 404


def test_the_envelope_page_queries_do_not_grow_with_envelopes(client, prio):
    login(client, prio.users["bappeda"])
    prio.envelope(100_000_000)
    with CaptureQueriesContext(connection) as few:
        assert client.get(ENVELOPES).status_code == 200
    prio.envelope(100_000_000, kecamatan=prio.kecamatan_other)
    prio.envelope(30_000_000, kelurahan="A1")
    prio.envelope(30_000_000, kelurahan="A2")
    for number in range(3, 8):
        factories.KecamatanFactory(
            code=f"99.72.{number:02d}", name=f"Kecamatan Prio {number}", slug=f"prio-{number}"
        )
    with CaptureQueriesContext(connection) as many:
        assert client.get(ENVELOPES).status_code == 200

    assert len(many) == len(few) == 9


# --- the admin -------------------------------------------------------------------------------


def test_bappeda_adds_an_envelope_in_the_admin_through_the_service(client, prio):
    login(client, prio.users["bappeda"])
    url = reverse("admin:budgets_budgetenvelope_add")

    response = client.post(
        url,
        {
            "fiscal_year": prio.fiscal_year.pk,
            "kecamatan": prio.kecamatan.pk,
            "amount": 400_000_000,
            "note": "Rapat anggaran",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    envelope = BudgetEnvelope.objects.get()
    assert envelope.amount == 400_000_000 and envelope.note == "Rapat anggaran"
    assert AuditEvent.objects.get(action="envelope_set").object_id == str(envelope.pk)


def test_the_admin_refuses_an_envelope_over_the_year_budget(client, prio):
    login(client, prio.users["bappeda"])

    response = client.post(
        reverse("admin:budgets_budgetenvelope_add"),
        {
            "fiscal_year": prio.fiscal_year.pk,
            "kecamatan": prio.kecamatan.pk,
            "amount": 20_000_000_000,
        },
    )

    assert response.status_code == 200
    assert "melebihi anggaran program" in response.content.decode()
    assert not BudgetEnvelope.objects.exists()


def test_the_admin_changes_only_the_amount_and_keeps_the_kecamatan_envelope(client, prio):
    envelope = prio.envelope(100_000_000)
    login(client, prio.users["bappeda"])
    url = reverse("admin:budgets_budgetenvelope_change", args=[envelope.pk])

    response = client.post(url, {"amount": 150_000_000, "note": ""})

    assert response.status_code == 302
    envelope.refresh_from_db()
    assert envelope.amount == 150_000_000
    delete = reverse("admin:budgets_budgetenvelope_delete", args=[envelope.pk])
    assert client.get(delete).status_code == 403


def test_the_inspektorat_reads_envelopes_weights_and_overrides_in_the_admin(
    client, prio, make_verified
):
    prio.envelope(100_000_000)
    PriorityOverride.objects.create(
        proposal=make_verified("A1.1"), include=True, reason=REASON, actor=prio.users["camat"]
    )
    login(client, prio.users["inspektorat"])

    overrides = client.get(reverse("admin:verification_priorityoverride_changelist"))

    assert overrides.status_code == 200
    assert REASON in overrides.content.decode()
    assert client.get(reverse("admin:budgets_budgetenvelope_changelist")).status_code == 200
    assert client.get(reverse("admin:verification_priorityweights_changelist")).status_code == 200
    assert client.get(reverse("admin:budgets_budgetenvelope_add")).status_code == 403
    assert client.get(reverse("admin:verification_priorityweights_add")).status_code == 403


def test_nobody_edits_an_override_in_the_admin(client, prio, make_verified):
    override = PriorityOverride.objects.create(
        proposal=make_verified("A1.1"), include=True, reason=REASON, actor=prio.users["camat"]
    )
    login(client, prio.users["admin"])

    response = client.post(
        reverse("admin:verification_priorityoverride_change", args=[override.pk]),
        {"reason": "diubah diam-diam", "include": ""},
    )

    assert response.status_code == 403
    override.refresh_from_db()
    assert override.reason == REASON


def test_old_admin_address_of_envelopes_leads_to_the_new_one(client, prio):
    client.force_login(prio.users["bappeda"])
    response = client.get("/admin/bangkit/budgetenvelope/?fiscal_year__id__exact=1")
    assert response.status_code == 302
    assert response["Location"] == "/admin/budgets/budgetenvelope/?fiscal_year__id__exact=1"


def test_the_ranking_renders_one_decision_form_only_for_the_row_opened(client, prio, ranked):
    """A form per row made the camat's page grow by kilobytes a row (issue 12): each row links
    to its form, and the page opened at one row shows that row's form only."""
    login(client, prio.users["camat"])
    page = client.get(RANKING).content.decode()
    assert page.count('action="' + reverse("verification:priority_override")) == 0
    for proposal in ranked:
        assert f"putuskan={proposal.pk}#usulan-{proposal.pk}" in page
    opened = client.get(RANKING, {"putuskan": ranked[1].pk}).content.decode()
    assert opened.count('action="' + reverse("verification:priority_override")) == 1
    card = opened.split(f'id="usulan-{ranked[1].pk}"')[1].split('class="rank-card')[0]
    assert "Simpan keputusan" in card
    assert client.get(RANKING, {"putuskan": "x"}).status_code == 200


def test_a_refused_decision_comes_back_with_its_form_and_no_other(client, prio, ranked):
    login(client, prio.users["camat"])
    response = client.post(
        reverse("verification:priority_override"),
        {"proposal": ranked[0].pk, "decision": "include", "reason": "x"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert page.count('action="' + reverse("verification:priority_override")) == 1
    assert "Alasan terlalu singkat" in page
