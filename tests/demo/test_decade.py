"""`seed_demo --years N`: decade-scale records in bulk, at a reduced scale for the test."""

import io
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Sum
from django.test import override_settings

from bangkit import geo
from bangkit.models import AuditEvent, FiscalYear, Kelurahan
from budgets.models import BudgetEnvelope
from demo.seeders import core, decade
from procurement.models import (
    Delivery,
    DeliveryLine,
    Handover,
    Payment,
    PurchaseOrder,
    PurchaseOrderLine,
)
from proposals.models import CitizenSupport, MusrenbangEntry, Proposal, RABLine, TransitionLog
from proposals.states import State
from reporting.models import CompletionReport, ProgressPhoto, SwadayaContribution, WorkDay
from verification.models import Decree, DecreeLocation

SCALE = 0.02
YEARS = [core.demo_year() - 2, core.demo_year() - 1]
MODELS = [
    MusrenbangEntry,
    CitizenSupport,
    Proposal,
    RABLine,
    TransitionLog,
    AuditEvent,
    Decree,
    DecreeLocation,
    PurchaseOrder,
    PurchaseOrderLine,
    Delivery,
    DeliveryLine,
    Payment,
    Handover,
    WorkDay,
    SwadayaContribution,
    ProgressPhoto,
    CompletionReport,
    BudgetEnvelope,
]


def seed(**options) -> str:
    out = io.StringIO()
    with override_settings(DEBUG=True):
        call_command("seed_demo", years=2, scale=SCALE, stdout=out, **options)
    return out.getvalue()


def sizes() -> dict:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Two years at 2% of the full volume, written once for the module, rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_regions", verbosity=0, stdout=io.StringIO())
        output = seed()
        yield output
        transaction.set_rollback(True)


@pytest.fixture
def data(seeded, db):
    return seeded


def test_each_year_has_its_share_of_the_full_volume(data):
    assert "2 tahun ditulis" in data
    for year in YEARS:
        assert MusrenbangEntry.objects.filter(year=year).count() == round(6000 * SCALE)
        proposals = Proposal.objects.filter(fiscal_year__year=year)
        assert proposals.count() == round(1500 * SCALE)
        funded = proposals.filter(designated_budget__isnull=False)
        assert funded.count() == round(600 * SCALE)
        assert set(funded.values_list("state", flat=True)) == {State.COMPLETED}
        unfunded = set(
            proposals.filter(designated_budget__isnull=True).values_list("state", flat=True)
        )
        assert unfunded <= {State.REJECTED, State.DEFERRED, State.CANCELLED}
        assert FiscalYear.objects.get(year=year).status == FiscalYear.Status.CLOSED
        for proposal in funded:
            assert proposal.rab_lines.exists()
            assert proposal.purchase_orders.count() in (1, 2)
            assert 3 <= proposal.work_days.count() <= 7
            assert proposal.progress_photos.count() == 3
            assert not proposal.progress_photos.exclude(original="").exists()  # no image files
            assert proposal.contributions.exists()
            assert Handover.objects.filter(proposal=proposal).exists()
            assert CompletionReport.objects.get(proposal=proposal).accepted_at
    # One SK per kecamatan with funded sites, listing exactly those sites.
    assert (
        DecreeLocation.objects.count()
        == Proposal.objects.filter(designated_budget__isnull=False).count()
    )


