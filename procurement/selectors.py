"""Reads for procurement: catalogue matching, prices, progress of orders, envelope figures."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.db.models import Count, DecimalField, F, Q, Sum
from django.db.models.functions import Coalesce

from bangkit.models import FiscalYear
from bangkit.money import line_total
from bangkit.queries import count_of, sum_of
from bangkit.templatetags.rupiah import angka
from procurement.models import (
    DEFAULT_PRICE_MARGIN_PERCENT,
    Delivery,
    DeliveryLine,
    Handover,
    Material,
    Payment,
    ProcurementSettings,
    PurchaseOrder,
    PurchaseOrderLine,
    ReferencePrice,
    Supplier,
)
from procurement.rules import supplier_id_of
from proposals.models import Proposal
from proposals.states import COMMITTED_STATES

# Proposals the kelurahan orders for, and those whose purchases are still shown: every state
# from designation to the end, the same as those whose budget is committed.
PROCUREMENT_STATES = list(COMMITTED_STATES)
ZERO = Decimal("0")


def normalize_material_name(text: str) -> str:
    """'Semen Portland 50 Kg' → 'semenportland50kg': case, spaces and punctuation ignored."""
    text = str(text or "").lower().replace("²", "2").replace("³", "3").replace('"', "inch")
    return re.sub(r"[^a-z0-9]+", "", text)


_TOKEN = re.compile(r"\d+(?:[.,/]\d+)*|[a-z]+")


def material_tokens(text: str) -> frozenset[str]:
    """'Besi beton 10mm' → {besi, beton, 10, mm}; inch marks become 'inch'."""
    text = str(text or "").lower().replace('"', " inch ").replace("”", " inch ")
    return frozenset(_TOKEN.findall(text.replace("²", "2").replace("³", "3")))


class MaterialIndex:
    """The catalogue by normalised name and aliases, built once per use."""

    def __init__(self, materials=None):
        materials = list(materials if materials is not None else Material.objects.all())
        self.by_key: dict[str, Material] = {}
        self.tokens: list[tuple[frozenset, Material]] = []
        for material in materials:
            for name in (material.name, *material.aliases):
                self.by_key.setdefault(normalize_material_name(name), material)
                self.tokens.append((material_tokens(name), material))
        self._keys = list(self.by_key)

    def match(self, name: str, unit: str = "") -> Material | None:
        """The catalogue material a RAB line names, or None when unsure."""
        key = normalize_material_name(name)
        if not key:
            return None
        found = self.by_key.get(key)
        if found:
            return found
        unit_key = normalize_material_name(unit)

        def same_unit(material):
            return not unit_key or normalize_material_name(material.unit) == unit_key

        words = material_tokens(name)
        # 'Semen 50 kg' names 'Semen Portland 50 kg'; 'Semen Portland Tiga Roda 50 kg' too.
        scored: dict[int, tuple[int, Material]] = {}
        for tokens, material in self.tokens:
            if not same_unit(material) or not tokens or not words:
                continue
            if words <= tokens or tokens <= words:
                distance = len(words ^ tokens)
                best = scored.get(material.pk)
                if best is None or distance < best[0]:
                    scored[material.pk] = (distance, material)
        if scored:
            ranked = sorted(scored.values(), key=lambda pair: pair[0])
            if len(ranked) == 1 or ranked[0][0] < ranked[1][0]:
                return ranked[0][1]
            return None
        close = difflib.get_close_matches(key, self._keys, n=3, cutoff=0.85)
        for candidate in close:
            material = self.by_key[candidate]
            if same_unit(material):
                return material
        return None


def price_margin_percent(fiscal_year: FiscalYear) -> int:
    settings_row = ProcurementSettings.objects.filter(fiscal_year=fiscal_year).first()
    return settings_row.price_margin_percent if settings_row else DEFAULT_PRICE_MARGIN_PERCENT


def reference_prices(fiscal_year: FiscalYear, material_ids) -> dict[int, int]:
    return dict(
        ReferencePrice.objects.filter(
            fiscal_year=fiscal_year, material_id__in=set(material_ids)
        ).values_list("material_id", "price")
    )


def price_limit(reference: int, margin_percent: int) -> int:
    """The highest unit price accepted without a written reason."""
    return reference * (100 + margin_percent) // 100


def suppliers_for(kelurahan):
    """Active shops, the same kelurahan first, then the same kecamatan (marked by `nearness`)."""
    return Supplier.objects.ranked_for(kelurahan)


# --- Orders and their progress --------------------------------------------------------------


def delivered_per_line(quantity: str = "quantity"):
    """For each order line, the sum of `quantity` over its deliveries (accepted, by default)."""
    return sum_of(
        DeliveryLine.objects.all(),
        quantity,
        per="order_line",
        output_field=DecimalField(max_digits=14, decimal_places=2),
        empty=ZERO,
    )


def order_lines_with_progress(order: PurchaseOrder) -> list[PurchaseOrderLine]:
    """The order's lines, each with `delivered` and `shortfall` quantities."""
    lines = list(
        order.lines.select_related("material").annotate(
            delivered=delivered_per_line(),
            rejected=delivered_per_line("rejected_quantity"),
        )
    )
    for line in lines:
        line.shortfall = max(ZERO, line.quantity - line.delivered)
    return lines


