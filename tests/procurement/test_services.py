"""Orders, prices, deliveries, the BAST and payments, through the services."""

import datetime
import errno
from decimal import Decimal

import pytest
from django.db import OperationalError

from bangkit.errors import ActionRefused, NotInScope
from bangkit.models import AuditEvent
from budgets.figures import figures_for
from budgets.models import BudgetEnvelope
from procurement import selectors, services
from procurement.models import (
    Delivery,
    Handover,
    ProcurementSettings,
    PurchaseOrder,
    RABTemplate,
)
from proposals.models import TransitionLog
from tests import factories
from tests.procurement.conftest import photo

TODAY = datetime.date.today()


def lines_of(order):
    return [
        services.OrderLineInput(
            material=line.material,
            description=line.description,
            unit=line.unit,
            quantity=line.quantity,
            unit_price=line.unit_price,
            justification=line.justification,
            rab_line_id=line.rab_line_id,
        )
        for line in order.lines.all()
    ]


def issue_new_order(world, proposal, supplier=None):
    order = services.order_create_from_rab(
        proposal=proposal, actor=world.users["lurah"], supplier=supplier or world.shop_here
    )
    return services.order_issue(order=order, actor=world.users["lurah"])


def deliver_all(world, order, on=TODAY):
    quantities = {
        line.pk: (line.shortfall, Decimal("0"))
        for line in selectors.order_lines_with_progress(order)
        if line.shortfall
    }
    return services.delivery_record(
        order=order,
        actor=world.users["lurah"],
        delivered_on=on,
        received_by_name="Ahmad Hidayat",
        quantities=quantities,
        photo=photo(),
    )


def test_order_from_rab_matches_catalogue_by_name(world, make_designated):
    proposal = make_designated()

    order = services.order_create_from_rab(
        proposal=proposal, actor=world.users["lurah"], supplier=world.shop_here
    )

    lines = list(order.lines.order_by("position"))
    assert [line.material for line in lines] == [
        world.materials["Semen Portland 50 kg"],
        world.materials["Pasir cor"],
    ]
    assert [line.quantity for line in lines] == [Decimal("100"), Decimal("10")]
    assert order.total == 10_000_000
    assert order.state == PurchaseOrder.State.DRAFT and order.number == ""


def test_issuing_the_first_order_numbers_it_and_moves_the_proposal(world, make_designated):
    proposal = make_designated()

    order = issue_new_order(world, proposal)

    proposal.refresh_from_db()
    assert order.state == PurchaseOrder.State.ISSUED
    assert order.sequence == 1
    assert order.number == f"001/SP-BB/{world.kelurahan.code}/{world.fiscal_year.year}"
    assert proposal.state == "procurement"
    log = TransitionLog.objects.get(proposal=proposal, transition="order_materials")
    assert log.actor == world.users["lurah"] and order.number in log.note


def test_price_above_reference_needs_a_written_justification(world, make_designated):
    proposal = make_designated(budget=20_000_000)
    lurah = world.users["lurah"]
    order = services.order_create_from_rab(proposal=proposal, actor=lurah, supplier=world.shop_here)
    inputs = lines_of(order)
    inputs[0].unit_price = 83_000  # reference 75.000 + 10% = 82.500

    order = services.order_update(order=order, actor=lurah, supplier=world.shop_here, lines=inputs)
    flagged = order.lines.get(position=0)
    assert flagged.flagged and flagged.reference_price == 75_000
    with pytest.raises(ActionRefused) as refused:
        services.order_issue(order=order, actor=lurah)
    assert any("melebihi harga acuan" in p for p in refused.value.problems)

    inputs[0].justification = "Harga semen naik di seluruh Kota Jambi minggu ini."
    order = services.order_update(order=order, actor=lurah, supplier=world.shop_here, lines=inputs)
    order = services.order_issue(order=order, actor=lurah)
    assert order.state == PurchaseOrder.State.ISSUED
    assert order.lines.get(position=0).flagged


def test_price_within_margin_is_not_flagged(world, make_designated):
    proposal = make_designated()
    lurah = world.users["lurah"]
    order = services.order_create_from_rab(proposal=proposal, actor=lurah, supplier=world.shop_here)
    inputs = lines_of(order)
    inputs[0].unit_price = 82_500  # exactly 10% above

    order = services.order_update(order=order, actor=lurah, supplier=world.shop_here, lines=inputs)

    assert not order.lines.get(position=0).flagged


