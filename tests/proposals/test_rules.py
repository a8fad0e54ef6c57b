"""The whole permission matrix: state × action × role (in and out of area) → allowed or not."""

import pytest
from django.db import transaction

from bangkit.errors import ActionRefused, NotInScope
from proposals import rules, services
from proposals.models import Proposal
from tests.proposals.conftest import checklist_for, new_audits, new_logs

STATES = [
    "musrenbang",
    "draft",
    "submitted",
    "kelurahan_verified",
    "kecamatan_verified",
    "rejected",
    "deferred",
    "cancelled",
]
ACTIONS = [
    "submit",
    "verify_kelurahan",
    "verify_kecamatan",
    "return_for_revision",
    "reject",
    "defer",
    "cancel",
]
ROLES = [
    "rt_own",
    "rt_other",
    "kelurahan_own",
    "kelurahan_other",
    "kecamatan_own",
    "kecamatan_other",
    "bappeda",
    "inspektorat",
]
OUT_OF_AREA = {"rt_other", "kelurahan_other", "kecamatan_other"}
TARGET = {
    "submit": "submitted",
    "verify_kelurahan": "kelurahan_verified",
    "verify_kecamatan": "kecamatan_verified",
    "return_for_revision": "draft",
    "reject": "rejected",
    "defer": "deferred",
    "cancel": "cancelled",
}
# Every allowed cell, written out by hand from the rules (not computed from them).
ALLOWED = {
    ("musrenbang", "submit", "rt_own"),
    ("draft", "submit", "rt_own"),
    ("submitted", "verify_kelurahan", "kelurahan_own"),
    ("submitted", "return_for_revision", "kelurahan_own"),
    ("submitted", "reject", "kelurahan_own"),
    ("kelurahan_verified", "verify_kecamatan", "kecamatan_own"),
    ("kelurahan_verified", "return_for_revision", "kecamatan_own"),
    ("kelurahan_verified", "reject", "kecamatan_own"),
    ("kecamatan_verified", "defer", "kecamatan_own"),
    ("musrenbang", "cancel", "rt_own"),
    ("draft", "cancel", "rt_own"),
    ("submitted", "cancel", "kelurahan_own"),
    ("kelurahan_verified", "cancel", "kecamatan_own"),
    ("kecamatan_verified", "cancel", "kecamatan_own"),
    ("deferred", "cancel", "kecamatan_own"),
}
REASON = "Lokasi sudah dibangun lewat dana CSR tahun lalu."


@pytest.fixture
def world(module_world, db):
    """The matrix has 448 cells: share the world, build only the proposal per row."""
    return module_world


def expected(state, action, role):
    if role in OUT_OF_AREA:
        return NotInScope
    if (state, action, role) in ALLOWED:
        return "allowed"
    return ActionRefused


def test_the_hand_written_cancel_cells_agree_with_the_stage_owners():
    cancel_cells = {(s, r) for s, a, r in ALLOWED if a == "cancel"}
    from_rules = {
        (state, f"{rules.STAGE_OWNER[state]}_own") for state in STATES if state in rules.STAGE_OWNER
    }
    assert cancel_cells == from_rules


def attempt(proposal, actor, action, checklist):
    """The outcome of one cell: "allowed", or the class of the error raised."""
    try:
        services.proposal_transition(
            proposal=proposal, actor=actor, action=action, note=REASON, checklist=checklist
        )
    except (ActionRefused, NotInScope) as exc:
        return type(exc)
    return "allowed"


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("state", STATES)
def test_transition_matrix(world, make_proposal, state, action):
    """One row of the matrix per test: the eight roles try `action` on a proposal in `state`.

    Each role's attempt runs in a savepoint rolled back afterwards, so every role meets the
    same untouched proposal (and the 448 cells take seconds, not minutes).
    """
    # Given a proposal in `state` whose guards all pass (documents, RAB, year open)
    proposal = make_proposal(state)
    stage = services.CHECKLIST_STAGE.get(action)
    checklist = checklist_for(proposal, stage) if stage else None
    before = Proposal.objects.get(pk=proposal.pk)
    history_rows = before.history.count()
    outcomes = {}

    for role in ROLES:
        actor = world.users[role]
        cell = (state, action, role)
        with transaction.atomic():
            # When the actor tries the action, with a reason and a fully ticked checklist
            outcomes[role] = attempt(Proposal.objects.get(pk=proposal.pk), actor, action, checklist)

            after = Proposal.objects.get(pk=proposal.pk)
            if outcomes[role] == "allowed":
                # Then the state moves, and one log row and one audit row record it
                assert after.state == TARGET[action], cell
                log = new_logs(proposal).get(proposal=proposal)
                assert (log.transition, log.actor, log.from_state, log.to_state, log.note) == (
                    action,
                    actor,
                    state,
                    TARGET[action],
                    REASON,
                ), cell
                if stage:
                    items = proposal.fiscal_year.checklist_items.filter(stage=stage)
                    assert log.checklist == {item.text: True for item in items}, cell
                else:
                    assert log.checklist == {}, cell
                audit = new_audits(proposal).get()
                assert (audit.action, audit.actor, audit.object_id) == (
                    f"proposal_{action}",
                    actor,
                    str(proposal.pk),
                ), cell
            else:
                # Then nothing changed: state, log, audit trail, history
                assert (after.state, after.updated_at) == (before.state, before.updated_at), cell
                assert not new_logs(proposal).exists(), cell
                assert not new_audits(proposal).exists(), cell
                assert after.history.count() == history_rows, cell
            transaction.set_rollback(True)

    assert outcomes == {role: expected(state, action, role) for role in ROLES}


