"""Prices: unit prices above the year's reference price, summed per shop and kecamatan."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import F

from audit.flags.common import (
    capped,
    listing,
    money,
    number,
    order_link,
    percent,
    supplier_link,
)
from audit.flags.registry import Raised, Threshold, rule
from procurement.models import (
    DEFAULT_PRICE_MARGIN_PERCENT,
    ProcurementSettings,
    PurchaseOrder,
    PurchaseOrderLine,
)
from procurement.selectors import price_limit

PRICE_MARGIN = Threshold(
    "price.margin_percent",
    "Batas di atas harga acuan (%); kosong = batas aturan pengadaan tahun itu",
    None,
    "%",
)
PRICE_MIN_EXCESS = Threshold(
    "price.min_excess", "Kelebihan terkecil yang ditandai per toko dan kecamatan", Decimal(0), "Rp"
)


def year_margins() -> dict[int, int]:
    """The procurement margin of each year (the same one the order screen checks)."""
    return dict(
        ProcurementSettings.objects.values_list("fiscal_year__year", "price_margin_percent")
    )


@rule(
    "price_above_reference",
    "Harga satuan di atas harga acuan",
    thresholds=[PRICE_MARGIN, PRICE_MIN_EXCESS],
)
def price_above_reference(ctx):
    """Order lines priced above the year's reference price by more than the year's margin.

    One flag per shop, kecamatan and year: how many lines, the highest percentage above the
    reference, and the excess paid over the reference price (unit price minus reference price,
    times quantity) summed over those lines. The margin is the procurement rule of the year
    (the one the Surat Pesanan screen asks a written reason for) unless the audit threshold
    sets its own. Lines with a written reason are still counted: the reason is for the
    auditor to judge.
    """
    margins = year_margins()
    lines = ctx.in_years(
        PurchaseOrderLine.objects.filter(
            order__state=PurchaseOrder.State.ISSUED,
            reference_price__isnull=False,
            unit_price__gt=F("reference_price"),
        ),
        "order__proposal__fiscal_year__year",
    ).values_list(
        "order__supplier_id",
        "order__supplier__name",
        "order__proposal__kelurahan__kecamatan_id",
        "order__proposal__kelurahan__kecamatan__name",
        "order__proposal__fiscal_year__year",
        "order_id",
        "order__number",
        "description",
        "quantity",
        "unit_price",
        "reference_price",
        "justification",
    )
    groups = defaultdict(list)
    for row in lines:
        supplier_id, _, kecamatan_id, _, year, *_ = row
        own = ctx.value(PRICE_MARGIN.key, year)
        margin = int(own) if own is not None else margins.get(year, DEFAULT_PRICE_MARGIN_PERCENT)
        unit_price, reference = row[9], row[10]
        if unit_price > price_limit(reference, margin):
            groups[(supplier_id, kecamatan_id, year)].append((row, margin))
    for (supplier_id, kecamatan_id, year), rows in sorted(groups.items()):
        first = rows[0][0]
        margin = rows[0][1]
        excess = sum((Decimal(r[9] - r[10]) * r[8]).quantize(Decimal("1")) for r, _ in rows)
        if excess < ctx.value(PRICE_MIN_EXCESS.key, year):
            continue
        worst = max(100 * (r[9] - r[10]) / r[10] for r, _ in rows)
        unjustified = sum(1 for r, _ in rows if not (r[11] or "").strip())
        yield Raised(
            subject=f"supplier:{supplier_id}:kecamatan:{kecamatan_id}:{year}",
            year=year,
            kecamatan_id=kecamatan_id,
            title=(
                f"{first[1]}: {len(rows)} baris di atas harga acuan + {margin}% di Kecamatan "
                f"{first[3]} {year}, kelebihan {money(excess)}"
            ),
            figures=listing(
                [
                    ("Baris pesanan di atas batas", number(len(rows))),
                    ("Tanpa alasan tertulis", number(unjustified)),
                    ("Batas tahun itu", f"{margin}%"),
                    ("Tertinggi di atas harga acuan", percent(worst)),
                    ("Kelebihan di atas harga acuan", money(excess)),
                ],
                (
                    (
                        f"{r[6] or r[5]}: {r[7]}",
                        f"{number(r[8])} × {money(r[9])} (acuan {money(r[10])})",
                    )
                    for r, _ in rows
                ),
            ),
            links=capped(
                [supplier_link(supplier_id, first[1])] + [order_link(r[5], r[6]) for r, _ in rows]
            ),
            facts={"lines": sorted([r[5], r[7], str(r[8]), r[9], r[10]] for r, _ in rows)},
        )