def test_the_margin_is_a_setting_of_the_year(world, make_designated):
    ProcurementSettings.objects.create(fiscal_year=world.fiscal_year, price_margin_percent=20)
    proposal = make_designated(budget=20_000_000)
    lurah = world.users["lurah"]
    order = services.order_create_from_rab(proposal=proposal, actor=lurah, supplier=world.shop_here)
    inputs = lines_of(order)
    inputs[0].unit_price = 89_000  # under 75.000 + 20%

    order = services.order_update(order=order, actor=lurah, supplier=world.shop_here, lines=inputs)

    assert not order.lines.get(position=0).flagged


def test_unknown_material_needs_a_justification(world, make_designated):
    proposal = make_designated(rab=[("Lem pipa khusus merek X", "buah", Decimal("4"), 30_000)])
    lurah = world.users["lurah"]
    order = services.order_create_from_rab(proposal=proposal, actor=lurah, supplier=world.shop_here)
    line = order.lines.get()
    assert line.material is None and line.flagged

    with pytest.raises(ActionRefused) as refused:
        services.order_issue(order=order, actor=lurah)
    assert any("tidak ada di katalog" in p for p in refused.value.problems)


def test_shop_outside_the_kecamatan_needs_a_reason(world, make_designated):
    proposal = make_designated()
    lurah = world.users["lurah"]
    order = services.order_create_from_rab(proposal=proposal, actor=lurah, supplier=world.shop_far)

    with pytest.raises(ActionRefused) as refused:
        services.order_issue(order=order, actor=lurah)
    assert any("di luar Kecamatan" in p for p in refused.value.problems)

    order = services.order_update(
        order=order,
        actor=lurah,
        supplier=world.shop_far,
        lines=lines_of(order),
        supplier_reason="Toko di kecamatan ini kehabisan stok semen.",
    )
    assert services.order_issue(order=order, actor=lurah).state == "issued"


def test_shops_of_the_same_kelurahan_and_kecamatan_come_first(world):
    ranked = list(selectors.suppliers_for(world.kelurahan))

    assert ranked == [world.shop_here, world.shop_same_kec, world.shop_far]
    assert [s.nearness for s in ranked] == [0, 1, 2]


def test_orders_never_exceed_the_designated_budget(world, make_designated):
    proposal = make_designated(budget=10_000_000)
    issue_new_order(world, proposal)
    lurah = world.users["lurah"]
    # A second order for the same RAB line: the proposal's money is already all ordered.
    order = PurchaseOrder.objects.create(
        proposal=proposal, supplier=world.shop_here, created_by=lurah
    )
    order = services.order_update(
        order=order,
        actor=lurah,
        supplier=world.shop_here,
        lines=[
            services.OrderLineInput(
                material=world.materials["Pasir cor"],
                description="Pasir cor",
                unit="m³",
                quantity=Decimal("1"),
                unit_price=250_000,
            )
        ],
    )

    with pytest.raises(ActionRefused) as refused:
        services.order_issue(order=order, actor=lurah)
    assert any("Anggaran usulan" in p for p in refused.value.problems)


def test_orders_never_exceed_the_kelurahan_share_of_the_envelope(world, make_designated):
    BudgetEnvelope.objects.create(
        fiscal_year=world.fiscal_year,
        kecamatan=world.kecamatan,
        kelurahan=world.kelurahan,
        amount=15_000_000,
    )
    issue_new_order(world, make_designated())

    with pytest.raises(ActionRefused) as refused:
        issue_new_order(world, make_designated())
    assert any("Pagu Kelurahan" in p for p in refused.value.problems)


def test_another_kelurahan_cannot_order_for_the_proposal(world, make_designated):
    proposal = make_designated()

    with pytest.raises(NotInScope):
        services.order_create_from_rab(
            proposal=proposal, actor=world.users["lurah_other"], supplier=world.shop_here
        )
    with pytest.raises(ActionRefused):
        services.order_create_from_rab(
            proposal=proposal, actor=world.users["camat"], supplier=world.shop_here
        )


