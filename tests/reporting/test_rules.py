"""Who acts on a site's execution and report: role × action × state × area → allowed or not.

"same" builds the site in RT 3 of kelurahan A1 (kecamatan A), "other" in kecamatan B: each
area has its own Ketua RT, lurah and camat; the city-wide roles only read.
"""

import pytest
from django.utils import timezone

from reporting import rules
from reporting.models import CompletionReport

ROLES = ["rt", "rt_other", "lurah", "lurah_other", "camat", "camat_other", "inspektorat", "bappeda"]
STATES = ["procurement", "materials_received", "in_progress", "reported", "completed", "cancelled"]
OWN = {
    "same": {"rt": "rt", "kelurahan": "lurah", "kecamatan": "camat"},
    "other": {"rt": "rt_other", "kelurahan": "lurah_other", "kecamatan": "camat_other"},
}
# Hand-written: for each action, which of the area's own users may act, in which states.
ALLOWED = {
    "recorder": ({"rt", "kelurahan"}, set(STATES)),
    "record_work": ({"rt", "kelurahan"}, {"materials_received", "in_progress"}),
    "write_report": ({"rt"}, {"in_progress"}),
    "review_report": ({"kelurahan"}, {"reported"}),
    "countersign": ({"kecamatan"}, {"completed"}),
    "countersign_again": (set(), set()),
    "countersign_without_report": (set(), set()),
}
# Role-wide rights (no area, no state): every office but the Ketua RT reads the evidence.
OFFICES = {"lurah", "lurah_other", "camat", "camat_other", "inspektorat", "bappeda"}
ROLE_WIDE = {
    "red_flags": OFFICES,
    "photo_originals": OFFICES,
    "savings": OFFICES,
    "contractor_costs": {"bappeda"},
}


def outcomes(user, proposal):
    pending = CompletionReport(proposal=proposal)
    signed = CompletionReport(proposal=proposal, countersigned_at=timezone.now())
    return {
        "recorder": rules.is_recorder_of(user, proposal),
        "record_work": rules.may_record_work(user, proposal),
        "write_report": rules.may_write_report(user, proposal),
        "review_report": rules.may_review_report(user, proposal),
        "countersign": rules.may_countersign_report(user, proposal, pending),
        "countersign_again": rules.may_countersign_report(user, proposal, signed),
        "countersign_without_report": rules.may_countersign_report(user, proposal, None),
        "red_flags": rules.sees_red_flags(user),
        "photo_originals": rules.sees_photo_originals(user),
        "savings": rules.sees_savings(user),
        "contractor_costs": rules.may_set_contractor_costs(user),
    }


@pytest.mark.parametrize("area", ["same", "other"])
@pytest.mark.parametrize("state", STATES)
def test_reporting_matrix(world, make_site, state, area):
    rt = world.rt if area == "same" else world.rt_other
    proposal = make_site(rt=rt, state=state, orders=False)
    own = {user: level for level, user in OWN[area].items()}
    got, want = {}, {}
    for role in ROLES:
        for action, allowed in outcomes(world.users[role], proposal).items():
            got[(action, role)] = allowed
            if action in ROLE_WIDE:
                want[(action, role)] = role in ROLE_WIDE[action]
            else:
                levels, states = ALLOWED[action]
                want[(action, role)] = own.get(role) in levels and state in states

    assert got == want
