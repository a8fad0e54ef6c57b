"""Every change in procurement: orders, their issue, deliveries, the BAST and payments.

Each service locks what it checks (the proposal, the budget envelopes, the order, the number
counter), checks role, area and state, writes, and records an audit row in one transaction.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.crypto import get_random_string
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from bangkit import storage
from bangkit.errors import ActionRefused, NotInScope
from bangkit.files import DOCUMENT_TYPES, EXTENSIONS, IMAGE_TYPES, check_upload_or_refuse
from bangkit.history import records_actor
from bangkit.money import rupiah
from bangkit.numbering import next_number
from bangkit.rules import has_reason, require_reason
from bangkit.services import audit_record
from bangkit.templatetags.rupiah import angka
from budgets.figures import lock_envelopes
from procurement import rules as procurement_rules
from procurement import selectors
from procurement.models import (
    Delivery,
    DeliveryLine,
    Handover,
    Material,
    OrderCounter,
    Payment,
    PurchaseOrder,
    PurchaseOrderLine,
    RABTemplate,
    RABTemplateLine,
    Supplier,
)
from proposals import rules
from proposals.models import Proposal, State
from proposals.services import apply_transition_locked, lock_proposal

# The audit actions of this app (written here, by its admin or its import) in the words of
# the audit trail; the app config registers them.
AUDIT_ACTIONS = {
    "order_create": "Draf surat pesanan dibuat",
    "order_update": "Draf surat pesanan diubah",
    "order_issue": "Surat pesanan diterbitkan",
    "order_cancel": "Surat pesanan dibatalkan",
    "order_confirm": "Pesanan dikonfirmasi toko",
    "delivery_record": "Penerimaan material dicatat",
    "delivery_confirm": "Pengiriman dikonfirmasi toko",
    "handover_record": "BAST dicatat",
    "handover_confirm": "BAST dikonfirmasi Ketua RT",
    "handover_complete": "BAST lengkap",
    "payment_record": "Pembayaran ke toko dicatat",
    "supplier_admin_edit": "Data toko diubah lewat admin",
    "supplier_admin_add": "Toko ditambahkan lewat admin",
    "reference_price_import": "Impor harga acuan",
    "rab_template_create": "Templat RAB dibuat",
    "rab_template_admin_add": "Templat RAB ditambahkan lewat admin",
    "rab_template_admin_edit": "Templat RAB diubah lewat admin",
}

# What one order may hold: far above any site of this programme (a site costs under
# Rp 100 million; the whole city's programme about Rp 11 billion a year), far below what the
# columns hold (quantities: 12 digits, 2 of them decimals; money: 64-bit integers, also when
# summed over every order of the city), so a typo is refused instead of overflowing.
MAX_ORDER_LINES = 100
MAX_LINE_QUANTITY = Decimal("1000000")
MAX_UNIT_PRICE = 1_000_000_000
MAX_ORDER_TOTAL = 100_000_000_000  # the most a line, and the whole order, may come to
NOT_IN_RAB = "bahan tidak termasuk RAB usulan ini"


@dataclass
class OrderLineInput:
    description: str
    unit: str
    quantity: Decimal
    unit_price: int
    material: Material | None = None
    justification: str = ""
    rab_line_id: int | None = None
    # The line's number as the user sees it (its row on the form); else its place in the list.
    row: int | None = None


# --- Guards ---------------------------------------------------------------------------------


def _require_kelurahan(proposal: Proposal, actor) -> None:
    if not procurement_rules.is_buyer_for(actor, proposal):
        raise ActionRefused("Hanya kelurahan pengguna anggaran usulan ini yang dapat melakukannya.")


def _lock_order(order: PurchaseOrder, actor) -> PurchaseOrder:
    """Lock the order row; NotInScope if the actor may not see it."""
    locked = (
        PurchaseOrder.objects.select_for_update(of=("self",))
        .select_related("proposal__kelurahan__kecamatan", "proposal__fiscal_year", "supplier")
        .filter(pk=order.pk)
        .first()
    )
    if locked is None or not PurchaseOrder.objects.visible_to(actor).filter(pk=order.pk).exists():
        raise NotInScope
    return locked


def _lock_proposal_of(order: PurchaseOrder) -> Proposal:
    """Lock the order's proposal row first (as every service that changes its money does);
    the scope is checked on the order by _lock_order next."""
    return Proposal.objects.select_for_update(of=("self",)).get(pk=order.proposal_id)


def _store_money(proposal: Proposal) -> None:
    """Write the proposal's ordered, delivered and paid sums from its records (call with the
    proposal locked, after the change): budgets and the SK Camat read them from its row."""
    money = selectors.proposal_money(proposal)
    figures = {
        "ordered_amount": money.ordered,
        "delivered_amount": money.delivered,
        "paid_amount": money.paid,
    }
    Proposal.objects.filter(pk=proposal.pk).update(**figures)
    for name, value in figures.items():
        setattr(proposal, name, value)


# --- Pricing rules --------------------------------------------------------------------------


def price_lines(order: PurchaseOrder, lines: list[PurchaseOrderLine]) -> None:
    """Snapshot the year's reference price on each line and flag what needs a reason."""
    fiscal_year = order.proposal.fiscal_year
    margin = selectors.price_margin_percent(fiscal_year)
    refs = selectors.reference_prices(
        fiscal_year, [ln.material_id for ln in lines if ln.material_id]
    )
    for line in lines:
        line.line_total = line.compute_total()
        line.reference_price = refs.get(line.material_id) if line.material_id else None
        if line.material_id is None or line.reference_price is None:
            line.flagged = True
        else:
            line.flagged = line.unit_price > selectors.price_limit(line.reference_price, margin)


