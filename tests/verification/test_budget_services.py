"""Bappeda sets the envelopes of a year; the figures are summed from records; commitments queue."""

import threading
import time

import pytest
from django.db import close_old_connections, connection, transaction

from bangkit.errors import ActionRefused
from bangkit.models import RT, AuditEvent, FiscalYear, Kecamatan
from budgets.figures import commitment_problems, figures_for, lock_envelopes
from budgets.models import BudgetEnvelope
from budgets.services import envelope_problems, envelope_set, envelope_share_remove
from demo.seeders.budgets import seed_envelopes, split_by_weight
from proposals.models import Proposal
from proposals.services import apply_transition_locked, lock_proposal
from tests import factories
from verification.models import PriorityWeights


def set_envelope(prio, amount, kelurahan=None, actor="bappeda", kecamatan=None):
    return envelope_set(
        actor=prio.users[actor],
        fiscal_year=prio.fiscal_year,
        kecamatan=kecamatan or prio.kecamatan,
        kelurahan=prio.kelurahan[kelurahan] if kelurahan else None,
        amount=amount,
    )


def test_bappeda_sets_a_kecamatan_envelope_and_it_is_audited(prio):
    envelope = set_envelope(prio, 900_000_000)

    assert envelope.amount == 900_000_000
    assert envelope.kelurahan is None
    event = AuditEvent.objects.get(action="envelope_set")
    assert event.actor == prio.users["bappeda"]
    assert event.object_id == str(envelope.pk)
    assert event.data["new"] == 900_000_000 and event.data["old"] is None
    assert "Rp 900.000.000" in event.summary


def test_changing_an_envelope_keeps_one_row_and_records_old_and_new(prio):
    set_envelope(prio, 900_000_000)

    envelope = set_envelope(prio, 950_000_000, actor="admin")

    assert BudgetEnvelope.objects.filter(kecamatan=prio.kecamatan).count() == 1
    assert envelope.amount == 950_000_000
    event = AuditEvent.objects.filter(action="envelope_set").first()
    assert (event.data["old"], event.data["new"]) == (900_000_000, 950_000_000)
    assert "Rp 900.000.000 → Rp 950.000.000" in event.summary


@pytest.mark.parametrize("who", ["camat", "lurah", "rt", "inspektorat"])
def test_only_bappeda_or_admin_sets_envelopes(prio, who):
    with pytest.raises(ActionRefused, match="Hanya Bappeda"):
        set_envelope(prio, 900_000_000, actor=who)

    assert not BudgetEnvelope.objects.exists()
    assert not AuditEvent.objects.exists()


def test_kecamatan_envelopes_cannot_exceed_the_year_budget(prio):
    prio.fiscal_year.total_budget = 1_000_000_000
    prio.fiscal_year.save()
    set_envelope(prio, 600_000_000, kecamatan=prio.kecamatan_other)

    with pytest.raises(ActionRefused) as refused:
        set_envelope(prio, 500_000_000)

    assert "melebihi anggaran program tahun 2026 Rp 1.000.000.000" in refused.value.problems[0]
    assert "sisa yang belum dibagi Rp 400.000.000" in refused.value.problems[0]
    set_envelope(prio, 400_000_000)  # exactly the rest is fine


def test_kelurahan_shares_cannot_exceed_the_kecamatan_envelope(prio):
    set_envelope(prio, 100_000_000)
    set_envelope(prio, 60_000_000, kelurahan="A1")

    with pytest.raises(ActionRefused) as refused:
        set_envelope(prio, 50_000_000, kelurahan="A2")

    assert "melebihi pagu kecamatan Rp 100.000.000" in refused.value.problems[0]
    set_envelope(prio, 40_000_000, kelurahan="A2")
    set_envelope(prio, 30_000_000, kelurahan="A1")  # lowering one share frees room
    set_envelope(prio, 70_000_000, kelurahan="A2")


def test_a_share_needs_the_kecamatan_envelope_first(prio):
    with pytest.raises(ActionRefused) as refused:
        set_envelope(prio, 10_000_000, kelurahan="A1")

    assert "Tetapkan dahulu pagu Kecamatan" in refused.value.problems[0]


def test_kecamatan_envelope_cannot_drop_below_its_shares(prio):
    set_envelope(prio, 100_000_000)
    set_envelope(prio, 70_000_000, kelurahan="A1")

    with pytest.raises(ActionRefused) as refused:
        set_envelope(prio, 60_000_000)

    assert "lebih kecil daripada jumlah pagu kelurahannya" in refused.value.problems[0]


