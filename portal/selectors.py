"""Reads for the pages that span stages (home pages, the dossier), always scoped to the user."""

from django.db.models import Count

from bangkit.models import RT, Kecamatan, Kelurahan
from proposals.models import MusrenbangEntry, Proposal, State


def area_summary(user) -> dict:
    """The real counts for the user's home page: RTs, kelurahan, kecamatan, proposals by stage."""
    by_state = dict(
        Proposal.objects.visible_to(user)
        .order_by()
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
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