@dataclass
class OrderProgress:
    ordered: int = 0
    delivered_value: int = 0
    paid: int = 0
    complete: bool = False
    shortfall_lines: int = 0


def delivered_line_value(line: PurchaseOrderLine, delivered: Decimal) -> int:
    """What has arrived of an order line, at its price, rounded as the line's total is (half
    up): never more than the line's total, so an order never shows more delivered than it costs
    and a fully delivered order can be paid in full."""
    arrived = min(Decimal(delivered), Decimal(line.quantity))
    return line_total(arrived, line.unit_price)


def order_progress(order: PurchaseOrder, lines=None) -> OrderProgress:
    lines = lines if lines is not None else order_lines_with_progress(order)
    delivered_value = sum(delivered_line_value(line, line.delivered) for line in lines)
    paid = order.payments.aggregate(t=Coalesce(Sum("amount"), 0))["t"]
    short = sum(1 for line in lines if line.shortfall > 0)
    return OrderProgress(
        ordered=order.total,
        delivered_value=delivered_value,
        paid=paid,
        complete=bool(lines) and short == 0,
        shortfall_lines=short,
    )


def delivered_value(order: PurchaseOrder) -> int:
    return order_progress(order).delivered_value


def proposal_fully_delivered(proposal: Proposal) -> bool:
    """True when every line of every issued order of the proposal has fully arrived."""
    lines = PurchaseOrderLine.objects.filter(
        order__proposal=proposal, order__state=PurchaseOrder.State.ISSUED
    ).annotate(delivered=delivered_per_line())
    if not lines.exists():
        return False
    return not lines.filter(delivered__lt=F("quantity")).exists()


def handover_items(proposal: Proposal) -> list[dict]:
    """What the BAST lists: each material with the quantity received and its condition."""
    rows: dict[tuple, dict] = {}
    lines = (
        PurchaseOrderLine.objects.filter(
            order__proposal=proposal, order__state=PurchaseOrder.State.ISSUED
        )
        .select_related("order__supplier")
        .annotate(
            delivered=delivered_per_line(),
            rejected=delivered_per_line("rejected_quantity"),
        )
        .order_by("order__sequence", "position", "id")
    )
    for line in lines:
        key = (line.description, line.unit)
        row = rows.setdefault(
            key,
            {
                "description": line.description,
                "unit": line.unit,
                "quantity": ZERO,
                "rejected": ZERO,
                "suppliers": [],
            },
        )
        row["quantity"] += line.delivered
        row["rejected"] += line.rejected
        if line.order.supplier.name not in row["suppliers"]:
            row["suppliers"].append(line.order.supplier.name)
    items = []
    for row in rows.values():
        condition = "Baik"
        if row["rejected"]:
            condition = f"Baik ({angka(row['rejected'])} {row['unit']} rusak ditolak dan diganti)"
        items.append(
            {
                "description": row["description"],
                "unit": row["unit"],
                "quantity": f"{row['quantity'].normalize():f}",
                "condition": condition,
                "supplier": ", ".join(row["suppliers"]),
            }
        )
    return items


@dataclass
class ProposalProcurement:
    """Everything the proposal's procurement page shows."""

    proposal: Proposal
    orders: list = field(default_factory=list)
    ordered: int = 0
    delivered_value: int = 0
    paid: int = 0
    remaining_budget: int = 0
    fully_delivered: bool = False
    handover: Handover | None = None


def proposal_procurement(proposal: Proposal) -> ProposalProcurement:
    orders = list(
        proposal.purchase_orders.select_related("supplier__kelurahan__kecamatan")
        .annotate(
            paid_sum=Coalesce(Sum("payments__amount"), 0),
            line_count=Count("lines", distinct=True),
        )
        .order_by("created_at", "id")
    )
    summary = ProposalProcurement(proposal=proposal, orders=orders)
    for order in orders:
        order.progress = order_progress(order)
        if order.state == PurchaseOrder.State.ISSUED:
            summary.ordered += order.total
            summary.delivered_value += order.progress.delivered_value
            summary.paid += order.progress.paid
    summary.remaining_budget = (proposal.designated_budget or 0) - summary.ordered
    summary.fully_delivered = proposal_fully_delivered(proposal)
    summary.handover = Handover.objects.filter(proposal=proposal).first()
    return summary