def test_an_envelope_cannot_drop_below_what_is_committed(prio, make_verified):
    set_envelope(prio, 100_000_000)
    set_envelope(prio, 50_000_000, kelurahan="A1")
    make_verified("A1.1", 40_000_000, state="designated", designated_budget=40_000_000)
    make_verified("A2.1", 30_000_000, state="completed", designated_budget=30_000_000)

    with pytest.raises(ActionRefused) as kecamatan_refused:
        set_envelope(prio, 69_000_000)
    with pytest.raises(ActionRefused) as share_refused:
        set_envelope(prio, 39_000_000, kelurahan="A1")

    assert "sudah terikat" in kecamatan_refused.value.problems[0]
    assert "Rp 70.000.000" in kecamatan_refused.value.problems[0]
    assert "Rp 40.000.000" in share_refused.value.problems[0]
    set_envelope(prio, 70_000_000)
    set_envelope(prio, 40_000_000, kelurahan="A1")


def test_a_kelurahan_of_another_kecamatan_is_refused(prio):
    set_envelope(prio, 100_000_000)

    problems = envelope_problems(
        fiscal_year=prio.fiscal_year,
        kecamatan=prio.kecamatan,
        kelurahan=prio.kelurahan["B1"],
        amount=1,
    )

    assert problems == ["Kelurahan Kelurahan B1 tidak berada di Kecamatan Kecamatan Prio A."]


def test_negative_amounts_and_closed_years_are_refused(prio):
    with pytest.raises(ActionRefused) as negative:
        set_envelope(prio, -1)
    prio.fiscal_year.status = FiscalYear.Status.CLOSED
    prio.fiscal_year.save()
    with pytest.raises(ActionRefused) as closed:
        set_envelope(prio, 1_000)

    assert negative.value.problems == ["Pagu tidak boleh negatif."]
    assert "sudah ditutup" in closed.value.problems[0]


def test_a_share_can_be_removed_and_the_kecamatan_envelope_cannot(prio):
    kecamatan_envelope = set_envelope(prio, 100_000_000)
    share = set_envelope(prio, 40_000_000, kelurahan="A1")

    envelope_share_remove(actor=prio.users["bappeda"], envelope=share)

    assert not BudgetEnvelope.objects.filter(pk=share.pk).exists()
    assert AuditEvent.objects.filter(action="envelope_share_remove").count() == 1
    with pytest.raises(ActionRefused):
        envelope_share_remove(actor=prio.users["bappeda"], envelope=kecamatan_envelope)
    with pytest.raises(ActionRefused):
        envelope_share_remove(actor=prio.users["camat"], envelope=kecamatan_envelope)


def test_figures_are_summed_from_the_records(prio, make_verified):
    kecamatan_envelope = set_envelope(prio, 100_000_000)
    share = set_envelope(prio, 50_000_000, kelurahan="A1")
    make_verified("A1.1", 40_000_000, state="designated", designated_budget=40_000_000)
    make_verified("A2.1", 30_000_000, state="in_progress", designated_budget=30_000_000)
    make_verified("A2.2", 20_000_000, state="kecamatan_verified")
    make_verified("A2.3", 20_000_000, state="cancelled", designated_budget=20_000_000)

    kec, kel = figures_for([kecamatan_envelope, share])

    assert (kec.allocated, kec.committed, kec.remaining) == (100_000_000, 70_000_000, 30_000_000)
    assert (kel.allocated, kel.committed, kel.remaining) == (50_000_000, 40_000_000, 10_000_000)


def test_a_cancelled_site_keeps_committing_what_was_ordered_for_it(prio, make_verified):
    kecamatan_envelope = set_envelope(prio, 100_000_000)
    share = set_envelope(prio, 60_000_000, kelurahan="A1")
    make_verified("A1.1", 40_000_000, state="designated", designated_budget=40_000_000)
    cancelled = make_verified("A1.2", 25_000_000, state="cancelled", designated_budget=25_000_000)
    # What procurement stored on it: Rp 19.170.000 ordered, Rp 6.038.000 delivered and paid.
    Proposal.objects.filter(pk=cancelled.pk).update(
        ordered_amount=19_170_000, delivered_amount=6_038_000, paid_amount=6_038_000
    )

    kec, kel = figures_for([kecamatan_envelope, share])

    assert (kec.committed, kec.ordered, kec.delivered, kec.paid) == (
        59_170_000,
        19_170_000,
        6_038_000,
        6_038_000,
    )
    assert (kel.committed, kel.remaining) == (59_170_000, 830_000)
    problems = commitment_problems(
        fiscal_year=prio.fiscal_year,
        kecamatan=prio.kecamatan,
        additions={prio.kelurahan["A2"].pk: 41_000_000},
    )
    assert problems and "sudah terikat Rp 59.170.000" in problems[0]
    with pytest.raises(ActionRefused) as refused:
        set_envelope(prio, 59_000_000)
    assert "Rp 59.170.000" in refused.value.problems[0]


# --------------------------------------------------------------------------------------------
# Two Camat screens committing over one envelope at once (real row locks: PostgreSQL)
# --------------------------------------------------------------------------------------------