def line_problems(order: PurchaseOrder, lines) -> list[str]:
    """What stops the lines from being issued, one sentence per line."""
    margin = selectors.price_margin_percent(order.proposal.fiscal_year)
    problems = []
    for i, line in enumerate(lines, start=1):
        if not line.flagged or has_reason(line.justification):
            continue
        if line.material_id is None:
            problems.append(
                f"Baris {i} ({line.description}): material tidak ada di katalog; "
                "tuliskan alasan dan spesifikasinya."
            )
        elif line.reference_price is None:
            problems.append(
                f"Baris {i} ({line.description}): belum ada harga acuan tahun ini; "
                "tuliskan alasan harga."
            )
        else:
            problems.append(
                f"Baris {i} ({line.description}): harga {rupiah(line.unit_price)} melebihi harga "
                f"acuan {rupiah(line.reference_price)} lebih dari {margin}%; tuliskan alasannya."
            )
    return problems


# --- Orders ---------------------------------------------------------------------------------


def _check_orderable(proposal: Proposal) -> None:
    if proposal.state not in procurement_rules.ORDERABLE_STATES:
        raise ActionRefused(
            f"Material hanya dapat dipesan untuk usulan yang sudah ditetapkan dalam SK Camat "
            f"(tahap sekarang: {proposal.get_state_display()})."
        )
    if Handover.objects.filter(proposal=proposal).exists():
        raise ActionRefused("BAST usulan ini sudah dibuat: tidak ada pesanan baru.")


def _quantity_problem(value) -> tuple[Decimal | None, str]:
    try:
        quantity = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None, "jumlah bukan angka"
    if not quantity.is_finite():
        return None, "jumlah bukan angka"
    if quantity <= 0:
        return None, "jumlah harus lebih dari 0"
    if quantity > MAX_LINE_QUANTITY:
        return None, f"jumlah terlalu besar (maks {angka(MAX_LINE_QUANTITY)})"
    if quantity != quantity.quantize(Decimal("0.01")):
        return None, "jumlah paling banyak dua angka di belakang koma"
    return quantity, ""


def _price_problem(value) -> tuple[int | None, str]:
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None, "harga satuan harus jumlah rupiah bulat"
    if value < 1:
        return None, "harga satuan harus lebih dari 0"
    if value > MAX_UNIT_PRICE:
        return None, f"harga satuan terlalu besar (maks {rupiah(MAX_UNIT_PRICE)})"
    return int(value), ""


