"""Who decides on priority: role × action × proposal state × area → allowed or not.

"same" builds the kecamatan and proposal in kecamatan A (the camat's, the lurah's and the
RT's own), "other" in kecamatan B (camat_other's). The service's answer is held too: allowed
exactly where the predicate says so; otherwise "not found" outside the user's view, refused
inside it.
"""

import pytest
from django.db import transaction

from bangkit.errors import ActionRefused, NotInScope
from verification.priority import rules
from verification.priority.services import priority_override_set

ROLES = ["camat", "camat_other", "lurah", "rt", "bappeda", "inspektorat", "admin"]
STATES = [
    "submitted",
    "kelurahan_verified",
    "kecamatan_verified",
    "deferred",
    "designated",
    "rejected",
]
# Hand-written: the only cells where anyone may decide.
DECIDER = {"same": "camat", "other": "camat_other"}
# Who can see a proposal of each area at all (everyone else gets "not found").
SEES = {
    "same": {"camat", "lurah", "rt", "bappeda", "inspektorat", "admin"},
    "other": {"camat_other", "bappeda", "inspektorat", "admin"},
}
WEIGHT_KEEPERS = {"bappeda", "admin"}


def service_outcome(user, proposal):
    try:
        with transaction.atomic():
            priority_override_set(
                actor=user, proposal=proposal, include=True, reason="Jalan menuju sekolah rusak"
            )
            transaction.set_rollback(True)
    except (ActionRefused, NotInScope) as exc:
        return type(exc)
    return "allowed"


@pytest.mark.parametrize("area", ["same", "other"])
@pytest.mark.parametrize("state", STATES)
def test_priority_matrix(prio, make_verified, state, area):
    kecamatan = prio.kecamatan if area == "same" else prio.kecamatan_other
    proposal = make_verified("A1.1" if area == "same" else "B1.1", state=state)
    got, want = {}, {}
    for role in ROLES:
        user = prio.users[role]
        got[("decide", role)] = rules.may_decide_priority(user, kecamatan)
        got[("override", role)] = rules.may_override_priority(user, proposal)
        got[("weights", role)] = rules.may_set_priority_weights(user)
        got[("service", role)] = service_outcome(user, proposal)

        decider = role == DECIDER[area]
        want[("decide", role)] = decider
        want[("override", role)] = decider and state == "kecamatan_verified"
        want[("weights", role)] = role in WEIGHT_KEEPERS
        if want[("override", role)]:
            want[("service", role)] = "allowed"
        else:
            want[("service", role)] = ActionRefused if role in SEES[area] else NotInScope

    assert got == want
