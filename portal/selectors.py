"""Reads for the pages that span stages (home pages, the dossier), always scoped to the user."""

from dataclasses import dataclass

from bangkit.models import RT, Kecamatan, Kelurahan
from bangkit.queries import counts_by
from portal.models import STEP_ORDER, FlowStep, ProposalFlow
from proposals import rules as proposal_rules
from proposals.models import MusrenbangEntry, Proposal, State
from proposals.states import EDITABLE_STATES


def area_summary(user) -> dict:
    """The real counts for the user's home page: RTs, kelurahan, kecamatan, proposals by stage."""
    by_state = counts_by(Proposal.objects.visible_to(user), "state")
    labels = dict(State.choices)
    return {
        "kecamatan_count": Kecamatan.objects.visible_to(user).count(),
        "kelurahan_count": Kelurahan.objects.visible_to(user).count(),
        "rt_count": RT.objects.visible_to(user).filter(active=True).count(),
        "entry_count": MusrenbangEntry.objects.visible_to(user).count(),
        "proposal_count": sum(by_state.values()),
        "proposals_by_state": [
            (value, labels[value], by_state[value]) for value in State.values if by_state.get(value)
        ],
    }


# --- The guided flow ---------------------------------------------------------------------------

# Which step of the guided flow fixes each part of the submission checks (None: not the RT's
# to fix in the flow, e.g. the RT's household count or a closed year).
STEP_OF_PART = {
    "documents": FlowStep.DOKUMEN,
    "rab": FlowStep.RAB,
    "work_type": FlowStep.KEGIATAN,
    "households": None,
    "ceiling": None,
    "year": None,
}


@dataclass(frozen=True)
class Missing:
    message: str
    step: str | None  # the step to go back to, when the Ketua RT can fix it there

    @property
    def step_label(self) -> str:
        return FlowStep(self.step).label if self.step else ""


def flow_missing(proposal) -> list[Missing]:
    """What still stops the guided flow's submission, each with the step that fixes it: the
    proposal's own submission checks, and a map point (the flow asks for one on the spot)."""
    missing = []
    if proposal.latitude is None or proposal.longitude is None:
        missing.append(Missing("Titik lokasi (lintang dan bujur) belum diisi.", FlowStep.LOKASI))
    for part, message in proposal_rules.submission_checks(proposal):
        missing.append(Missing(message, STEP_OF_PART.get(part)))
    order = {step: i for i, step in enumerate(STEP_ORDER)}
    return sorted(missing, key=lambda m: order.get(m.step, len(order)))


def flow_of(proposal) -> ProposalFlow | None:
    return ProposalFlow.objects.filter(proposal=proposal).first()


def rt_drafts(user) -> list:
    """The Ketua RT's proposals still to complete (drafts, returned ones too), newest first,
    with where their guided flow resumes."""
    if not proposal_rules.may_start_proposals(user):
        return []
    return list(
        Proposal.objects.visible_to(user)
        .filter(state__in=EDITABLE_STATES)
        .select_related("guided_flow", "work_type")
        .with_rab_total()
        .with_last_step()
        .order_by("-updated_at", "-id")[:20]
    )