def _line_from_input(
    order: PurchaseOrder, item: OrderLineInput, position: int, rab_ids: set[int]
) -> tuple[PurchaseOrderLine | None, list[str]]:
    """The line an input makes, or what is wrong with it (checked before anything is written:
    the numbers against the limits the columns and the programme set, the RAB line against
    the order's own proposal)."""
    problems = []
    rab_line_id = item.rab_line_id
    if rab_line_id is not None and rab_line_id not in rab_ids:
        problems.append(NOT_IN_RAB)
    quantity, problem = _quantity_problem(item.quantity)
    if problem:
        problems.append(problem)
    unit_price, problem = _price_problem(item.unit_price)
    if problem:
        problems.append(problem)
    if problems:
        return None, problems
    line = PurchaseOrderLine(
        order=order,
        material=item.material,
        description=(item.description or (item.material.name if item.material else "")).strip(),
        unit=(item.unit or (item.material.unit if item.material else "")).strip(),
        quantity=quantity,
        unit_price=unit_price,
        justification=(item.justification or "").strip(),
        rab_line_id=rab_line_id,
        position=position,
    )
    if line.compute_total() > MAX_ORDER_TOTAL:
        return None, [f"jumlah harga terlalu besar (maks {rupiah(MAX_ORDER_TOTAL)})"]
    try:
        line.full_clean(exclude=["order", "rab_line", "material"])
    except ValidationError as exc:
        return None, [
            f"{PurchaseOrderLine._meta.get_field(name).verbose_name}: {message}"
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    return line, []


def _write_lines(order: PurchaseOrder, inputs: list[OrderLineInput]) -> list[PurchaseOrderLine]:
    """Replace the order's lines with `inputs`, or refuse them all, one sentence per wrong line."""
    if not inputs:
        raise ActionRefused("Pesanan harus berisi paling sedikit satu baris material.")
    if len(inputs) > MAX_ORDER_LINES:
        raise ActionRefused(f"Pesanan paling banyak {MAX_ORDER_LINES} baris material.")
    rab_ids = set(order.proposal.rab_lines.values_list("pk", flat=True))
    lines, problems = [], []
    for position, item in enumerate(inputs):
        line, wrong = _line_from_input(order, item, position, rab_ids)
        row = item.row or position + 1
        problems += [f"Baris {row}: {problem}" for problem in wrong]
        if line is not None:
            lines.append(line)
    if problems:
        raise ActionRefused("Pesanan tidak disimpan: periksa baris berikut.", problems=problems)
    price_lines(order, lines)
    total = sum(line.line_total for line in lines)
    if total > MAX_ORDER_TOTAL:
        raise ActionRefused(
            f"Pesanan tidak disimpan: jumlah seluruhnya {rupiah(total)} terlalu besar "
            f"(maks {rupiah(MAX_ORDER_TOTAL)})."
        )
    # The old lines' deletion and the new ones each leave a history row (a plain bulk_create
    # would not): what an order held before it was issued can be read back.
    order.lines.all().delete()
    bulk_create_with_history(lines, PurchaseOrderLine)
    order.total = total
    return lines


@records_actor
@transaction.atomic
def order_create_from_rab(*, proposal: Proposal, actor, supplier: Supplier) -> PurchaseOrder:
    """A draft order for a designated proposal, its lines taken from what the RAB still needs."""
    proposal = lock_proposal(proposal, actor)
    _require_kelurahan(proposal, actor)
    _check_orderable(proposal)
    if not supplier.active:
        raise ActionRefused(f"Toko {supplier} tidak aktif.")
    already = dict(
        PurchaseOrderLine.objects.filter(
            order__proposal=proposal,
            rab_line__isnull=False,
        )
        .exclude(order__state=PurchaseOrder.State.CANCELLED)
        .order_by()
        .values("rab_line_id")
        .annotate(q=Sum("quantity"))
        .values_list("rab_line_id", "q")
    )
    index = selectors.MaterialIndex()
    inputs = []
    for rab in proposal.rab_lines.all():
        remaining = rab.quantity - already.get(rab.pk, Decimal("0"))
        if remaining <= 0:
            continue
        material = index.match(rab.material, rab.unit)
        inputs.append(
            OrderLineInput(
                description=material.name if material else rab.material,
                unit=material.unit if material else rab.unit,
                quantity=remaining,
                unit_price=rab.unit_price,
                material=material,
                rab_line_id=rab.pk,
            )
        )
    if not inputs:
        raise ActionRefused("Semua baris RAB usulan ini sudah masuk ke pesanan.")
    order = PurchaseOrder.objects.create(
        proposal=proposal,
        supplier=supplier,
        created_by=actor,
        delivery_address=f"{proposal.location_description}, {proposal.rt}",
    )
    _write_lines(order, inputs)
    order.save(update_fields=["total"])
    audit_record(
        actor=actor,
        action="order_create",
        obj=order,
        summary=f"Draf pesanan {proposal.code} ke {supplier}",
        data={"lines": len(inputs), "total": order.total},
    )
    return order


@records_actor
@transaction.atomic
def order_update(
    *,
    order: PurchaseOrder,
    actor,
    supplier: Supplier,
    lines: list[OrderLineInput],
    supplier_reason: str = "",
    note: str = "",
    delivery_address: str = "",
) -> PurchaseOrder:
    """Save a draft: the shop, the reasons and all its lines (replaced)."""
    order = _lock_order(order, actor)
    _require_kelurahan(order.proposal, actor)
    if not order.is_editable:
        raise ActionRefused("Pesanan yang sudah diterbitkan tidak dapat diubah.")
    if not supplier.active and supplier.pk != order.supplier_id:
        raise ActionRefused(f"Toko {supplier} tidak aktif.")
    order.supplier = supplier
    order.supplier_reason = (supplier_reason or "").strip()
    order.note = (note or "").strip()
    order.delivery_address = (delivery_address or "").strip()[:300]
    _write_lines(order, lines)
    order.save()
    audit_record(
        actor=actor,
        action="order_update",
        obj=order,
        data={"supplier": supplier.pk, "lines": len(lines), "total": order.total},
    )
    return order


def _next_number(order: PurchaseOrder) -> tuple[int, str]:
    """Take the next number of the kelurahan's year under a row lock: no gaps, no twins."""
    kelurahan = order.proposal.kelurahan
    year = order.proposal.fiscal_year.year
    number = next_number(OrderCounter, kelurahan=kelurahan, year=year)
    return number, f"{number:03d}/SP-BB/{kelurahan.code}/{year}"


def budget_problems(
    order: PurchaseOrder, proposal: Proposal, envelopes: dict | None = None
) -> list[str]:
    """Why issuing `order` would overspend the proposal or its envelopes (call under locks)."""
    issued = PurchaseOrder.objects.filter(state=PurchaseOrder.State.ISSUED).exclude(pk=order.pk)
    problems = []
    designated = proposal.designated_budget or 0
    used = issued.filter(proposal=proposal).aggregate(t=Coalesce(Sum("total"), 0))["t"]
    if used + order.total > designated:
        problems.append(
            f"Anggaran usulan {rupiah(designated)} terlampaui: sudah dipesan {rupiah(used)}, "
            f"pesanan ini {rupiah(order.total)}, sisa {rupiah(designated - used)}."
        )
    if envelopes is None:
        envelopes = lock_envelopes(
            fiscal_year=proposal.fiscal_year, kecamatan=proposal.kelurahan.kecamatan
        )
    kec_env = envelopes.get(None)
    if kec_env is None:
        problems.append(
            f"Pagu anggaran Kecamatan {proposal.kelurahan.kecamatan} tahun "
            f"{proposal.fiscal_year.year} belum ditetapkan."
        )
        return problems
    in_year = issued.filter(proposal__fiscal_year=proposal.fiscal_year)
    kec_used = in_year.filter(
        proposal__kelurahan__kecamatan=proposal.kelurahan.kecamatan
    ).aggregate(t=Coalesce(Sum("total"), 0))["t"]
    if kec_used + order.total > kec_env.amount:
        problems.append(
            f"Pagu Kecamatan {proposal.kelurahan.kecamatan} {rupiah(kec_env.amount)} terlampaui: "
            f"sudah dipesan {rupiah(kec_used)}, pesanan ini {rupiah(order.total)}."
        )
    share = envelopes.get(proposal.kelurahan_id)
    if share is not None:
        kel_used = in_year.filter(proposal__kelurahan=proposal.kelurahan).aggregate(
            t=Coalesce(Sum("total"), 0)
        )["t"]
        if kel_used + order.total > share.amount:
            problems.append(
                f"Pagu Kelurahan {proposal.kelurahan} {rupiah(share.amount)} terlampaui: "
                f"sudah dipesan {rupiah(kel_used)}, pesanan ini {rupiah(order.total)}."
            )
    return problems


def issue_problems(order: PurchaseOrder) -> list[str]:
    """What still stops a draft from being issued (for the page; the service checks again)."""
    problems = line_problems(order, list(order.lines.all()))
    if order.is_outside_kecamatan and not has_reason(order.supplier_reason):
        problems.append(
            f"Toko {order.supplier} berada di luar Kecamatan {order.proposal.kelurahan.kecamatan}: "
            "tuliskan alasan memilih toko ini."
        )
    if not order.supplier.active:
        problems.append(f"Toko {order.supplier} tidak aktif.")
    return problems


@records_actor
@transaction.atomic
def order_issue(*, order: PurchaseOrder, actor) -> PurchaseOrder:
    """Issue the Surat Pesanan: lock the proposal and envelopes, check money and reasons, number
    it, and move a designated proposal into procurement."""
    # Envelopes before proposals, always (as decree_issue and budget amendments): no deadlock.
    where = Proposal.objects.select_related("fiscal_year", "kelurahan__kecamatan").get(
        pk=order.proposal_id
    )
    envelopes = lock_envelopes(fiscal_year=where.fiscal_year, kecamatan=where.kelurahan.kecamatan)
    proposal = lock_proposal(order.proposal, actor)
    order = _lock_order(order, actor)
    _require_kelurahan(proposal, actor)
    if order.state != PurchaseOrder.State.DRAFT:
        raise ActionRefused(f"Pesanan ini sudah {order.get_state_display().lower()} ({order}).")
    _check_orderable(proposal)
    lines = list(order.lines.all())
    if not lines:
        raise ActionRefused("Pesanan harus berisi paling sedikit satu baris material.")
    # Prices are checked against the reference at the moment of issue; a line whose snapshot
    # changed since the draft is saved again, and its history shows what changed.
    priced = ["line_total", "reference_price", "flagged"]
    before = {line.pk: [getattr(line, name) for name in priced] for line in lines}
    price_lines(order, lines)
    repriced = [ln for ln in lines if before[ln.pk] != [getattr(ln, name) for name in priced]]
    bulk_update_with_history(repriced, PurchaseOrderLine, priced, batch_size=200)
    order.total = sum(line.line_total for line in lines)
    problems = issue_problems(order) + budget_problems(order, proposal, envelopes)
    if problems:
        raise ActionRefused("Pesanan belum dapat diterbitkan.", problems=problems)
    sequence, number = _next_number(order)
    order.sequence = sequence
    order.number = number
    order.number_kelurahan = proposal.kelurahan
    order.number_year = proposal.fiscal_year.year
    order.state = PurchaseOrder.State.ISSUED
    order.issued_by = actor
    order.issued_at = timezone.now()
    order.save()
    audit_record(
        actor=actor,
        action="order_issue",
        obj=order,
        summary=f"{number} ke {order.supplier}: {rupiah(order.total)}",
        data={
            "number": number,
            "total": order.total,
            "flagged_lines": [ln.description for ln in lines if ln.flagged],
            "outside_kecamatan": order.is_outside_kecamatan,
        },
    )
    _store_money(proposal)
    if proposal.state == State.DESIGNATED:
        apply_transition_locked(
            proposal, actor=actor, action="order_materials", note=f"Surat pesanan {number}"
        )
    return order


@records_actor
@transaction.atomic
def order_cancel(*, order: PurchaseOrder, actor, reason: str) -> PurchaseOrder:
    """Cancel a draft or an issued order nothing has arrived for; its number stays used."""
    proposal = _lock_proposal_of(order)
    order = _lock_order(order, actor)
    _require_kelurahan(order.proposal, actor)
    if order.state == PurchaseOrder.State.CANCELLED:
        raise ActionRefused("Pesanan ini sudah dibatalkan.")
    require_reason(reason, what="alasan pembatalan")
    if order.deliveries.exists() or order.payments.exists():
        raise ActionRefused(
            "Pesanan yang sudah ada penerimaan atau pembayarannya tidak dapat dibatalkan."
        )
    order.state = PurchaseOrder.State.CANCELLED
    order.cancelled_at = timezone.now()
    order.cancel_reason = reason.strip()
    order.save()
    audit_record(
        actor=actor, action="order_cancel", obj=order, summary=str(order), data={"reason": reason}
    )
    _store_money(proposal)
    return order


@records_actor
@transaction.atomic
def order_confirm_by_supplier(*, order: PurchaseOrder, actor) -> PurchaseOrder:
    """The shop acknowledges the order from its own account."""
    order = _lock_order(order, actor)
    if not procurement_rules.is_shop_of(order, actor):
        raise ActionRefused("Hanya toko penerima pesanan yang dapat mengonfirmasinya.")
    if order.state != PurchaseOrder.State.ISSUED:
        raise ActionRefused("Hanya pesanan yang sudah diterbitkan yang dapat dikonfirmasi.")
    if order.confirmed_at is None:
        order.confirmed_at = timezone.now()
        order.confirmed_by = actor
        order.save(update_fields=["confirmed_at", "confirmed_by"])
        audit_record(actor=actor, action="order_confirm", obj=order, summary=str(order))
    return order


# --- Deliveries -----------------------------------------------------------------------------


def _store_upload(field_file, upload, checked, prefix: str) -> None:
    """Deleted again if the transaction, or one around it, does not commit."""
    name = f"{prefix}-{get_random_string(10).lower()}.{EXTENSIONS[checked.content_type]}"
    storage.save_file(field_file, name, upload)


@records_actor
@storage.atomic
def delivery_record(
    *,
    order: PurchaseOrder,
    actor,
    delivered_on: datetime.date,
    received_by_name: str,
    quantities: dict[int, tuple[Decimal, Decimal]],
    photo,
    note: str = "",
) -> Delivery:
    """Record what arrived: per order line, the quantity accepted and refused; a site photo."""
    proposal = lock_proposal(order.proposal, actor)
    order = _lock_order(order, actor)
    _require_kelurahan(proposal, actor)
    if order.state != PurchaseOrder.State.ISSUED:
        raise ActionRefused("Penerimaan hanya untuk pesanan yang sudah diterbitkan.")
    if Handover.objects.filter(proposal=proposal).exists():
        raise ActionRefused("BAST usulan ini sudah dibuat: penerimaan tidak dapat ditambah.")
    if delivered_on > timezone.localdate():
        raise ActionRefused("Tanggal penerimaan tidak boleh di masa depan.")
    if order.issued_at and delivered_on < timezone.localtime(order.issued_at).date():
        raise ActionRefused("Tanggal penerimaan tidak boleh sebelum surat pesanan terbit.")
    if not (received_by_name or "").strip():
        raise ActionRefused("Tuliskan nama penerima material di lokasi.")
    if photo is None:
        raise ActionRefused("Lampirkan foto material yang diterima di lokasi.")
    checked = check_upload_or_refuse(photo, allowed=IMAGE_TYPES)
    lines = {line.pk: line for line in selectors.order_lines_with_progress(order)}
    problems = []
    wanted = []
    for line_id, (accepted, rejected) in quantities.items():
        line = lines.get(int(line_id))
        if line is None:
            raise NotInScope
        accepted, rejected = Decimal(accepted or 0), Decimal(rejected or 0)
        if accepted < 0 or rejected < 0:
            problems.append(f"{line.description}: jumlah tidak boleh negatif.")
            continue
        if accepted == 0 and rejected == 0:
            continue
        if accepted > line.shortfall:
            problems.append(
                f"{line.description}: diterima {angka(accepted)} {line.unit} melebihi sisa "
                f"pesanan {angka(line.shortfall)} {line.unit}."
            )
        if rejected > line.quantity:
            problems.append(
                f"{line.description}: ditolak {angka(rejected)} {line.unit} melebihi jumlah "
                f"pesanan {angka(line.quantity)} {line.unit}."
            )
        wanted.append((line, accepted, rejected))
    if problems:
        raise ActionRefused("Penerimaan tidak dapat dicatat.", problems=problems)
    if not wanted:
        raise ActionRefused("Isi jumlah material yang diterima paling sedikit pada satu baris.")
    delivery = Delivery(
        order=order,
        delivered_on=delivered_on,
        received_by_name=received_by_name.strip(),
        note=(note or "").strip(),
        recorded_by=actor,
        photo_content_type=checked.content_type,
        photo_sha256=checked.sha256,
    )
    _store_upload(delivery.photo, photo, checked, "kirim")
    delivery.save()
    bulk_create_with_history(
        [
            DeliveryLine(delivery=delivery, order_line=line, quantity=acc, rejected_quantity=rej)
            for line, acc, rej in wanted
        ],
        DeliveryLine,
    )
    audit_record(
        actor=actor,
        action="delivery_record",
        obj=order,
        summary=f"Penerimaan {order} tanggal {delivered_on:%d-%m-%Y}",
        data={
            "delivery": delivery.pk,
            "lines": {str(line.pk): [str(acc), str(rej)] for line, acc, rej in wanted},
            "photo_sha256": checked.sha256,
        },
    )
    _store_money(proposal)
    return delivery


@records_actor
@transaction.atomic
def delivery_confirm_by_supplier(*, delivery: Delivery, actor) -> Delivery:
    order = _lock_order(delivery.order, actor)
    if not procurement_rules.is_shop_of(order, actor):
        raise ActionRefused("Hanya toko pengirim yang dapat mengonfirmasi penerimaan ini.")
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk, order=order)
    if delivery.supplier_confirmed_at is None:
        delivery.supplier_confirmed_at = timezone.now()
        delivery.supplier_confirmed_by = actor
        delivery.save(update_fields=["supplier_confirmed_at", "supplier_confirmed_by"])
        audit_record(
            actor=actor, action="delivery_confirm", obj=order, data={"delivery": delivery.pk}
        )
    return delivery


