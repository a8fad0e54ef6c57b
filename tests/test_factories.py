"""The lifecycle factories reach each state through the services: the proposal's transition log
walks the whole road, and every step left its audit row."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from bangkit.models import AuditEvent, ChecklistItem, FiscalYear, Role
from procurement.models import Handover, PurchaseOrder
from proposals.models import Proposal
from proposals.states import State
from reporting.models import CompletionReport
from tests import factories
from verification.models import Decree

pytestmark = pytest.mark.django_db

# The transitions that lead from a new proposal to each state on the main road.
ROAD = [
    ("create", State.DRAFT),
    ("submit", State.SUBMITTED),
    ("verify_kelurahan", State.KELURAHAN_VERIFIED),
    ("verify_kecamatan", State.KECAMATAN_VERIFIED),
    ("designate", State.DESIGNATED),
    ("order_materials", State.PROCUREMENT),
    ("receive_materials", State.MATERIALS_RECEIVED),
    ("start_work", State.IN_PROGRESS),
    ("submit_report", State.REPORTED),
    ("accept_report", State.COMPLETED),
]


def steps_to(state):
    index = [s for _, s in ROAD].index(state)
    return [name for name, _ in ROAD[: index + 1]]


def audit_actions(obj) -> list[str]:
    return list(
        AuditEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
        )
        .order_by("pk")
        .values_list("action", flat=True)
    )


@pytest.fixture
def rt(db):
    fy = factories.FiscalYearFactory()
    fy.checklist_items.create(stage=ChecklistItem.Stage.REPORT, text="Volume sesuai foto", order=1)
    return factories.RTFactory(households=80)


@pytest.mark.parametrize("state", [state for _, state in ROAD])
def test_the_factory_reaches_each_state_with_a_log_and_audit_row_per_step(rt, state):
    proposal = factories.ProposalFactory(rt=rt, state=state)

    proposal.refresh_from_db()
    assert proposal.state == state
    log = list(proposal.transitions.order_by("created_at", "pk"))
    assert [t.transition for t in log] == steps_to(state)
    assert all(t.actor_id for t in log)
    # Each step's to_state is the next one's from_state: no state was jumped over.
    assert [t.to_state for t in log[:-1]] == [t.from_state for t in log[1:]]
    assert log[-1].to_state == state
    assert [a for a in audit_actions(proposal) if a.removeprefix("proposal_") in steps_to(state)]
    for step in steps_to(state):
        assert f"proposal_{step}" in audit_actions(proposal), step


def test_each_step_is_taken_by_the_user_whose_role_it_is(rt):
    proposal = factories.ProposalFactory(rt=rt, state=State.COMPLETED)

    roles = dict(proposal.transitions.values_list("transition", "actor__role"))
    assert roles == {
        "create": Role.RT,
        "submit": Role.RT,
        "verify_kelurahan": Role.KELURAHAN,
        "verify_kecamatan": Role.KECAMATAN,
        "designate": Role.KECAMATAN,
        "order_materials": Role.KELURAHAN,
        # The Ketua RT confirmed the BAST from their account (issue 9 item 8).
        "receive_materials": Role.RT,
        "start_work": Role.RT,
        "submit_report": Role.RT,
        "accept_report": Role.KELURAHAN,
    }
    actors = {t.actor for t in proposal.transitions.all()}
    assert all(
        getattr(actor, actor.AREA_FIELD[actor.role]) in (rt, rt.kelurahan, rt.kelurahan.kecamatan)
        for actor in actors
    )


def test_the_later_records_exist_and_were_audited(rt):
    proposal = factories.ProposalFactory(rt=rt, state=State.COMPLETED, paid=True)

    decree = Decree.objects.get(locations__proposal=proposal)
    assert decree.state == Decree.State.ISSUED and decree.number and decree.pdf_sha256
    assert audit_actions(decree) == ["decree_create_draft", "decree_issue"]
    order = PurchaseOrder.objects.get(proposal=proposal)
    assert order.state == PurchaseOrder.State.ISSUED and order.number
    assert {"order_create", "order_issue", "delivery_record", "payment_record"} <= set(
        audit_actions(order)
    )
    handover = Handover.objects.get(proposal=proposal)
    assert handover.is_complete and handover.rt_confirmed_by.role == Role.RT
    assert audit_actions(handover) == ["handover_record", "handover_confirm", "handover_complete"]
    report = CompletionReport.objects.get(proposal=proposal)
    assert report.submitted_at and report.accepted_at
    assert {"attachment_add", "photo_add", "work_day_add", "report_save"} <= set(
        audit_actions(proposal)
    )
    proposal.refresh_from_db()
    assert proposal.designated_budget == proposal.rab_total == 10_000_000
    assert proposal.ordered_amount == proposal.delivered_amount == proposal.paid_amount


@pytest.mark.parametrize(
    "state, last",
    [
        (State.REJECTED, ("submitted", "reject")),
        (State.DEFERRED, ("kecamatan_verified", "defer")),
        (State.CANCELLED, ("draft", "cancel")),
    ],
)
def test_side_states_branch_off_the_road(rt, state, last):
    proposal = factories.ProposalFactory(rt=rt, state=state)

    step = proposal.transitions.order_by("-created_at", "-pk").first()
    assert (step.from_state, step.transition, step.to_state) == (*last, state)
    assert f"proposal_{last[1]}" in audit_actions(proposal)


def test_a_cancelled_proposal_can_leave_from_a_later_state(rt):
    proposal = factories.ProposalFactory(rt=rt, state=State.CANCELLED, cancelled_from="submitted")

    step = proposal.transitions.order_by("-created_at", "-pk").first()
    assert (step.from_state, step.actor.role) == ("submitted", Role.KELURAHAN)


def test_advance_takes_an_existing_proposal_further(rt):
    proposal = factories.ProposalFactory(rt=rt, state=State.SUBMITTED)

    proposal = factories.advance(proposal, State.DESIGNATED)

    assert proposal.state == State.DESIGNATED
    assert proposal.transitions.count() == len(steps_to(State.DESIGNATED))
    with pytest.raises(ValueError):
        factories.advance(proposal, State.SUBMITTED)


def test_a_year_past_its_opening_is_put_back_after_the_walk(db):
    fy = factories.FiscalYearFactory(status=FiscalYear.Status.EXECUTION)
    proposal = factories.ProposalFactory(fiscal_year=fy, state=State.DESIGNATED)

    fy.refresh_from_db()
    assert fy.status == FiscalYear.Status.EXECUTION
    assert proposal.state == State.DESIGNATED


def test_one_decree_designates_several_proposals(rt):
    other_rt = factories.RTFactory(kelurahan=rt.kelurahan, households=80)
    first = factories.ProposalFactory(rt=rt, state=State.KECAMATAN_VERIFIED)
    second = factories.ProposalFactory(rt=other_rt, state=State.KECAMATAN_VERIFIED)
    day = timezone.localdate() - timedelta(days=30)

    decree = factories.designate([first, second], decree_date=day)

    assert decree.decree_date == day
    assert set(
        Proposal.objects.filter(decree_locations__decree=decree).values_list("state", flat=True)
    ) == {State.DESIGNATED}


def test_draft_decree_and_order_stay_drafts(rt):
    verified = factories.ProposalFactory(rt=rt, state=State.KECAMATAN_VERIFIED)
    decree = factories.DecreeFactory(proposals=[verified], issued=False)
    assert decree.state == Decree.State.DRAFT
    verified.refresh_from_db()
    assert verified.state == State.KECAMATAN_VERIFIED

    designated = factories.ProposalFactory(
        rt=factories.RTFactory(kelurahan=rt.kelurahan), state=State.DESIGNATED
    )
    order = factories.PurchaseOrderFactory(proposal=designated, issued=False)
    assert order.state == PurchaseOrder.State.DRAFT
    designated.refresh_from_db()
    assert designated.state == State.DESIGNATED


def test_a_bast_signed_on_paper_is_recorded_by_the_kelurahan(rt):
    proposal = factories.ProposalFactory(rt=rt, state=State.MATERIALS_RECEIVED, bast_on_paper=True)

    handover = Handover.objects.get(proposal=proposal)
    assert handover.signed_on_paper and handover.is_complete and handover.rt_confirmed_by is None
    step = proposal.transitions.get(transition="receive_materials")
    assert step.actor.role == Role.KELURAHAN
    assert audit_actions(handover) == ["handover_record", "handover_complete"]


def test_unknown_fields_are_refused(rt):
    with pytest.raises(TypeError):
        factories.ProposalFactory(rt=rt, colour="merah")