def test_partial_deliveries_then_bast_moves_the_state_only_when_complete(world, make_designated):
    proposal = make_designated()
    lurah, rt = world.users["lurah"], world.users["rt"]
    order = issue_new_order(world, proposal)
    semen, pasir = order.lines.order_by("position")

    services.delivery_record(
        order=order,
        actor=lurah,
        delivered_on=TODAY,
        received_by_name="Ahmad Hidayat",
        quantities={semen.pk: (Decimal("60"), Decimal("2")), pasir.pk: (Decimal("10"), 0)},
        photo=photo(),
    )
    lines = {ln.pk: ln for ln in selectors.order_lines_with_progress(order)}
    assert lines[semen.pk].shortfall == Decimal("40")
    assert lines[pasir.pk].shortfall == 0
    assert not selectors.proposal_fully_delivered(proposal)
    bast = dict(
        handover_date=TODAY,
        place="Balai RT 03",
        first_party_name="Sri Lubis",
        first_party_position="Lurah A1",
        second_party_name="Ahmad Hidayat",
        second_party_position="Ketua RT 03",
    )
    with pytest.raises(ActionRefused) as refused:
        services.handover_record(proposal=proposal, actor=lurah, **bast)
    assert any("belum diterima" in p for p in refused.value.problems)

    with pytest.raises(ActionRefused):  # more than what is still missing
        services.delivery_record(
            order=order,
            actor=lurah,
            delivered_on=TODAY,
            received_by_name="Ahmad Hidayat",
            quantities={semen.pk: (Decimal("41"), 0)},
            photo=photo(),
        )
    deliver_all(world, order)
    handover = services.handover_record(proposal=proposal, actor=lurah, **bast)

    proposal.refresh_from_db()
    assert handover.state == Handover.State.AWAITING_RT
    assert proposal.state == "procurement"  # one signature is not enough
    assert {i["description"]: i["quantity"] for i in handover.items} == {
        "Semen Portland 50 kg": "100",
        "Pasir cor": "10",
    }

    services.handover_confirm_by_rt(handover=handover, actor=rt)

    handover.refresh_from_db()
    proposal.refresh_from_db()
    assert handover.is_complete and len(handover.pdf_sha256) == 64
    assert proposal.state == "materials_received"
    log = TransitionLog.objects.get(proposal=proposal, transition="receive_materials")
    assert "Ahmad Hidayat" in log.note
    assert log.actor == rt  # the step is logged under the Ketua RT who confirmed it


def test_a_second_order_must_arrive_too_before_the_bast(world, make_designated):
    proposal = make_designated(
        rab=[
            ("Semen 50 kg", "sak", Decimal("100"), 75_000),
            ("Pasir cor", "m³", Decimal("10"), 250_000),
        ]
    )
    lurah = world.users["lurah"]
    first = services.order_create_from_rab(proposal=proposal, actor=lurah, supplier=world.shop_here)
    inputs = lines_of(first)
    first = services.order_update(
        order=first, actor=lurah, supplier=world.shop_here, lines=inputs[:1]
    )
    services.order_issue(order=first, actor=lurah)
    second = issue_new_order(world, proposal, supplier=world.shop_same_kec)
    assert second.lines.get().description == "Pasir cor"

    deliver_all(world, first)
    assert not selectors.proposal_fully_delivered(proposal)
    deliver_all(world, second)
    assert selectors.proposal_fully_delivered(proposal)


def test_only_the_rt_of_the_proposal_confirms_the_bast(world, make_designated):
    proposal = make_designated()
    order = issue_new_order(world, proposal)
    deliver_all(world, order)
    handover = services.handover_record(
        proposal=proposal,
        actor=world.users["lurah"],
        handover_date=TODAY,
        place="Balai RT",
        first_party_name="Sri Lubis",
        first_party_position="Lurah",
        second_party_name="Ahmad Hidayat",
        second_party_position="Ketua RT 03",
    )

    with pytest.raises(NotInScope):
        services.handover_confirm_by_rt(handover=handover, actor=world.users["rt_other"])
    with pytest.raises(ActionRefused):
        services.handover_confirm_by_rt(handover=handover, actor=world.users["lurah"])


def test_bast_signed_on_paper_completes_at_once(world, make_designated):
    proposal = make_designated()
    order = issue_new_order(world, proposal)
    deliver_all(world, order)

    handover = services.handover_record(
        proposal=proposal,
        actor=world.users["lurah"],
        handover_date=TODAY,
        place="Balai RT",
        first_party_name="Sri Lubis",
        first_party_position="Lurah",
        second_party_name="Ahmad Hidayat",
        second_party_position="Ketua RT 03",
        signed_on_paper=True,
        paper_scan=photo("bast.jpg"),
    )

    proposal.refresh_from_db()
    assert handover.is_complete and handover.paper_scan_sha256
    assert proposal.state == "materials_received"


