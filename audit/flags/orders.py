"""Orders: split orders, and steps recorded in an order that does not make sense (amendments
after ordering, deliveries after payment, payment before the BAST)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.db.models import Min, OuterRef, Subquery
from django.utils import timezone

from audit.flags.common import (
    capped,
    grouped,
    listing,
    money,
    number,
    order_link,
    site_fields,
    site_flag,
    site_link,
    supplier_link,
)
from audit.flags.registry import Raised, Threshold, rule
from procurement.models import Delivery, Handover, Payment, PurchaseOrder
from verification.models import Amendment

SPLIT_DAYS = Threshold("split.days", "Rentang hari pesanan yang dijumlahkan", Decimal(7), "hari")
SPLIT_LIMIT = Threshold(
    "split.limit",
    "Batas nilai satu pesanan (jumlah beberapa pesanan melewatinya, masing-masing di bawahnya); "
    "bawaan: batas pengadaan langsung barang, Perpres 12/2021",
    Decimal(200_000_000),
    "Rp",
)


def _clusters(orders: list[dict], days: int, limit: Decimal):
    """Runs of orders within ``days`` of the first, each under ``limit``, summing to it."""
    orders = sorted(orders, key=lambda o: (o["day"], o["id"]))
    start = 0
    best = []
    while start < len(orders):
        end = start
        while end + 1 < len(orders) and orders[end + 1]["day"] - orders[start]["day"] <= (
            timedelta(days=days)
        ):
            end += 1
        run = orders[start : end + 1]
        if len(run) >= 2 and sum(o["total"] for o in run) >= limit:
            best.append(run)
            start = end + 1
        else:
            start += 1
    return best


@rule("orders_split", "Pesanan dipecah", thresholds=[SPLIT_DAYS, SPLIT_LIMIT])
def orders_split(ctx):
    """Several orders for one site, or to one shop from one kelurahan, within a few days, each
    under the limit while together they cross it.

    Issued Surat Pesanan are grouped by site, and by shop and buying kelurahan (the budget
    user who signs them); within each group, orders issued no
    more than the year's number of days after the first of a run, each below the year's
    limit, whose sum reaches the limit, raise one flag (the run's orders are the evidence).
    """
    rows = ctx.in_years(
        PurchaseOrder.objects.filter(state=PurchaseOrder.State.ISSUED, issued_at__isnull=False),
        "proposal__fiscal_year__year",
    ).values(
        "id",
        "number",
        "total",
        "issued_at",
        "supplier_id",
        "supplier__name",
        "proposal__kelurahan_id",
        *site_fields(),
    )
    by_site, by_shop = defaultdict(list), defaultdict(list)
    for row in rows:
        year = row["proposal__fiscal_year__year"]
        if row["total"] >= ctx.value(SPLIT_LIMIT.key, year):
            continue
        row["day"] = timezone.localtime(row["issued_at"]).date()
        by_site[(row["proposal_id"], year)].append(row)
        by_shop[(row["supplier_id"], row["proposal__kelurahan_id"], year)].append(row)
    for kind, groups in (("site", by_site), ("shop", by_shop)):
        for key, orders in sorted(groups.items()):
            year = key[-1]
            if len(orders) < 2:
                continue
            days = int(ctx.value(SPLIT_DAYS.key, year))
            limit = ctx.value(SPLIT_LIMIT.key, year)
            for run in _clusters(orders, days, limit):
                first = run[0]
                total = sum(o["total"] for o in run)
                who = (
                    f"usulan {first['proposal__code']}"
                    if kind == "site"
                    else f"toko {first['supplier__name']}"
                )
                links = [order_link(o["id"], o["number"]) for o in run]
                if kind == "shop":
                    links.insert(0, supplier_link(first["supplier_id"], first["supplier__name"]))
                else:
                    links.insert(0, site_link(first["proposal__code"]))
                yield Raised(
                    subject=f"split:{kind}:{'-'.join(map(str, key))}:{first['id']}",
                    year=year,
                    kecamatan_id=first["proposal__kelurahan__kecamatan_id"],
                    title=(
                        f"{len(run)} pesanan untuk {who} dalam {days} hari, bersama "
                        f"{money(total)} (batas {money(limit)})"
                    ),
                    figures=listing(
                        [
                            ("Jumlah pesanan", number(len(run))),
                            ("Jumlah nilai", money(total)),
                            ("Batas satu pesanan", money(limit)),
                            ("Rentang", f"{first['day']:%d-%m-%Y} s.d. {run[-1]['day']:%d-%m-%Y}"),
                        ],
                        ((o["number"] or str(o["id"]), money(o["total"])) for o in run),
                    ),
                    links=capped(links),
                    facts={"orders": [[o["id"], o["total"]] for o in run]},
                )


def _first_order_issued():
    return Subquery(
        PurchaseOrder.objects.filter(proposal=OuterRef("proposal"), issued_at__isnull=False)
        .exclude(state=PurchaseOrder.State.DRAFT)
        .order_by("issued_at")
        .values("issued_at")[:1]
    )


@rule("amendment_after_order", "Perubahan lokasi setelah material dipesan")
def amendment_after_order(ctx):
    """An amendment of a designated site (location, volume or budget) made after its first
    Surat Pesanan was issued: the materials were ordered for a site that then changed."""
    rows = (
        ctx.in_years(Amendment.objects.all(), "proposal__fiscal_year__year")
        .annotate(first_order=_first_order_issued())
        .filter(first_order__isnull=False)
        .values(
            "id",
            "field",
            "old_value",
            "new_value",
            "created_at",
            "first_order",
            *site_fields(),
        )
        .order_by("proposal_id", "created_at")
    )
    late = grouped(rows, "proposal_id", lambda row: row["created_at"] > row["first_order"])
    for proposal_id, amendments in late.items():
        first = amendments[0]
        ordered = timezone.localtime(first["first_order"])
        yield site_flag(
            proposal_id,
            first,
            f"{len(amendments)} perubahan setelah pesanan pertama ({ordered:%d-%m-%Y})",
            figures=[("Pesanan pertama diterbitkan", f"{ordered:%d-%m-%Y %H:%M}")],
            listed=(
                (
                    f"{timezone.localtime(a['created_at']):%d-%m-%Y}: {a['field']}",
                    f"{a['old_value']} → {a['new_value']}",
                )
                for a in amendments
            ),
            facts={"ids": [a["id"] for a in amendments]},
        )


@rule("delivery_after_payment", "Penerimaan dicatat setelah pembayaran")
def delivery_after_payment(ctx):
    """A delivery of an order dated after that order's first payment: the shop was paid
    before (all) the materials arrived."""
    rows = (
        ctx.in_years(Delivery.objects.all(), "order__proposal__fiscal_year__year")
        .annotate(first_paid=Min("order__payments__paid_on"))
        .filter(first_paid__isnull=False)
        .values(
            "id",
            "delivered_on",
            "first_paid",
            "order_id",
            "order__number",
            "order__proposal__code",
            "order__proposal__fiscal_year__year",
            "order__proposal__kelurahan__kecamatan_id",
        )
        .order_by("order_id", "delivered_on")
    )
    late = grouped(rows, "order_id", lambda row: row["delivered_on"] > row["first_paid"])
    for order_id, deliveries in late.items():
        first = deliveries[0]
        yield Raised(
            subject=f"order:{order_id}",
            year=first["order__proposal__fiscal_year__year"],
            kecamatan_id=first["order__proposal__kelurahan__kecamatan_id"],
            title=(
                f"Surat Pesanan {first['order__number']}: dibayar {first['first_paid']:%d-%m-%Y}, "
                f"{len(deliveries)} penerimaan sesudahnya"
            ),
            figures=listing(
                [("Pembayaran pertama", f"{first['first_paid']:%d-%m-%Y}")],
                (("Penerimaan", f"{d['delivered_on']:%d-%m-%Y}") for d in deliveries),
            ),
            links=[
                order_link(order_id, first["order__number"]),
                site_link(first["order__proposal__code"]),
            ],
            facts={"deliveries": [[d["id"], d["delivered_on"]] for d in deliveries]},
        )


@rule("payment_before_bast", "Pembayaran sebelum BAST")
def payment_before_bast(ctx):
    """A payment dated before the site's BAST (hand-over of the materials), or a payment for a
    site that has no BAST recorded at all."""
    handover_date = Subquery(
        Handover.objects.filter(proposal=OuterRef("order__proposal")).values("handover_date")[:1]
    )
    rows = (
        ctx.in_years(Payment.objects.all(), "order__proposal__fiscal_year__year")
        .annotate(bast=handover_date)
        .values(
            "id",
            "paid_on",
            "amount",
            "bast",
            "order_id",
            "order__number",
            *site_fields("order__proposal__"),
        )
        .order_by("order__proposal_id", "paid_on")
    )
    early = grouped(
        rows, "order__proposal_id", lambda row: row["bast"] is None or row["paid_on"] < row["bast"]
    )
    for proposal_id, payments in early.items():
        first = payments[0]
        bast = first["bast"]
        when = f"BAST {bast:%d-%m-%Y}" if bast else "belum ada BAST"
        yield site_flag(
            proposal_id,
            first,
            f"{len(payments)} pembayaran sebelum BAST ({when})",
            via="order__proposal__",
            figures=[("BAST", f"{bast:%d-%m-%Y}" if bast else "belum ada")],
            listed=(
                (f"{p['paid_on']:%d-%m-%Y} {p['order__number']}", money(p["amount"]))
                for p in payments
            ),
            links=[order_link(p["order_id"], p["order__number"]) for p in payments],
            facts={"payments": [[p["id"], p["paid_on"], p["amount"]] for p in payments]},
        )
