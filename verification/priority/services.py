"""The Camat's written overrides of the suggested set: put a proposal in or out, or take it back."""

from django.db import transaction
from django.utils import timezone

from bangkit.errors import ActionRefused
from bangkit.history import records_actor
from bangkit.rules import require_reason
from bangkit.services import audit_record
from proposals.models import Proposal, State
from proposals.services import lock_proposal
from verification.models import PriorityOverride
from verification.priority import rules

# The audit actions of this app (written here, by its admin or its import) in the words of
# the audit trail; the app config registers them.
AUDIT_ACTIONS = {
    "priority_override_set": "Prioritas ditentukan camat",
    "priority_override_withdraw": "Penentuan prioritas ditarik",
}


def _checked(proposal: Proposal, actor, reason: str) -> tuple[Proposal, str]:
    """Lock the proposal, then check who acts, on what, and why."""
    proposal = lock_proposal(proposal, actor)  # NotInScope (404) outside the actor's area
    if not rules.may_decide_priority(actor, proposal.kelurahan.kecamatan):
        raise ActionRefused("Hanya Camat kecamatan usulan ini yang dapat mengubah prioritasnya.")
    if proposal.state != State.KECAMATAN_VERIFIED:
        raise ActionRefused(
            f"Prioritas hanya dapat diubah untuk usulan yang sudah diverifikasi kecamatan; "
            f"usulan ini pada tahap '{proposal.get_state_display()}'."
        )
    reason = require_reason(reason, note="alasan ini terlihat oleh Bappeda dan Inspektorat")
    return proposal, reason


def _withdraw_active(proposal: Proposal) -> PriorityOverride | None:
    active = (
        PriorityOverride.objects.select_for_update()
        .filter(proposal=proposal, withdrawn_at__isnull=True)
        .first()
    )
    if active is not None:
        active.withdrawn_at = timezone.now()
        active.save(update_fields=["withdrawn_at"])
    return active


def _audit(actor, action: str, override: PriorityOverride, *, proposal, reason, summary, **extra):
    """The audit row of a decision set or withdrawn: which proposal, which way, and why."""
    audit_record(
        actor=actor,
        action=action,
        obj=override,
        summary=summary,
        data={
            "proposal": proposal.pk,
            "code": proposal.code,
            "include": override.include,
            "reason": reason,
            **extra,
        },
    )


@records_actor
@transaction.atomic
def priority_override_set(
    *, actor, proposal: Proposal, include: bool, reason: str
) -> PriorityOverride:
    """Force a proposal into (include) or out of the suggested set, with a written reason.

    An earlier active decision on the same proposal is withdrawn by this one (both stay on
    record).
    """
    proposal, reason = _checked(proposal, actor, reason)
    previous = _withdraw_active(proposal)
    override = PriorityOverride.objects.create(
        proposal=proposal, include=bool(include), reason=reason, actor=actor
    )
    verb = "dimasukkan ke" if include else "dikeluarkan dari"
    _audit(
        actor,
        "priority_override_set",
        override,
        proposal=proposal,
        reason=reason,
        summary=f"{proposal.code} {verb} pilihan pendanaan oleh Camat: {reason}",
        replaces=previous.pk if previous else None,
    )
    return override


@records_actor
@transaction.atomic
def priority_override_withdraw(*, actor, proposal: Proposal, reason: str) -> PriorityOverride:
    """Take back the Camat's active decision: the proposal follows the computed suggestion again."""
    proposal, reason = _checked(proposal, actor, reason)
    withdrawn = _withdraw_active(proposal)
    if withdrawn is None:
        raise ActionRefused("Usulan ini tidak memiliki keputusan Camat yang masih berlaku.")
    _audit(
        actor,
        "priority_override_withdraw",
        withdrawn,
        proposal=proposal,
        reason=reason,
        summary=f"Keputusan Camat atas {proposal.code} dicabut: {reason}",
    )
    return withdrawn
