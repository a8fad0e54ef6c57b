"""Money that cannot drift: random sequences of every money service keep each envelope's
figures in order, paid <= delivered <= ordered <= committed <= allocated (PostgreSQL).

The services run as they do in production (decree issue, site amendment, orders, deliveries,
payments, order and site cancellation, the Bappeda's envelope); each example runs in its own
savepoint over the same small world, rolled back at its end. After every step that went
through, the figures of every envelope are checked and the proposals' stored sums compared with
a sum of their records; a refused step must have changed nothing; a site's cancellation frees
exactly what its page announced.
"""

from decimal import ROUND_DOWN, Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bangkit.errors import ActionRefused
from bangkit.models import RT
from budgets.figures import cancellation_effect, figures_for
from budgets.models import BudgetEnvelope
from budgets.services import envelope_set
from procurement import rules as procurement_rules
from procurement import selectors, services
from procurement.models import PurchaseOrder
from proposals import rules
from proposals.models import Proposal, RABLine, State
from proposals.services import proposal_transition
from tests.procurement.conftest import photo
from verification.decrees import amendments
from verification.decrees import services as decrees

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks and the figures' SQL as in production: run with DATABASE_URL=postgres://…",
    ),
]

LIVE = [State.DESIGNATED, State.PROCUREMENT, State.MATERIALS_RECEIVED, State.IN_PROGRESS]
# (material, quantity, unit price): sites of Rp 24.000.000, Rp 17.950.000 and Rp 15.000.000.
SITES = [
    ("A1", [("Semen Portland 50 kg", 200, 75_000), ("Pasir cor", 36, 250_000)]),
    ("A1", [("Semen Portland 50 kg", 160, 75_000), ("Besi beton 10 mm", 70, 85_000)]),
    ("A2", [("Pasir cor", 36, 250_000), ("Batu split 2/3", "18.75", 320_000)]),
]
STAND_IN_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MATERIALS = ["Semen Portland 50 kg", "Pasir cor", "Batu split 2/3", "Besi beton 10 mm"]

site_index = st.integers(0, len(SITES) - 1)
order_index = st.integers(0, 7)
share = st.sampled_from([Decimal("0.01"), Decimal("0.25"), Decimal("0.5"), Decimal("1")])
order_line = st.tuples(
    st.sampled_from(MATERIALS),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("150"), places=2),
    st.integers(1, 75_000),  # at or under every reference price: never flagged
)
designate = st.tuples(st.just("designate"), site_index)
amend = st.tuples(
    st.just("amend"),
    site_index,
    st.sampled_from(["under ordered", "ordered", "0.3", "0.9", "1", "1.1", "1.6"]),
)
# Orders go mostly to the two sites designated at the start.
order = st.tuples(
    st.just("order"), st.sampled_from([0, 2, 0, 2, 1]), st.lists(order_line, min_size=1, max_size=2)
)
deliver = st.tuples(st.just("deliver"), order_index, share)
pay = st.tuples(st.just("pay"), order_index, st.sampled_from(["0.5", "1", "1.01"]))
cancel_order = st.tuples(st.just("cancel_order"), order_index)
cancel_site = st.tuples(st.just("cancel_site"), site_index)
envelope = st.tuples(st.just("envelope"), st.integers(30, 90))
# Listed more than once, the purchase steps come up more often; Hypothesis also favours the
# first and the last choice, so those are deliveries and payments: most sequences then get as
# far as paying before a site or an order is cancelled.
steps = st.one_of(
    deliver,
    order,
    amend,
    designate,
    cancel_site,
    envelope,
    cancel_order,
    order,
    deliver,
    pay,
)


# Every sequence starts with two sites designated (the third does not fit kelurahan A1's
# share next to the first) and an order issued for each: the random steps then have money
# to amend, deliver, pay and cancel.
PRELUDE = [
    ("designate", 0),
    ("designate", 2),
    ("order", 0, [("Semen Portland 50 kg", Decimal("100.5"), 74_999)]),
    ("order", 2, [("Pasir cor", Decimal("20.25"), 250_000)]),
]


