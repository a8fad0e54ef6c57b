"""Pages that span stages: every role's home and the proposal's dossier."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from budgets.figures import cancellation_effect
from portal import public_home, todo
from portal.context_processors import menu_figures
from portal.selectors import area_summary, rt_drafts
from proposals import rules as proposal_rules
from proposals import selectors as proposal_selectors
from proposals import services as proposal_services
from proposals.views import ACTION_BUTTONS, REVIEW_ACTIONS
from reporting.selectors import proposal_progress


def front(request):
    """`/`: the public home for a visitor, the role's own home once signed in."""
    if request.user.is_authenticated:
        return home(request)
    return public_home.home(request)


# A visitor's `/` is the public home's kept page (portal/public_cache.py); anyone with a
# session is never served one.
front.public_cache_spec = public_home.home.public_cache_spec


@login_required
def home(request):
    user = request.user
    counts = menu_figures(request)  # the menu shows the same counts
    items = todo.todo_list(user)
    return render(
        request,
        "portal/home.html",
        {
            "summary": area_summary(user),
            "drafts": rt_drafts(user),
            "todo": items,
            "todo_total": sum(counts.values()),
            "has_todo_kinds": bool(todo.kinds_for(user)),
        },
    )


@login_required
@require_GET
def proposal_detail(request, code):
    proposal = proposal_selectors.proposal_detail(user=request.user, code=code)
    actions = proposal_services.available_actions(proposal, request.user)
    review = [name for name in REVIEW_ACTIONS if name in actions]
    checklist = []
    for name in review:
        checklist = checklist or proposal_selectors.checklist_for(proposal, name)
    return render(
        request,
        "proposals/detail.html",
        {
            "proposal": proposal,
            "documents": proposal_selectors.document_progress(proposal),
            "timeline": proposal_selectors.timeline(proposal),
            "pending_return": proposal_selectors.pending_return(proposal),
            "support_count": proposal_selectors.entry_support_count(proposal),
            "review_buttons": [(name, *ACTION_BUTTONS[name]) for name in review],
            "checklist": checklist,
            "can_submit": "submit" in actions,
            "can_cancel": "cancel" in actions,
            "cancel_effect": cancellation_effect(proposal) if "cancel" in actions else None,
            "can_edit": proposal_rules.may_edit_proposal(request.user, proposal),
            "problems": proposal_rules.submission_problems(proposal) if "submit" in actions else [],
            "progress": proposal_progress(proposal, request.user),
        },
    )