# --- BAST -----------------------------------------------------------------------------------


def handover_problems(proposal: Proposal) -> list[str]:
    problems = []
    if proposal.state != State.PROCUREMENT:
        problems.append(
            "BAST dibuat saat usulan pada tahap pengadaan "
            f"(sekarang: {proposal.get_state_display()})."
        )
    issued = proposal.purchase_orders.filter(state=PurchaseOrder.State.ISSUED)
    if not issued.exists():
        problems.append("Belum ada surat pesanan yang diterbitkan.")
    elif not selectors.proposal_fully_delivered(proposal):
        problems.append("Masih ada material pesanan yang belum diterima seluruhnya.")
    if proposal.purchase_orders.filter(state=PurchaseOrder.State.DRAFT).exists():
        problems.append("Masih ada draf pesanan: terbitkan atau batalkan dahulu.")
    return problems


@records_actor
@storage.atomic
def handover_record(
    *,
    proposal: Proposal,
    actor,
    handover_date: datetime.date,
    place: str,
    first_party_name: str,
    first_party_position: str,
    second_party_name: str,
    second_party_position: str,
    first_party_nip: str = "",
    condition_note: str = "",
    signed_on_paper: bool = False,
    paper_scan=None,
) -> Handover:
    """The kelurahan records the BAST once everything ordered has arrived.

    Signed on paper by both (with a scan of the signed page): complete at once. Otherwise it
    waits for the Ketua RT to confirm it from their account.
    """
    proposal = lock_proposal(proposal, actor)
    _require_kelurahan(proposal, actor)
    if Handover.objects.filter(proposal=proposal).exists():
        raise ActionRefused("BAST usulan ini sudah dibuat.")
    problems = handover_problems(proposal)
    if handover_date > timezone.localdate():
        problems.append("Tanggal serah terima tidak boleh di masa depan.")
    for label, value in [
        ("nama pihak pertama", first_party_name),
        ("jabatan pihak pertama", first_party_position),
        ("nama pihak kedua", second_party_name),
        ("jabatan pihak kedua", second_party_position),
        ("tempat", place),
    ]:
        if not (value or "").strip():
            problems.append(f"Isi {label}.")
    if signed_on_paper and paper_scan is None:
        problems.append("Lampirkan pindaian BAST yang sudah ditandatangani kedua pihak.")
    if problems:
        raise ActionRefused("BAST belum dapat dibuat.", problems=problems)
    handover = Handover(
        proposal=proposal,
        number=f"{proposal.code}/BAST-BB/{proposal.fiscal_year.year}",
        handover_date=handover_date,
        place=place.strip(),
        first_party_name=first_party_name.strip(),
        first_party_position=first_party_position.strip(),
        first_party_nip=(first_party_nip or "").strip(),
        second_party_name=second_party_name.strip(),
        second_party_position=second_party_position.strip(),
        items=selectors.handover_items(proposal),
        condition_note=(condition_note or "").strip(),
        signed_on_paper=signed_on_paper,
        recorded_by=actor,
    )
    if signed_on_paper:
        checked = check_upload_or_refuse(paper_scan, allowed=DOCUMENT_TYPES)
        _store_upload(handover.paper_scan, paper_scan, checked, "bast")
        handover.paper_scan_sha256 = checked.sha256
    handover.save()
    audit_record(
        actor=actor,
        action="handover_record",
        obj=handover,
        summary=f"BAST {handover.number}",
        data={"items": len(handover.items), "signed_on_paper": signed_on_paper},
    )
    if signed_on_paper:
        _complete_handover(handover, proposal, actor=actor)
    return handover