@pytest.fixture
def money_world(world, monkeypatch):
    """The procurement world with a tight envelope: Rp 50.000.000 for the kecamatan, of
    which Rp 40.000.000 for kelurahan A1, and three verified sites that do not all fit."""
    BudgetEnvelope.objects.filter(pk=world.envelope.pk).update(amount=50_000_000)
    BudgetEnvelope.objects.create(
        fiscal_year=world.fiscal_year,
        kecamatan=world.kecamatan,
        kelurahan=world.kelurahan,
        amount=40_000_000,
    )
    # The decree's PDF is beside the point here and takes a second per decree to draw.
    monkeypatch.setattr(decrees, "render_decree_pdf", lambda *args, **kwargs: STAND_IN_PDF)
    rt_a2 = RT.objects.create(kelurahan=world.kelurahan_same_kec, number=7, households=80)
    rts = {"A1": world.rt, "A2": rt_a2}
    world.sites = []
    for n, (where, rab) in enumerate(SITES):
        rt = rts[where]
        proposal = Proposal.objects.create(
            fiscal_year=world.fiscal_year,
            rt=rt,
            kelurahan=rt.kelurahan,
            title=f"Rabat beton gang {n + 1}",
            work_type=world.work_type,
            location_description=f"Gang Melati {n + 1}",
            planned_volume=Decimal("50"),
            planned_width=Decimal("1.5"),
            state=State.KECAMATAN_VERIFIED,
        )
        for i, (material, quantity, price) in enumerate(rab):
            RABLine.objects.create(
                proposal=proposal,
                material=material,
                unit=world.materials[material].unit,
                quantity=Decimal(str(quantity)),
                unit_price=price,
                position=i,
            )
        world.sites.append(proposal.pk)
    return world


def lurah_of(world, proposal):
    if proposal.kelurahan_id == world.kelurahan.pk:
        return world.users["lurah"]
    return world.users["lurah_same_kec"]


def snapshot(world):
    """Every money figure of the year, to compare before and after a step."""
    figures = [
        (f.envelope.pk, f.allocated, f.committed, f.ordered, f.delivered, f.paid)
        for f in figures_for(BudgetEnvelope.objects.filter(fiscal_year=world.fiscal_year))
    ]
    sites = list(
        Proposal.objects.filter(pk__in=world.sites)
        .order_by("pk")
        .values_list(
            "pk", "state", "designated_budget", "ordered_amount", "delivered_amount", "paid_amount"
        )
    )
    return figures, sites


def check_invariant(world):
    for fig in figures_for(BudgetEnvelope.objects.filter(fiscal_year=world.fiscal_year)):
        assert 0 <= fig.paid <= fig.delivered <= fig.ordered <= fig.committed <= fig.allocated, fig
    for proposal in Proposal.objects.filter(pk__in=world.sites):
        money = selectors.proposal_money(proposal)
        stored = (proposal.ordered_amount, proposal.delivered_amount, proposal.paid_amount)
        assert stored == (money.ordered, money.delivered, money.paid), proposal.code
        if proposal.state in LIVE:
            assert proposal.ordered_amount <= proposal.designated_budget, proposal.code


def kecamatan_committed(world) -> int:
    envelope = BudgetEnvelope.objects.get(pk=world.envelope.pk)
    return figures_for([envelope])[0].committed