def designate_within_envelope(proposal_pk: int, camat, barrier, results, hold: float):
    """What a decree service does: lock the envelopes, check, designate, in one transaction."""
    close_old_connections()
    try:
        barrier.wait(timeout=10)
        with transaction.atomic():
            proposal = Proposal.objects.select_related("kelurahan__kecamatan", "fiscal_year").get(
                pk=proposal_pk
            )
            lock_envelopes(fiscal_year=proposal.fiscal_year, kecamatan=proposal.kelurahan.kecamatan)
            cost = proposal.rab_total
            problems = commitment_problems(
                fiscal_year=proposal.fiscal_year,
                kecamatan=proposal.kelurahan.kecamatan,
                additions={proposal.kelurahan_id: cost},
            )
            if problems:
                results.append(("refused", problems))
                return
            time.sleep(hold)  # the other thread is now waiting for the envelope lock
            locked = lock_proposal(proposal, camat)
            apply_transition_locked(locked, actor=camat, action="designate")
            locked.designated_budget = cost
            locked.save(update_fields=["designated_budget"])
            results.append(("designated", proposal_pk))
    except Exception as exc:  # pragma: no cover - reported by the assertion below
        results.append(("error", repr(exc)))
    finally:
        connection.close()


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_commitments_over_one_envelope_never_exceed_it(prio, make_verified):
    if connection.vendor != "postgresql":
        pytest.skip("needs real row locks (SELECT … FOR UPDATE): run with PostgreSQL")
    set_envelope(prio, 100_000_000)
    camat = prio.users["camat"]
    first = make_verified("A1.1", 60_000_000)
    second = make_verified("A2.1", 60_000_000)
    barrier = threading.Barrier(2)
    results: list = []

    threads = [
        threading.Thread(
            target=designate_within_envelope, args=(p.pk, camat, barrier, results, 0.3)
        )
        for p in (first, second)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    outcomes = sorted(kind for kind, _ in results)
    assert outcomes == ["designated", "refused"], results
    refusal = next(detail for kind, detail in results if kind == "refused")
    assert "terlampaui" in refusal[0]
    kec = figures_for(BudgetEnvelope.objects.filter(kecamatan=prio.kecamatan))[0]
    assert kec.committed == 60_000_000 <= kec.allocated
    assert Proposal.objects.filter(state="designated").count() == 1


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_bappeda_screens_cannot_together_exceed_the_year_budget(prio):
    if connection.vendor != "postgresql":
        pytest.skip("needs real row locks (SELECT … FOR UPDATE): run with PostgreSQL")
    prio.fiscal_year.total_budget = 1_000_000_000
    prio.fiscal_year.save()
    barrier = threading.Barrier(2)
    results: list = []

    def set_one(kecamatan):
        close_old_connections()
        try:
            barrier.wait(timeout=10)
            envelope_set(
                actor=prio.users["bappeda"],
                fiscal_year=prio.fiscal_year,
                kecamatan=kecamatan,
                amount=600_000_000,
            )
            results.append("set")
        except ActionRefused:
            results.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=set_one, args=(k,)) for k in (prio.kecamatan, prio.kecamatan_other)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results) == ["refused", "set"]
    total = sum(BudgetEnvelope.objects.values_list("amount", flat=True))
    assert total == 600_000_000


# --------------------------------------------------------------------------------------------
# Demo envelopes
# --------------------------------------------------------------------------------------------


def test_split_by_weight_rounds_to_a_million_and_adds_up():
    parts = split_by_weight(10_000_000_000, {"a": 173, "b": 101, "c": 57})

    assert sum(parts.values()) == 10_000_000_000
    assert all(amount % 1_000_000 == 0 for amount in parts.values())
    assert parts["a"] > parts["b"] > parts["c"]


def test_demo_envelopes_split_the_year_by_rt_count(regions):
    from demo.seeders.core import seed_rts

    seed_rts()
    fiscal_year = factories.FiscalYearFactory(year=2026, total_budget=0)

    seed_envelopes(fiscal_year)
    again = seed_envelopes(fiscal_year)

    fiscal_year.refresh_from_db()
    assert fiscal_year.total_budget == 10_000_000_000
    kecamatan_envelopes = BudgetEnvelope.objects.filter(fiscal_year=fiscal_year, kelurahan=None)
    amounts = {e.kecamatan.name: e.amount for e in kecamatan_envelopes}
    assert len(amounts) == 11
    assert sum(amounts.values()) == 10_000_000_000
    assert all(9_000_000_000 / 11 / 3 < a < 10_000_000_000 / 2 for a in amounts.values())
    assert all(a % 1_000_000 == 0 for a in amounts.values())
    rts = {
        k.name: RT.objects.filter(kelurahan__kecamatan=k).count() for k in Kecamatan.objects.all()
    }
    most, fewest = max(rts, key=rts.get), min(rts, key=rts.get)
    assert amounts[most] > amounts[fewest]
    shares = BudgetEnvelope.objects.filter(fiscal_year=fiscal_year, kelurahan__isnull=False)
    assert shares.exists()
    assert sum(s.amount for s in shares) <= amounts["Danau Teluk"]
    assert again.startswith("0 pagu kecamatan baru, 0 pagu kelurahan")
    assert PriorityWeights.objects.filter(fiscal_year=fiscal_year).exists()