def test_delivery_photo_must_be_an_image(world, make_designated):
    from django.core.files.uploadedfile import SimpleUploadedFile

    order = issue_new_order(world, make_designated())
    line = order.lines.first()

    with pytest.raises(ActionRefused):
        services.delivery_record(
            order=order,
            actor=world.users["lurah"],
            delivered_on=TODAY,
            received_by_name="Ahmad",
            quantities={line.pk: (Decimal("1"), 0)},
            photo=SimpleUploadedFile("x.jpg", b"%PDF-1.4\n%%EOF\n"),
        )


def test_payments_never_exceed_the_order_nor_what_arrived(world, make_designated):
    lurah = world.users["lurah"]
    order = issue_new_order(world, make_designated())
    semen = order.lines.get(position=0)
    services.delivery_record(
        order=order,
        actor=lurah,
        delivered_on=TODAY,
        received_by_name="Ahmad",
        quantities={semen.pk: (Decimal("100"), 0)},
        photo=photo(),
    )

    with pytest.raises(ActionRefused) as refused:
        services.payment_record(
            order=order,
            actor=lurah,
            invoice_number="F-1",
            amount=7_500_001,
            paid_on=TODAY,
            reference="SP2D-1",
        )
    assert "sudah diterima" in refused.value.message
    services.payment_record(
        order=order,
        actor=lurah,
        invoice_number="F-1",
        amount=7_500_000,
        paid_on=TODAY,
        reference="SP2D-1",
    )
    deliver_all(world, order)
    with pytest.raises(ActionRefused) as refused:
        services.payment_record(
            order=order,
            actor=lurah,
            invoice_number="F-2",
            amount=2_500_001,
            paid_on=TODAY,
            reference="SP2D-2",
        )
    assert "melebihi nilai pesanan" in refused.value.message


def test_envelope_figures_show_committed_ordered_delivered_and_paid(world, make_designated):
    lurah = world.users["lurah"]
    proposal = make_designated()
    make_designated()  # designated, nothing ordered yet
    order = issue_new_order(world, proposal)
    semen = order.lines.get(position=0)
    services.delivery_record(
        order=order,
        actor=lurah,
        delivered_on=TODAY,
        received_by_name="Ahmad",
        quantities={semen.pk: (Decimal("40"), 0)},
        photo=photo(),
    )
    services.payment_record(
        order=order,
        actor=lurah,
        invoice_number="F-1",
        amount=2_000_000,
        paid_on=TODAY,
        reference="TRF-1",
    )

    [fig] = [f for f in figures_for([world.envelope])]

    assert fig.committed == 20_000_000
    assert fig.ordered == 10_000_000
    assert fig.delivered == 3_000_000
    assert fig.paid == 2_000_000


def test_cancelled_order_keeps_its_number_and_frees_the_budget(world, make_designated):
    proposal = make_designated()
    lurah = world.users["lurah"]
    order = issue_new_order(world, proposal)

    services.order_cancel(order=order, actor=lurah, reason="Toko tidak sanggup mengirim.")
    again = issue_new_order(world, proposal)

    assert again.sequence == 2
    order.refresh_from_db()
    assert order.state == "cancelled" and order.sequence == 1


def test_toko_sees_only_its_own_orders(world, make_designated):
    here = issue_new_order(world, make_designated())
    issue_new_order(world, make_designated(), supplier=world.shop_same_kec)
    services.order_create_from_rab(
        proposal=make_designated(), actor=world.users["lurah"], supplier=world.shop_here
    )  # a draft: not the shop's business yet

    assert list(selectors.supplier_orders(world.shop_here)) == [here]
    toko = world.users["toko"]
    assert list(PurchaseOrder.objects.visible_to(toko)) == [here]
    assert selectors.supplier_of(toko) == world.shop_here


# --- What an order line may hold -------------------------------------------------------------


def order_state(order) -> list:
    """The order and its lines as stored, to tell that a refused change changed nothing."""
    order.refresh_from_db()
    lines = list(
        order.lines.values_list("rab_line_id", "quantity", "unit_price", "line_total", "position")
    )
    return [order.total, order.supplier_id, order.note, lines]


def update_with(world, order, change, **fields):
    """order_update with the order's own lines, `change(inputs)` applied to them first."""
    inputs = lines_of(order)
    change(inputs)
    return services.order_update(
        order=order, actor=world.users["lurah"], supplier=world.shop_here, lines=inputs, **fields
    )