def run_step(world, step, orders: list[int]) -> None:
    kind, *args = step
    camat = world.users["camat"]
    if kind == "designate":
        proposal = Proposal.objects.get(pk=world.sites[args[0]])
        draft = decrees.decree_create_draft(
            actor=camat,
            kecamatan=world.kecamatan,
            fiscal_year=world.fiscal_year,
            proposals=[proposal],
        )
        decrees.decree_issue(actor=camat, decree=draft)
    elif kind == "amend":
        proposal = Proposal.objects.get(pk=world.sites[args[0]])
        base = proposal.designated_budget or 20_000_000
        if args[1] == "under ordered":
            value = proposal.ordered_amount - 1
        elif args[1] == "ordered":
            value = proposal.ordered_amount
        else:
            value = int(base * Decimal(args[1]))
        amendments.site_amend(
            actor=camat,
            proposal=proposal,
            field="budget",
            new_value=str(max(value, 1)),
            reason="Perubahan harga material di toko",
        )
    elif kind == "order":
        proposal = Proposal.objects.get(pk=world.sites[args[0]])
        lurah = lurah_of(world, proposal)
        if proposal.state not in procurement_rules.ORDERABLE_STATES:
            raise ActionRefused("Usulan ini belum atau tidak lagi dapat dipesan.")
        draft = PurchaseOrder.objects.create(
            proposal=proposal, supplier=world.shop_here, created_by=lurah
        )
        services.order_update(
            order=draft,
            actor=lurah,
            supplier=world.shop_here,
            lines=[
                services.OrderLineInput(
                    material=world.materials[name],
                    description=name,
                    unit=world.materials[name].unit,
                    quantity=quantity,
                    unit_price=price,
                )
                for name, quantity, price in args[1]
            ],
        )
        services.order_issue(order=draft, actor=lurah)
        orders.append(draft.pk)
    elif kind in ("deliver", "pay", "cancel_order"):
        # Deliveries go to issued orders, payments to orders something arrived for.
        candidates = PurchaseOrder.objects.filter(pk__in=orders).order_by("pk")
        if kind != "cancel_order":
            candidates = candidates.filter(state=PurchaseOrder.State.ISSUED)
        if kind == "pay":
            candidates = candidates.filter(deliveries__isnull=False).distinct()
        candidates = list(candidates.select_related("proposal"))
        if not candidates:
            raise ActionRefused("Belum ada pesanan untuk langkah ini.")
        order = candidates[args[0] % len(candidates)]
        lurah = lurah_of(world, order.proposal)
        if kind == "deliver":
            quantities = {}
            for line in selectors.order_lines_with_progress(order):
                got = (line.shortfall * args[1]).quantize(Decimal("0.01"), ROUND_DOWN)
                if got > 0:
                    quantities[line.pk] = (got, Decimal("0"))
            services.delivery_record(
                order=order,
                actor=lurah,
                delivered_on=timezone.localdate(),
                received_by_name="Ahmad Hidayat",
                quantities=quantities,
                photo=photo(),
            )
        elif kind == "pay":
            progress = selectors.order_progress(order)
            due = progress.delivered_value - progress.paid
            amount = max(1, int(due * Decimal(args[1])))
            services.payment_record(
                order=order,
                actor=lurah,
                invoice_number=f"F-{order.payments.count() + 1}",
                amount=amount,
                paid_on=timezone.localdate(),
                reference="SP2D-UJI",
            )
        else:
            services.order_cancel(order=order, actor=lurah, reason="Toko tidak sanggup mengirim.")
    elif kind == "cancel_site":
        proposal = Proposal.objects.select_related("kelurahan__kecamatan").get(
            pk=world.sites[args[0]]
        )
        owner = rules.STAGE_OWNER.get(proposal.state)
        actor = camat if owner == camat.role else lurah_of(world, proposal)
        effect = cancellation_effect(proposal)
        before = kecamatan_committed(world)
        proposal_transition(
            proposal=proposal, actor=actor, action="cancel", note="Warga menolak lokasi ini."
        )
        # What the page announced is what happened to the envelope.
        freed = effect.freed if effect else 0
        assert kecamatan_committed(world) == before - freed
    elif kind == "envelope":
        envelope_set(
            actor=world.users["bappeda"],
            fiscal_year=world.fiscal_year,
            kecamatan=world.kecamatan,
            amount=args[0] * 1_000_000,
        )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(steps, min_size=6, max_size=10))
def test_every_money_service_keeps_the_envelope_figures_in_order(money_world, sequence):
    world = money_world
    with transaction.atomic():
        orders: list[int] = []
        for step in [*PRELUDE, *sequence]:
            before = snapshot(world)
            try:
                with transaction.atomic():
                    run_step(world, step, orders)
            except ActionRefused:
                event(f"{step[0]}: refused")
                assert snapshot(world) == before, step
            else:
                event(f"{step[0]}: done")
                check_invariant(world)
        transaction.set_rollback(True)