@records_actor
@storage.atomic
def handover_confirm_by_rt(*, handover: Handover, actor) -> Handover:
    """The Ketua RT, second party, confirms the BAST from their account: it is complete."""
    proposal = lock_proposal(handover.proposal, actor)
    if not rules.is_rt_of(proposal, actor):
        raise ActionRefused("Hanya Ketua RT pengusul yang dapat mengonfirmasi BAST ini.")
    handover = Handover.objects.select_for_update().get(pk=handover.pk)
    if handover.is_complete:
        raise ActionRefused("BAST ini sudah lengkap.")
    handover.rt_confirmed_by = actor
    handover.rt_confirmed_at = timezone.now()
    handover.save(update_fields=["rt_confirmed_by", "rt_confirmed_at"])
    audit_record(
        actor=actor, action="handover_confirm", obj=handover, summary=f"BAST {handover.number}"
    )
    # The Ketua RT's confirmation completes the BAST: the step is logged under them.
    who = actor.get_full_name() or actor.username
    _complete_handover(handover, proposal, actor=actor, note_by=who)
    return handover


def _complete_handover(handover: Handover, proposal: Proposal, *, actor, note_by: str = ""):
    if not selectors.proposal_fully_delivered(proposal):
        raise ActionRefused("Masih ada material pesanan yang belum diterima seluruhnya.")
    from procurement.pdf import handover_pdf

    handover.state = Handover.State.COMPLETE
    data = handover_pdf(handover)
    handover.pdf_sha256 = hashlib.sha256(data).hexdigest()
    storage.save_file(
        handover.pdf,
        f"{get_random_string(16).lower()}.pdf",
        ContentFile(data),
        label=f"PDF BAST {handover.number}",
    )
    handover.save()
    note = f"BAST {handover.number}"
    note += f", dikonfirmasi Ketua RT {note_by}" if note_by else ", ditandatangani di atas kertas"
    apply_transition_locked(proposal, actor=actor, action="receive_materials", note=note)
    audit_record(
        actor=actor,
        action="handover_complete",
        obj=handover,
        summary=note,
        data={"pdf_sha256": handover.pdf_sha256},
    )


