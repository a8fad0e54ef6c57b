"""Changes owned by the top app: the guided flow's bookmark. Proposal data itself is written
only by the proposal services."""

from django.db import transaction
from django.utils.translation import gettext as _

from bangkit.errors import ActionRefused
from portal.models import STEP_ORDER, ProposalFlow
from proposals import rules as proposal_rules


@transaction.atomic
def flow_step_reached(*, proposal, actor, step: str) -> ProposalFlow:
    """Remember the step the Ketua RT goes on to, after a step was saved, so that reopening
    the flow resumes there. Not audited: it changes no data, only where the flow reopens."""
    if step not in STEP_ORDER:
        raise ActionRefused(_("Langkah tidak dikenal."))
    if not proposal_rules.may_edit_proposal(actor, proposal):
        raise ActionRefused(_("Hanya Ketua RT pengusul yang dapat mengisi usulan ini."))
    flow, created = ProposalFlow.objects.select_for_update().get_or_create(
        proposal=proposal, defaults={"step": step, "furthest": step}
    )
    if not created:
        flow.step = step
        if STEP_ORDER.index(step) > STEP_ORDER.index(flow.furthest):
            flow.furthest = step
        flow.save(update_fields=["step", "furthest", "updated_at"])
    return flow