# --- Lists ------------------------------------------------------------------------------------


def proposals_for_procurement(user, *, year: int | None = None):
    """Designated proposals and later, with their order sums, for the user's area."""
    issued = Q(purchase_orders__state=PurchaseOrder.State.ISSUED)
    qs = (
        Proposal.objects.visible_to(user)
        .filter(state__in=PROCUREMENT_STATES)
        .select_related("rt", "kelurahan__kecamatan", "fiscal_year")
        .annotate(
            ordered_sum=Coalesce(Sum("purchase_orders__total", filter=issued), 0),
            order_count=Count("purchase_orders", filter=issued, distinct=True),
            draft_count=Count(
                "purchase_orders",
                filter=Q(purchase_orders__state=PurchaseOrder.State.DRAFT),
                distinct=True,
            ),
        )
        .order_by("kelurahan__name", "rt__number", "code")
    )
    if year:
        qs = qs.filter(fiscal_year__year=year)
    return qs


def orders_for(user, *, year: int | None = None, state: str | None = None):
    qs = PurchaseOrder.objects.visible_to(user).for_lists()
    if year:
        qs = qs.filter(proposal__fiscal_year__year=year)
    if state:
        qs = qs.filter(state=state)
    # A correlated subquery, not a join grouped over every order before the page's LIMIT;
    # the order matches the order_list_order index.
    return qs.annotate(paid_sum=_paid_sum()).order_by("-issued_at", "-created_at", "-id")


def _paid_sum():
    return sum_of(
        Payment.objects.all(), "amount", per="order", output_field=models.BigIntegerField()
    )


def supplier_orders(supplier, *, year: int | None = None):
    """A shop's own orders (never drafts): used for the toko account, by supplier."""
    qs = PurchaseOrder.objects.for_supplier(supplier).for_lists()
    if year:
        qs = qs.filter(proposal__fiscal_year__year=year)
    return qs.annotate(
        paid_sum=_paid_sum(),
        delivery_count=count_of(Delivery.objects.all(), per="order"),
    ).order_by("-issued_at", "-created_at", "-id")


def handovers_for_rt(user):
    """The BASTs of the Ketua RT's proposals, those awaiting their confirmation first."""
    return (
        Handover.objects.visible_to(user)
        .select_related("proposal__rt", "proposal__kelurahan")
        .order_by("state", "-recorded_at")
    )


def supplier_of(user) -> Supplier | None:
    """The shop a toko account speaks for (None for every other account)."""
    supplier_id = supplier_id_of(user)
    return Supplier.objects.filter(pk=supplier_id).first() if supplier_id else None


def deliveries_of(order: PurchaseOrder):
    return order.deliveries.select_related("recorded_by").prefetch_related("lines__order_line")


def payments_of(order: PurchaseOrder):
    return Payment.objects.filter(order=order).order_by("paid_on", "id")


# --- A proposal's money (stored on it by the services, summed by budgets.figures) -------------


@dataclass
class ProposalMoney:
    ordered: int = 0
    delivered: int = 0
    paid: int = 0


def proposal_money(proposal: Proposal) -> ProposalMoney:
    """Ordered, delivered and paid for a proposal, summed from its records.

    Only issued orders count: a draft binds nothing, and an order is cancelled only while
    nothing has arrived for it nor been paid. Delivered is valued line by line as the order
    is (delivered_line_value), so paid <= delivered <= ordered always holds.
    """
    issued = PurchaseOrder.objects.filter(proposal=proposal, state=PurchaseOrder.State.ISSUED)
    ordered = issued.aggregate(t=Coalesce(Sum("total"), 0))["t"]
    lines = (
        PurchaseOrderLine.objects.filter(order__in=issued)
        .annotate(delivered=delivered_per_line())
        .filter(delivered__gt=0)
        .only("quantity", "unit_price")
    )
    delivered = sum(delivered_line_value(line, line.delivered) for line in lines)
    paid = Payment.objects.filter(order__in=issued).aggregate(t=Coalesce(Sum("amount"), 0))["t"]
    return ProposalMoney(ordered=int(ordered), delivered=delivered, paid=int(paid))


def deliveries_for_proposal(proposal: Proposal):
    return Delivery.objects.filter(
        order__proposal=proposal, order__state=PurchaseOrder.State.ISSUED
    ).select_related("order__supplier")


def deliveries_for(user):
    return Delivery.objects.visible_to(user).select_related("order__supplier")