# --- Payments -------------------------------------------------------------------------------


@records_actor
@transaction.atomic
def payment_record(
    *,
    order: PurchaseOrder,
    actor,
    invoice_number: str,
    amount: int,
    paid_on: datetime.date,
    reference: str,
) -> Payment:
    """Record a payment to the shop: never more than the order, nor than what has arrived."""
    proposal = _lock_proposal_of(order)
    order = _lock_order(order, actor)
    _require_kelurahan(order.proposal, actor)
    if order.state != PurchaseOrder.State.ISSUED:
        raise ActionRefused("Pembayaran hanya untuk pesanan yang sudah diterbitkan.")
    amount = int(amount)
    if amount <= 0:
        raise ActionRefused("Jumlah pembayaran harus lebih dari nol.")
    if paid_on > timezone.localdate():
        raise ActionRefused("Tanggal bayar tidak boleh di masa depan.")
    if not (invoice_number or "").strip() or not (reference or "").strip():
        raise ActionRefused("Isi nomor faktur dan referensi pembayaran.")
    if order.payments.filter(invoice_number=invoice_number.strip()).exists():
        raise ActionRefused(f"Faktur {invoice_number} sudah dibayar untuk pesanan ini.")
    paid = order.payments.aggregate(t=Coalesce(Sum("amount"), 0))["t"]
    if paid + amount > order.total:
        raise ActionRefused(
            f"Pembayaran melebihi nilai pesanan {rupiah(order.total)}: "
            f"sudah dibayar {rupiah(paid)}, sisa {rupiah(order.total - paid)}."
        )
    delivered = selectors.delivered_value(order)
    if paid + amount > delivered:
        raise ActionRefused(
            f"Pembayaran melebihi nilai material yang sudah diterima {rupiah(delivered)} "
            f"(sudah dibayar {rupiah(paid)})."
        )
    payment = Payment.objects.create(
        order=order,
        invoice_number=invoice_number.strip(),
        amount=amount,
        paid_on=paid_on,
        reference=reference.strip(),
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action="payment_record",
        obj=order,
        summary=f"Bayar {order} faktur {payment.invoice_number}: {rupiah(amount)}",
        data={"payment": payment.pk, "amount": amount, "reference": payment.reference},
    )
    _store_money(proposal)
    return payment