def test_money_is_consistent_from_rab_to_payment(data):
    for proposal in Proposal.objects.filter(designated_budget__isnull=False):
        rab = proposal.rab_lines.aggregate(t=Sum("line_total"))["t"]
        orders = proposal.purchase_orders.filter(state=PurchaseOrder.State.ISSUED)
        lines = PurchaseOrderLine.objects.filter(order__proposal=proposal)
        assert rab == proposal.designated_budget <= proposal.fiscal_year.ceiling_amount
        assert orders.aggregate(t=Sum("total"))["t"] == rab
        assert lines.aggregate(t=Sum("line_total"))["t"] == rab
        assert (
            Payment.objects.filter(order__proposal=proposal).aggregate(t=Sum("amount"))["t"] == rab
        )
        assert proposal.ordered_amount == proposal.delivered_amount == proposal.paid_amount == rab
        for line in lines.select_related("rab_line"):
            assert (line.quantity, line.unit_price) == (
                line.rab_line.quantity,
                line.rab_line.unit_price,
            )
            delivered = DeliveryLine.objects.filter(order_line=line).aggregate(q=Sum("quantity"))
            assert delivered["q"] == line.quantity
        assert DecreeLocation.objects.get(proposal=proposal).budget == rab
    for proposal in Proposal.objects.filter(designated_budget__isnull=True):
        assert proposal.ordered_amount == proposal.paid_amount == 0
        assert not proposal.purchase_orders.exists()
    for year in YEARS:
        fiscal_year = FiscalYear.objects.get(year=year)
        envelopes = BudgetEnvelope.objects.filter(fiscal_year=fiscal_year)
        assert envelopes.aggregate(t=Sum("amount"))["t"] == fiscal_year.total_budget
        designated = defaultdict(int)
        for kec, budget in Proposal.objects.filter(
            fiscal_year=fiscal_year, designated_budget__isnull=False
        ).values_list("kelurahan__kecamatan", "designated_budget"):
            designated[kec] += budget
        for envelope in envelopes:
            assert designated[envelope.kecamatan_id] <= envelope.amount


def test_every_step_has_its_own_date_in_order(data):
    logs = defaultdict(list)
    for log in TransitionLog.objects.order_by("created_at", "id"):
        logs[log.proposal_id].append(log)
    audits = {
        (int(a.object_id), a.action, a.created_at)
        for a in AuditEvent.objects.filter(action__startswith="proposal_")
    }
    proposals = Proposal.objects.select_related("entry", "fiscal_year")
    for proposal in proposals:
        steps = logs[proposal.pk]
        assert steps[0].transition == "create" and steps[0].from_state == State.MUSRENBANG
        assert steps[0].created_at == proposal.created_at > proposal.entry.imported_at
        for before, after in zip(steps, steps[1:], strict=False):
            assert before.to_state == after.from_state
            assert before.created_at < after.created_at
        assert steps[-1].to_state == proposal.state
        assert all(s.created_at.year == proposal.fiscal_year.year for s in steps)
        for step in steps:
            assert (proposal.pk, f"proposal_{step.transition}", step.created_at) in audits
        if proposal.state != State.COMPLETED:
            continue
        when = {s.transition: s.created_at for s in steps}
        decree = Decree.objects.get(locations__proposal=proposal)
        assert when["verify_kecamatan"] < decree.issued_at == when["designate"]
        orders = proposal.purchase_orders.all()
        assert all(o.issued_at == when["order_materials"] for o in orders)
        for delivery in Delivery.objects.filter(order__proposal=proposal):
            assert delivery.order.issued_at.date() <= delivery.delivered_on
            assert delivery.delivered_on <= when["receive_materials"].date()
        days = sorted(proposal.work_days.values_list("date", flat=True))
        assert when["start_work"].date() == days[0]
        assert all(d.weekday() >= 5 for d in days)  # gotong-royong on weekends
        assert days[-1] < when["submit_report"].date()
        assert proposal.handover.handover_date <= when["start_work"].date()
    # Distinct, realistic times: not one timestamp shared by a whole year.
    times = TransitionLog.objects.values_list("created_at", flat=True)
    assert len(set(times)) > 0.9 * len(times)


def test_sites_lie_inside_their_kelurahan(data):
    boundaries = dict(Kelurahan.objects.values_list("pk", "boundary"))
    proposals = Proposal.objects.all()
    assert proposals.exists()
    for proposal in proposals:
        assert proposal.latitude is not None
        assert geo.contains(
            boundaries[proposal.kelurahan_id], proposal.latitude, proposal.longitude
        )
    for entry in MusrenbangEntry.objects.filter(latitude__isnull=False)[:200]:
        assert geo.contains(boundaries[entry.kelurahan_id], entry.latitude, entry.longitude)


def test_running_again_writes_nothing(data):
    before = sizes()
    output = seed()
    assert "Sudah ada, dilewati" in output and "Tidak ada tahun baru" in output
    assert sizes() == before