@pytest.fixture
def draft(world, make_designated):
    proposal = make_designated()
    return services.order_create_from_rab(
        proposal=proposal, actor=world.users["lurah"], supplier=world.shop_here
    )


@pytest.fixture
def foreign_rab_line(world, make_designated):
    """A RAB line of another kecamatan's proposal."""
    return make_designated(rt=world.rt_other).rab_lines.first()


def test_a_line_naming_another_proposals_rab_line_is_refused(world, draft, foreign_rab_line):
    before = order_state(draft)

    def point_elsewhere(inputs):
        inputs[1].rab_line_id = foreign_rab_line.pk

    with pytest.raises(ActionRefused) as refused:
        update_with(world, draft, point_elsewhere, note="ubah")

    assert refused.value.problems == ["Baris 2: bahan tidak termasuk RAB usulan ini"]
    assert order_state(draft) == before


@pytest.mark.parametrize("junk", [999_999, 0, -1, 10**20, "3"])
def test_a_line_naming_an_unknown_rab_line_is_refused_before_any_query(world, draft, junk):
    before = order_state(draft)

    def tamper(inputs):
        inputs[0].rab_line_id = junk

    with pytest.raises(ActionRefused) as refused:
        update_with(world, draft, tamper)

    assert refused.value.problems == ["Baris 1: bahan tidak termasuk RAB usulan ini"]
    assert order_state(draft) == before


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("quantity", Decimal("9999999999.99"), "jumlah terlalu besar (maks 1.000.000)"),
        ("quantity", Decimal("1000000.01"), "jumlah terlalu besar (maks 1.000.000)"),
        ("quantity", Decimal("0"), "jumlah harus lebih dari 0"),
        ("quantity", Decimal("-5"), "jumlah harus lebih dari 0"),
        ("quantity", Decimal("NaN"), "jumlah bukan angka"),
        ("quantity", Decimal("Infinity"), "jumlah bukan angka"),
        ("quantity", Decimal("1.005"), "jumlah paling banyak dua angka di belakang koma"),
        ("quantity", "abc", "jumlah bukan angka"),
        ("unit_price", 999_999_999_999, "harga satuan terlalu besar (maks Rp 1.000.000.000)"),
        ("unit_price", 10**30, "harga satuan terlalu besar (maks Rp 1.000.000.000)"),
        ("unit_price", 0, "harga satuan harus lebih dari 0"),
        ("unit_price", -75_000, "harga satuan harus lebih dari 0"),
        ("unit_price", Decimal("75000.5"), "harga satuan harus jumlah rupiah bulat"),
        ("unit_price", "75000", "harga satuan harus jumlah rupiah bulat"),
    ],
)
def test_numbers_past_the_limits_are_refused_with_the_row(world, draft, field, value, problem):
    before = order_state(draft)

    def tamper(inputs):
        setattr(inputs[1], field, value)

    with pytest.raises(ActionRefused) as refused:
        update_with(world, draft, tamper)

    assert refused.value.problems == [f"Baris 2: {problem}"]
    assert order_state(draft) == before


def test_the_limits_themselves_are_accepted(world, draft):
    def dearest(inputs):
        # The dearest price, on the dearest line, on the dearest order.
        inputs[1:] = []
        inputs[0].quantity = Decimal("100")
        inputs[0].unit_price = services.MAX_UNIT_PRICE

    def most(inputs):
        inputs[0].quantity = services.MAX_LINE_QUANTITY
        inputs[0].unit_price = 1

    assert update_with(world, draft, dearest).total == services.MAX_ORDER_TOTAL
    assert update_with(world, draft, most).total == 1_000_000


def test_a_line_total_past_the_limit_is_refused(world, draft):
    def too_dear(inputs):
        inputs[0].quantity = Decimal("1000")
        inputs[0].unit_price = services.MAX_UNIT_PRICE  # Rp 1 trillion for the line

    with pytest.raises(ActionRefused) as refused:
        update_with(world, draft, too_dear)

    assert refused.value.problems == [
        "Baris 1: jumlah harga terlalu besar (maks Rp 100.000.000.000)"
    ]


def test_an_order_total_past_the_limit_is_refused(world, draft):
    before = order_state(draft)

    def many_dear_lines(inputs):
        for item in inputs:
            item.quantity = Decimal("60")
            item.unit_price = services.MAX_UNIT_PRICE  # Rp 60 billion a line, 120 in all

    with pytest.raises(ActionRefused) as refused:
        update_with(world, draft, many_dear_lines)

    assert "Rp 120.000.000.000 terlalu besar (maks Rp 100.000.000.000)" in refused.value.message
    assert order_state(draft) == before


