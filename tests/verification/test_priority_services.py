"""The Camat's written overrides: who may set them, on what, why; recorded, audited, respected."""

import pytest

from bangkit.errors import ActionRefused, NotInScope
from bangkit.models import AuditEvent
from verification.models import PriorityOverride
from verification.priority.ranking import rank_kecamatan
from verification.priority.services import priority_override_set, priority_override_withdraw

REASON = "Jalan menuju sekolah rusak berat"


def test_the_camat_forces_a_proposal_in_with_a_reason(prio, make_verified):
    proposal = make_verified("A1.1")

    override = priority_override_set(
        actor=prio.users["camat"], proposal=proposal, include=True, reason=f"  {REASON} "
    )

    assert override.include is True
    assert override.reason == REASON
    assert override.actor == prio.users["camat"]
    assert override.withdrawn_at is None
    event = AuditEvent.objects.get(action="priority_override_set")
    assert event.data["include"] is True and event.data["reason"] == REASON
    assert proposal.code in event.summary


def test_a_new_decision_replaces_the_active_one_and_both_stay_on_record(prio, make_verified):
    proposal = make_verified("A1.1")
    first = priority_override_set(
        actor=prio.users["camat"], proposal=proposal, include=True, reason=REASON
    )

    second = priority_override_set(
        actor=prio.users["camat"], proposal=proposal, include=False, reason="Lahan masih sengketa"
    )

    first.refresh_from_db()
    assert first.withdrawn_at is not None
    assert PriorityOverride.objects.filter(proposal=proposal).count() == 2
    assert PriorityOverride.objects.get(proposal=proposal, withdrawn_at__isnull=True) == second
    assert AuditEvent.objects.filter(action="priority_override_set").first().data["replaces"] == (
        first.pk
    )


def test_withdrawing_returns_the_proposal_to_the_computed_suggestion(prio, make_verified):
    prio.envelope(30_000_000)
    proposal = make_verified("A1.1", 30_000_000)
    priority_override_set(
        actor=prio.users["camat"], proposal=proposal, include=False, reason="Lahan masih sengketa"
    )
    assert (
        not rank_kecamatan(kecamatan=prio.kecamatan, fiscal_year=prio.fiscal_year).rows[0].selected
    )

    withdrawn = priority_override_withdraw(
        actor=prio.users["camat"], proposal=proposal, reason="Sengketa lahan sudah selesai"
    )

    assert withdrawn.withdrawn_at is not None
    row = rank_kecamatan(kecamatan=prio.kecamatan, fiscal_year=prio.fiscal_year).rows[0]
    assert row.selected and row.override is None
    event = AuditEvent.objects.get(action="priority_override_withdraw")
    assert event.data["reason"] == "Sengketa lahan sudah selesai"


def test_withdrawing_without_an_active_decision_is_refused(prio, make_verified):
    proposal = make_verified("A1.1")

    with pytest.raises(ActionRefused, match="tidak memiliki keputusan Camat"):
        priority_override_withdraw(actor=prio.users["camat"], proposal=proposal, reason=REASON)


@pytest.mark.parametrize("reason", ["", "   ", "terlalu"])
def test_a_short_reason_is_refused(prio, make_verified, reason):
    proposal = make_verified("A1.1")

    with pytest.raises(ActionRefused, match="paling sedikit 10 huruf"):
        priority_override_set(
            actor=prio.users["camat"], proposal=proposal, include=True, reason=reason
        )

    assert not PriorityOverride.objects.exists()


@pytest.mark.parametrize("state", ["kelurahan_verified", "designated", "deferred"])
def test_only_kecamatan_verified_proposals_can_be_overridden(prio, make_verified, state):
    proposal = make_verified("A1.1", state=state)

    with pytest.raises(ActionRefused, match="diverifikasi kecamatan"):
        priority_override_set(
            actor=prio.users["camat"], proposal=proposal, include=True, reason=REASON
        )


def test_the_camat_of_another_kecamatan_does_not_even_see_the_proposal(prio, make_verified):
    proposal = make_verified("A1.1")

    with pytest.raises(NotInScope):
        priority_override_set(
            actor=prio.users["camat_other"], proposal=proposal, include=True, reason=REASON
        )
    with pytest.raises(NotInScope):
        priority_override_withdraw(
            actor=prio.users["camat_other"], proposal=proposal, reason=REASON
        )


@pytest.mark.parametrize("who", ["lurah", "bappeda", "admin", "inspektorat"])
def test_other_roles_that_see_the_proposal_cannot_override(prio, make_verified, who):
    proposal = make_verified("A1.1")
    # The walk to kecamatan_verified left its own audit rows: the refusal adds none.
    audited = AuditEvent.objects.count()

    with pytest.raises(ActionRefused, match="Hanya Camat"):
        priority_override_set(actor=prio.users[who], proposal=proposal, include=True, reason=REASON)

    assert not PriorityOverride.objects.exists()
    assert AuditEvent.objects.count() == audited