def test_a_year_holding_other_records_is_refused(data):
    year = YEARS[0] - 1
    entry = MusrenbangEntry.objects.filter(year=YEARS[0]).first()
    MusrenbangEntry.objects.create(
        year=year, source_id="MR-LAIN-1", kelurahan=entry.kelurahan, title="Impor lain"
    )
    before = sizes()
    refused = pytest.raises(CommandError, match=f"Tahun {year} sudah berisi data lain")
    with refused, override_settings(DEBUG=True):
        call_command("seed_demo", years=3, scale=SCALE, stdout=io.StringIO())
    assert sizes() == before


def test_bad_options_and_production_are_refused(data):
    with override_settings(DEBUG=True), pytest.raises(CommandError, match="--scale"):
        call_command("seed_demo", years=2, scale=0, stdout=io.StringIO())
    with override_settings(DEBUG=True), pytest.raises(CommandError, match="--years"):
        call_command("seed_demo", years=99, stdout=io.StringIO())
    with override_settings(DEBUG=False), pytest.raises(CommandError, match="DEBUG=False"):
        call_command("seed_demo", years=2, stdout=io.StringIO())


def test_the_rules_of_each_year_and_shares_that_add_up():
    assert decade.regulation_for(2016) == "Peraturan Wali Kota Jambi Nomor 42 Tahun 2015"
    assert decade.regulation_for(2021) == "Peraturan Wali Kota Jambi Nomor 5 Tahun 2020"
    assert decade.split_by_weight(10, [1, 1, 1]) in ([4, 3, 3], [3, 4, 3], [3, 3, 4])
    assert sum(decade.split_by_weight(6000, [3, 7, 11, 2])) == 6000


def test_the_walked_demo_steps_get_distinct_dates_in_order(db, make_user):
    from datetime import datetime, timedelta

    from django.utils import timezone

    from bangkit.models import Role
    from bangkit.services import audit_record
    from demo.seeders import dates
    from tests import factories

    fiscal_year = factories.FiscalYearFactory(year=core.demo_year())
    rt = factories.RTFactory(households=50)
    actor = make_user(Role.RT, rt)
    started = timezone.now() - timedelta(seconds=1)
    proposals = []
    work_type = factories.WorkTypeFactory()
    for _ in range(3):
        proposal = Proposal.objects.create(
            fiscal_year=fiscal_year,
            rt=rt,
            kelurahan=rt.kelurahan,
            title="Rabat beton",
            work_type=work_type,
            planned_volume=10,
        )
        steps = [
            ("create", "draft"),
            ("submit", "submitted"),
            ("verify_kelurahan", "kelurahan_verified"),
        ]
        for action, to in steps:
            TransitionLog.objects.create(
                proposal=proposal, transition=action, from_state="x", to_state=to, actor=actor
            )
            audit_record(actor=actor, action=f"proposal_{action}", obj=proposal)
        proposals.append(proposal)
    assert dates.spread_transition_dates(started, fiscal_year.year) == 9
    floor = timezone.make_aware(datetime(fiscal_year.year, 1, 2))
    for proposal in proposals:
        steps = list(proposal.transitions.order_by("created_at"))
        moments = [s.created_at for s in steps]
        assert [s.transition for s in steps] == ["create", "submit", "verify_kelurahan"]
        assert moments == sorted(set(moments)) and moments[0] >= floor
        assert moments[-1] - moments[0] > timedelta(days=2)  # days apart, not seconds
        proposal.refresh_from_db()
        assert proposal.created_at == moments[0]
        events = AuditEvent.objects.filter(object_id=str(proposal.pk), action="proposal_submit")
        assert list(events.values_list("created_at", flat=True)) == [moments[1]]
    # Run again: nothing logged since then moves twice.
    assert dates.spread_transition_dates(timezone.now(), fiscal_year.year) == 0


def test_the_closed_years_get_their_dashboard_summary(data):
    from bangkit.models import FiscalYear
    from dashboards.models import ProposalSummary, YearSummary

    closed = FiscalYear.objects.filter(status=FiscalYear.Status.CLOSED)
    summaries = YearSummary.objects.filter(fiscal_year__in=closed, stale=False)
    assert summaries.count() == closed.count() >= 2
    assert ProposalSummary.objects.count() == sum(s.proposals for s in summaries) > 0