def test_every_wrong_line_is_named_at_once_and_nothing_is_saved(world, draft, foreign_rab_line):
    before = order_state(draft)

    def two_wrong(inputs):
        inputs[0].rab_line_id = foreign_rab_line.pk  # no row given: numbered by its place
        inputs[1].quantity = Decimal("9999999999.99")
        inputs[1].unit_price = 999_999_999_999
        inputs[1].row = 4  # the row of the form it came from
        inputs.insert(1, services.OrderLineInput("Papan", "lembar", Decimal("2"), 45_000, row=3))

    with pytest.raises(ActionRefused) as refused:
        update_with(world, draft, two_wrong)

    assert refused.value.problems == [
        "Baris 1: bahan tidak termasuk RAB usulan ini",
        "Baris 4: jumlah terlalu besar (maks 1.000.000)",
        "Baris 4: harga satuan terlalu besar (maks Rp 1.000.000.000)",
    ]
    assert order_state(draft) == before


def test_more_lines_than_an_order_holds_are_refused(world, draft):
    def too_many(inputs):
        inputs[:] = inputs[:1] * (services.MAX_ORDER_LINES + 1)
        for item in inputs:
            item.rab_line_id = None

    with pytest.raises(ActionRefused) as refused:
        update_with(world, draft, too_many)

    assert refused.value.message == "Pesanan paling banyak 100 baris material."


def test_an_order_from_a_rab_with_a_line_past_the_limits_is_not_created(world, make_designated):
    proposal = make_designated(
        rab=[
            ("Semen 50 kg", "sak", Decimal("100"), 75_000),
            ("Pasir cor", "m³", Decimal("9999999999.99"), 1),
        ]
    )

    with pytest.raises(ActionRefused) as refused:
        services.order_create_from_rab(
            proposal=proposal, actor=world.users["lurah"], supplier=world.shop_here
        )

    assert refused.value.problems == ["Baris 2: jumlah terlalu besar (maks 1.000.000)"]
    assert not PurchaseOrder.objects.filter(proposal=proposal).exists()


def test_a_refused_quantity_cannot_exceed_what_was_ordered(world, make_designated):
    order = issue_new_order(world, make_designated())
    semen = order.lines.get(position=0)

    with pytest.raises(ActionRefused) as refused:
        services.delivery_record(
            order=order,
            actor=world.users["lurah"],
            delivered_on=TODAY,
            received_by_name="Ahmad",
            quantities={semen.pk: (Decimal("0"), Decimal("9999999999.99"))},
            photo=photo(),
        )

    assert refused.value.problems == [
        f"{semen.description}: ditolak 9.999.999.999,99 sak melebihi jumlah pesanan 100 sak."
    ]
    assert not order.deliveries.exists()


# --- Stored files live and die with their rows ----------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_delivery_whose_commit_fails_leaves_no_photo(
    world, make_designated, media_files, commit_fails
):
    order = issue_new_order(world, make_designated())
    before = media_files()

    with pytest.raises(OperationalError), commit_fails():
        deliver_all(world, order)

    assert media_files() == before
    assert not Delivery.objects.exists()


def test_a_delivery_on_a_full_disk_is_refused_and_leaves_no_partial_photo(
    world, make_designated, media_files, media_fails
):
    order = issue_new_order(world, make_designated())
    before = media_files()
    media_fails(errno.ENOSPC)

    with pytest.raises(ActionRefused) as info:
        deliver_all(world, order)

    assert info.value.message.startswith(
        "Berkas 'kirim.jpg' tidak dapat disimpan: ruang penyimpanan berkas di server penuh."
    )
    assert media_files() == before
    assert not Delivery.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_bast_signed_on_paper_whose_commit_fails_leaves_neither_scan_nor_pdf(
    world, make_designated, media_files, commit_fails
):
    proposal = make_designated()
    deliver_all(world, issue_new_order(world, proposal))
    before = media_files()

    with pytest.raises(OperationalError), commit_fails():
        services.handover_record(
            proposal=proposal,
            actor=world.users["lurah"],
            handover_date=TODAY,
            place="Balai RT",
            first_party_name="Sri Lubis",
            first_party_position="Lurah",
            second_party_name="Ahmad Hidayat",
            second_party_position="Ketua RT 03",
            signed_on_paper=True,
            paper_scan=photo("bast.jpg"),
        )

    assert media_files() == before
    assert not Handover.objects.exists()


