"""Signed-in proposal screens: thin views that call selectors and services."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from proposals.models import Proposal, State


@login_required
def proposal_list(request):
    proposals = Proposal.objects.visible_to(request.user).for_lists().with_rab_total()
    state = request.GET.get("tahap")
    if state in State.values:
        proposals = proposals.filter(state=state)
    return render(
        request, "proposals/list.html", {"proposals": proposals[:200], "states": State.choices}
    )