# --- RAB templates (kept by Bappeda) -------------------------------------------------------


@dataclass
class TemplateLineInput:
    material: Material
    quantity: Decimal
    scales_with_width: bool = True


def _require_catalogue_keeper(actor) -> None:
    if not procurement_rules.may_keep_catalogue(actor):
        raise ActionRefused("Templat RAB hanya dapat diubah oleh Bappeda.")


@transaction.atomic
def rab_template_create(
    *,
    fiscal_year,
    work_type,
    name: str,
    base_volume: Decimal,
    base_width: Decimal | None,
    lines: list[TemplateLineInput],
    actor,
) -> RABTemplate:
    """A year's template for a work type, with its materials per base volume."""
    _require_catalogue_keeper(actor)
    template = RABTemplate(
        fiscal_year=fiscal_year,
        work_type=work_type,
        name=name.strip(),
        base_volume=base_volume,
        base_width=base_width,
    )
    try:
        template.full_clean()
    except ValidationError as exc:
        raise ActionRefused(f"Templat RAB “{name}” belum benar.", problems=exc.messages) from exc
    template.save()
    rows = [
        RABTemplateLine(
            template=template,
            material=line.material,
            quantity=line.quantity,
            scales_with_width=line.scales_with_width,
            position=i,
        )
        for i, line in enumerate(lines)
    ]
    seen = set()
    for row in rows:
        if row.material.pk in seen:
            raise ActionRefused(f"Templat RAB “{name}”: {row.material.name} tertulis dua kali.")
        seen.add(row.material.pk)
        try:
            row.full_clean(exclude=["template"])
        except ValidationError as exc:
            raise ActionRefused(
                f"Templat RAB “{name}”, {row.material.name}: belum benar.",
                problems=exc.messages,
            ) from exc
    bulk_create_with_history(rows, RABTemplateLine)
    audit_record(
        actor=actor,
        action="rab_template_create",
        obj=template,
        summary=f"Templat RAB {template} ({len(rows)} material)",
    )
    return template


@transaction.atomic
def rab_template_copy(*, template: RABTemplate, fiscal_year, actor) -> RABTemplate:
    """The same template for another year (its prices come from that year's catalogue)."""
    _require_catalogue_keeper(actor)
    if RABTemplate.objects.filter(
        fiscal_year=fiscal_year, work_type=template.work_type_id, name=template.name
    ).exists():
        raise ActionRefused(
            f"Templat “{template.name}” sudah ada pada tahun anggaran {fiscal_year.year}."
        )
    return rab_template_create(
        fiscal_year=fiscal_year,
        work_type=template.work_type,
        name=template.name,
        base_volume=template.base_volume,
        base_width=template.base_width,
        lines=[
            TemplateLineInput(line.material, line.quantity, line.scales_with_width)
            for line in template.lines.select_related("material")
        ],
        actor=actor,
    )