# --- money that cannot drift ----------------------------------------------------------------


def issue_lines(world, proposal, lines):
    """Issue an order of (material name, quantity, unit price) lines to the shop next door."""
    lurah = world.users["lurah"]
    order = PurchaseOrder.objects.create(
        proposal=proposal, supplier=world.shop_here, created_by=lurah
    )
    services.order_update(
        order=order,
        actor=lurah,
        supplier=world.shop_here,
        lines=[
            services.OrderLineInput(
                material=world.materials[name],
                description=name,
                unit=world.materials[name].unit,
                quantity=Decimal(quantity),
                unit_price=price,
            )
            for name, quantity, price in lines
        ],
    )
    return services.order_issue(order=order, actor=lurah)


def pay(world, order, amount, invoice="F-1"):
    return services.payment_record(
        order=order,
        actor=world.users["lurah"],
        invoice_number=invoice,
        amount=amount,
        paid_on=TODAY,
        reference=f"SP2D-{invoice}",
    )


def test_order_services_keep_the_proposals_ordered_delivered_and_paid(world, make_designated):
    proposal = make_designated()
    order = issue_lines(world, proposal, [("Semen Portland 50 kg", "100", 75_000)])
    semen = order.lines.get()
    services.delivery_record(
        order=order,
        actor=world.users["lurah"],
        delivered_on=TODAY,
        received_by_name="Ahmad",
        quantities={semen.pk: (Decimal("40"), Decimal("0"))},
        photo=photo(),
    )
    pay(world, order, 2_000_000)
    proposal.refresh_from_db()
    assert (proposal.ordered_amount, proposal.delivered_amount, proposal.paid_amount) == (
        7_500_000,
        3_000_000,
        2_000_000,
    )

    spare = issue_lines(world, proposal, [("Pasir cor", "4", 250_000)])
    proposal.refresh_from_db()
    assert proposal.ordered_amount == 8_500_000
    services.order_cancel(order=spare, actor=world.users["lurah"], reason="Toko tidak sanggup.")
    proposal.refresh_from_db()
    assert proposal.ordered_amount == 7_500_000


def test_a_site_budget_cannot_be_cut_below_what_is_ordered(world, make_designated):
    from verification.decrees.amendments import site_amend

    proposal = make_designated(budget=25_000_000, rab=[("Semen 50 kg", "sak", 300, 75_000)])
    order = issue_lines(
        world,
        proposal,
        [("Semen Portland 50 kg", "200", 75_000), ("Besi beton 10 mm", "49", 85_000)],
    )
    assert order.total == 19_165_000
    camat = world.users["camat"]

    with pytest.raises(ActionRefused) as refused:
        site_amend(
            actor=camat,
            proposal=proposal,
            field="budget",
            new_value="1.000.000",
            reason="Sebagian gang sudah dicor dinas PU",
        )
    assert "nilai pesanan yang sudah diterbitkan (Rp 19.165.000)" in refused.value.message
    proposal.refresh_from_db()
    assert proposal.designated_budget == 25_000_000
    [fig] = figures_for([world.envelope])
    assert fig.committed == 25_000_000

    # Down to exactly what is ordered is fine; below it again once the order is cancelled.
    site_amend(
        actor=camat,
        proposal=proposal,
        field="budget",
        new_value="19.165.000",
        reason="Sisa anggaran dikembalikan ke kecamatan",
    )
    services.order_cancel(order=order, actor=world.users["lurah"], reason="Salah pilih toko.")
    site_amend(
        actor=camat,
        proposal=proposal,
        field="budget",
        new_value="1.000.000",
        reason="Sebagian gang sudah dicor dinas PU",
    )
    proposal.refresh_from_db()
    assert proposal.designated_budget == 1_000_000