def test_available_actions_offer_exactly_the_allowed_cells(world, make_proposal):
    for state in STATES:
        proposal = make_proposal(state)
        for role in ROLES:
            offered = set(services.available_actions(proposal, world.users[role]))
            allowed = {a for s, a, r in ALLOWED if s == state and r == role}
            assert offered == allowed, (state, role)


# --- Every predicate of proposals.rules, asked directly -----------------------------------

ALL_STATES = [
    *STATES,
    "designated",
    "procurement",
    "materials_received",
    "in_progress",
    "reported",
    "completed",
]
# Hand-written: predicate → {state: roles allowed} ("*" for every state).
PREDICATE_CELLS = {
    "is_rt_of": {"*": {"rt_own"}},
    "is_kelurahan_of": {"*": {"kelurahan_own"}},
    "is_kecamatan_of": {"*": {"kecamatan_own"}},
    "is_rt_or_kelurahan_of": {"*": {"rt_own", "kelurahan_own"}},
    "can_submit": {"*": {"rt_own"}},
    "is_current_verifier": {
        "submitted": {"kelurahan_own"},
        "kelurahan_verified": {"kecamatan_own"},
    },
    "is_stage_owner": {
        "musrenbang": {"rt_own"},
        "draft": {"rt_own"},
        "submitted": {"kelurahan_own"},
        "kelurahan_verified": {"kecamatan_own"},
        "kecamatan_verified": {"kecamatan_own"},
        "deferred": {"kecamatan_own"},
        "designated": {"kecamatan_own"},
        "procurement": {"kelurahan_own"},
        "materials_received": {"kelurahan_own"},
        "in_progress": {"kelurahan_own"},
        "reported": {"kelurahan_own"},
    },
    "may_edit_proposal": {"musrenbang": {"rt_own"}, "draft": {"rt_own"}},
    # Not about one proposal: the entry is the own RT's ("own") or the other RT's ("other").
    "may_start_proposals": {"*": {"rt_own", "rt_other"}},
    "may_start_from_own_entry": {"*": {"rt_own"}},
    "may_start_from_other_entry": {"*": {"rt_other"}},
    "may_keep_musrenbang": {"*": {"bappeda"}},
}


def allowed_cell(predicate, state, role) -> bool:
    cells = PREDICATE_CELLS[predicate]
    return role in cells.get("*", set()) | cells.get(state, set())


@pytest.mark.parametrize("state", ALL_STATES)
def test_every_predicate_matrix(world, make_proposal, make_entry, state):
    """role × predicate × state × area (the *_other roles serve another RT, kelurahan or
    kecamatan than the proposal's) → allowed or not."""
    proposal = make_proposal(state)
    own_entry, other_entry = make_entry(), make_entry(rt=world.rt_other)
    asked = {
        "is_rt_of": lambda user: rules.is_rt_of(proposal, user),
        "is_kelurahan_of": lambda user: rules.is_kelurahan_of(proposal, user),
        "is_kecamatan_of": lambda user: rules.is_kecamatan_of(proposal, user),
        "is_rt_or_kelurahan_of": lambda user: rules.is_rt_or_kelurahan_of(proposal, user),
        "can_submit": lambda user: rules.can_submit(proposal, user),
        "is_current_verifier": lambda user: rules.is_current_verifier(proposal, user),
        "is_stage_owner": lambda user: rules.is_stage_owner(proposal, user),
        "may_edit_proposal": lambda user: rules.may_edit_proposal(user, proposal),
        "may_start_proposals": rules.may_start_proposals,
        "may_start_from_own_entry": lambda user: rules.may_start_proposal_from(user, own_entry),
        "may_start_from_other_entry": lambda user: rules.may_start_proposal_from(user, other_entry),
        "may_keep_musrenbang": rules.may_keep_musrenbang,
    }
    got = {(name, role): ask(world.users[role]) for name, ask in asked.items() for role in ROLES}

    assert got == {(name, role): allowed_cell(name, state, role) for name, role in got}