def test_cancelling_a_paid_site_keeps_what_was_ordered_committed(world, make_designated):
    from proposals.services import proposal_transition

    lurah = world.users["lurah"]
    proposal = make_designated()  # Rp 10.000.000 designated
    order = issue_lines(world, proposal, [("Semen Portland 50 kg", "100", 75_000)])
    untouched = issue_lines(world, proposal, [("Pasir cor", "2", 250_000)])
    semen = order.lines.get()
    services.delivery_record(
        order=order,
        actor=lurah,
        delivered_on=TODAY,
        received_by_name="Ahmad",
        quantities={semen.pk: (Decimal("80.51"), Decimal("0"))},
        photo=photo(),
    )
    pay(world, order, 6_038_000)
    proposal.refresh_from_db()

    proposal_transition(
        proposal=proposal, actor=lurah, action="cancel", note="Warga menolak lokasi ini."
    )

    [fig] = figures_for([world.envelope])
    assert (fig.ordered, fig.delivered, fig.paid) == (8_000_000, 6_038_250, 6_038_000)
    assert fig.committed == 8_000_000  # what is ordered stays; Rp 2.000.000 returns

    # An order nothing arrived for can still be cancelled: its money returns as well.
    services.order_cancel(order=untouched, actor=lurah, reason="Lokasi dibatalkan warga.")
    [fig] = figures_for([world.envelope])
    assert fig.committed == fig.ordered == 7_500_000


def test_delivered_value_is_rounded_per_line_like_the_order(world, make_designated):
    proposal = make_designated()
    # 1,4 × Rp 10.001 = Rp 14.001,4: each line costs Rp 14.001, never a rupiah more delivered.
    order = issue_lines(
        world,
        proposal,
        [
            ("Pasir cor", "1.4", 10_001),
            ("Batu split 2/3", "1.4", 10_001),
            ("Besi beton 10 mm", "1.4", 10_001),
        ],
    )
    deliver_all(world, order)
    [fig] = figures_for([world.envelope])
    assert fig.ordered == order.total == 42_003
    assert fig.delivered == 42_003


def test_a_fully_delivered_order_can_be_paid_in_full(world, make_designated):
    proposal = make_designated()
    # 0,5 × Rp 75.001 = Rp 37.500,5: the order says Rp 37.501 (half up), so does the delivery.
    order = issue_lines(world, proposal, [("Semen Portland 50 kg", "0.5", 75_001)])
    deliver_all(world, order)
    assert order.total == 37_501
    pay(world, order, 37_501)
    [fig] = figures_for([world.envelope])
    assert fig.paid == fig.delivered == fig.ordered == 37_501


# --- RAB templates ---------------------------------------------------------------------------


def test_bappeda_keeps_a_template_per_year_with_its_materials_and_an_audit_row(
    world, rabat_template
):
    lines = list(
        rabat_template.lines.values_list("material__name", "quantity", "scales_with_width")
    )
    assert lines[0] == ("Semen Portland 50 kg", Decimal("98.000"), True)
    assert lines[-1] == ("Papan cor 2x20x400 cm", Decimal("25.000"), False)
    assert AuditEvent.objects.filter(action="rab_template_create").count() == 1


@pytest.mark.parametrize("who", ["lurah", "camat", "rt", "inspektorat", "toko"])
def test_only_bappeda_keeps_templates(world, who):
    with pytest.raises(ActionRefused):
        services.rab_template_create(
            fiscal_year=world.fiscal_year,
            work_type=world.work_type,
            name="Rabat",
            base_volume=Decimal("100"),
            base_width=Decimal("1.5"),
            lines=[],
            actor=world.users[who],
        )
    assert not RABTemplate.objects.exists()


def test_a_template_is_refused_whole_when_a_line_is_wrong(world):
    semen = world.materials["Semen Portland 50 kg"]
    for lines, base_width in [
        ([services.TemplateLineInput(semen, Decimal("0"))], Decimal("1.5")),
        ([services.TemplateLineInput(semen, Decimal("5"))] * 2, Decimal("1.5")),
        # Rabat beton has a width: the template must say for which width it counts.
        ([services.TemplateLineInput(semen, Decimal("5"))], None),
    ]:
        with pytest.raises(ActionRefused):
            services.rab_template_create(
                fiscal_year=world.fiscal_year,
                work_type=world.work_type,
                name="Rabat",
                base_volume=Decimal("100"),
                base_width=base_width,
                lines=lines,
                actor=world.users["bappeda"],
            )
    assert not RABTemplate.objects.exists()


def test_a_template_is_copied_to_the_next_year_once(world, rabat_template):
    next_year = factories.FiscalYearFactory(year=world.fiscal_year.year + 1)

    copy = services.rab_template_copy(
        template=rabat_template, fiscal_year=next_year, actor=world.users["bappeda"]
    )

    assert copy.fiscal_year == next_year and copy.name == rabat_template.name
    assert copy.lines.count() == rabat_template.lines.count() == 4
    with pytest.raises(ActionRefused, match="sudah ada"):
        services.rab_template_copy(
            template=rabat_template, fiscal_year=next_year, actor=world.users["bappeda"]
        )
