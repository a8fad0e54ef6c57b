"""The year's purchases for the public: CSV/XLSX tables and an OCDS 1.1 release package.

Text written by users (descriptions, invoice numbers, references) is escaped by
bangkit.spreadsheets so that no spreadsheet runs it as a formula; figures stay numbers.
Only issued orders (and issued orders later cancelled) are published, never drafts. Shops are
named with their address; their NPWP and bank account are not published: a 16-digit NPWP is
the owner's NIK (personal data, UU 27/2022).
"""

from __future__ import annotations

import hashlib
import json
import zlib
from decimal import Decimal

import tablib
from django.core.cache import cache
from django.db.models import Count, Max, Prefetch, Q, Sum
from django.urls import reverse
from django.utils import timezone

from bangkit.models import FiscalYear
from bangkit.qr import public_address
from bangkit.queries import boundaries_on
from bangkit.spreadsheets import csv_text, xlsx_bytes
from procurement.models import (
    CATEGORY_UNSPSC,
    UNIT_CODES,
    Category,
    DeliveryLine,
    Payment,
    PurchaseOrder,
    PurchaseOrderLine,
)

OCID_PREFIX = "ocds-bangkit"
OCDS_VERSION = "1.1"
PUBLISHER = "Pemerintah Kota Jambi — Program Bangkit Berdaya"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
CURRENCY = "IDR"


def published_orders(year: int):
    """Orders the public may see for a budget year, with everything the exports read."""
    delivered = Sum("deliveries__quantity")
    lines = PurchaseOrderLine.objects.select_related("material").annotate(delivered=delivered)
    return (
        PurchaseOrder.objects.filter(proposal__fiscal_year__year=year, sequence__isnull=False)
        .filter(Q(state=PurchaseOrder.State.ISSUED) | Q(state=PurchaseOrder.State.CANCELLED))
        .select_related(
            "supplier__kelurahan__kecamatan",
            "proposal__kelurahan__kecamatan",
            # str(proposal.rt) names its kelurahan; the OCID names the numbering kelurahan.
            "proposal__rt__kelurahan",
            "proposal__fiscal_year",
            "number_kelurahan",
        )
        .defer(
            *boundaries_on(
                PurchaseOrder,
                [
                    "supplier__kelurahan__kecamatan",
                    "proposal__kelurahan__kecamatan",
                    "proposal__rt__kelurahan",
                    "number_kelurahan",
                ],
            )
        )
        .prefetch_related(
            Prefetch("lines", queryset=lines.order_by("position", "id")),
            Prefetch("payments", queryset=Payment.objects.order_by("paid_on", "id")),
        )
        .order_by("proposal__kelurahan__code", "sequence")
    )


def years_with_purchases() -> list[int]:
    return sorted(
        set(
            PurchaseOrder.objects.filter(sequence__isnull=False).values_list(
                "proposal__fiscal_year__year", flat=True
            )
        ),
        reverse=True,
    )


# --- Exports of a closed year, kept ------------------------------------------------------------

# The key holds the year's fingerprint, so a kept export never goes stale; it is kept a month
# (rebuilt by `build_exports` at the year's close, or by the first request after a change).
CACHE_SECONDS = 30 * 24 * 3600


def _fingerprint(year: int) -> str:
    """What the year's published purchases are made of: counts, last ids, last dates."""
    orders = PurchaseOrder.objects.filter(proposal__fiscal_year__year=year, sequence__isnull=False)
    parts = [
        orders.aggregate(
            n=Count("id"), last=Max("id"), issued=Max("issued_at"), off=Max("cancelled_at")
        ),
        Payment.objects.filter(order__in=orders).aggregate(n=Count("id"), last=Max("id")),
        DeliveryLine.objects.filter(order_line__order__in=orders).aggregate(
            n=Count("id"), last=Max("id"), q=Sum("quantity")
        ),
    ]
    return "|".join(str(sorted(part.items())) for part in parts)


def kept_export(kind: str, year: int, build, *, extra: str = "", rebuild: bool = False):
    """``build()``, kept in the shared cache once the year is closed (its purchases no longer
    change), under a key that holds the year's fingerprint: a late payment or correction
    still shows at once. An open year is built on every request. Returns bytes (UTF-8 for
    text) once kept, else what ``build`` returns. ``rebuild`` builds and keeps it even when
    it is kept already (build_exports)."""
    if not FiscalYear.objects.filter(year=year, status=FiscalYear.Status.CLOSED).exists():
        return build()
    digest = hashlib.sha256(f"{_fingerprint(year)}|{extra}".encode()).hexdigest()[:32]
    key = f"export:v2:{kind}:{year}:{digest}"
    kept = None if rebuild else cache.get(key)
    if isinstance(kept, bytes):
        return zlib.decompress(kept)
    value = build()
    data = value.encode() if isinstance(value, str) else value
    # Compressed: the year's OCDS package is megabytes of repetitive JSON (about 15× smaller).
    cache.set(key, zlib.compress(data, 1), CACHE_SECONDS)
    return data


# --- Tables -----------------------------------------------------------------------------------

LINE_HEADERS = [
    "Nomor surat pesanan",
    "Tanggal terbit",
    "Status",
    "Kecamatan",
    "Kelurahan",
    "Kode usulan",
    "Kegiatan",
    "RT",
    "Toko",
    "Kelurahan toko",
    "Material",
    "Kategori",
    "Satuan",
    "Jumlah dipesan",
    "Jumlah diterima",
    "Harga satuan (Rp)",
    "Jumlah harga (Rp)",
    "Harga acuan (Rp)",
    "Selisih dari acuan (%)",
    "Alasan harga/material",
]
PAYMENT_HEADERS = [
    "Nomor surat pesanan",
    "Toko",
    "Nomor faktur",
    "Tanggal bayar",
    "Jumlah (Rp)",
    "Referensi pembayaran",
]


def _number(value: Decimal | None):
    if value is None:
        return 0
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def purchases_dataset(year: int, orders=None) -> tablib.Dataset:
    rows = []
    # Labels translated once, not per line (each lazy label costs a translation lookup).
    categories = {key: str(label) for key, label in Category.choices}
    states = {key: str(label) for key, label in PurchaseOrder.State.choices}
    for order in published_orders(year) if orders is None else orders:
        proposal = order.proposal
        issued = timezone.localtime(order.issued_at).date().isoformat() if order.issued_at else ""
        state = states.get(order.state, order.state)
        for line in order.lines.all():
            above = line.percent_above_reference
            rows.append(
                [
                    order.number,
                    issued,
                    state,
                    proposal.kelurahan.kecamatan.name,
                    proposal.kelurahan.name,
                    proposal.code,
                    proposal.title,
                    f"RT {proposal.rt.number:02d}",
                    order.supplier.name,
                    order.supplier.kelurahan.name,
                    line.description,
                    categories.get(line.material.category, "") if line.material else "",
                    line.unit,
                    _number(line.quantity),
                    _number(line.delivered),
                    line.unit_price,
                    line.line_total,
                    line.reference_price or "",
                    above if above is not None else "",
                    line.justification,
                ]
            )
    # One Dataset from all rows: append() validates the whole table on every row.
    return tablib.Dataset(*rows, headers=LINE_HEADERS, title="Pembelian")


def payments_dataset(year: int, orders=None) -> tablib.Dataset:
    rows = []
    for order in published_orders(year) if orders is None else orders:
        for payment in order.payments.all():
            rows.append(
                [
                    order.number,
                    order.supplier.name,
                    payment.invoice_number,
                    payment.paid_on.isoformat(),
                    payment.amount,
                    payment.reference,
                ]
            )
    return tablib.Dataset(*rows, headers=PAYMENT_HEADERS, title="Pembayaran")


def purchases_csv(year: int) -> str:
    return csv_text(purchases_dataset(year))


def purchases_xlsx(year: int) -> bytes:
    orders = list(published_orders(year))  # read once for both sheets
    return xlsx_bytes([purchases_dataset(year, orders), payments_dataset(year, orders)])


# --- OCDS ------------------------------------------------------------------------------------


def ocid_for(order: PurchaseOrder) -> str:
    kelurahan = order.number_kelurahan.code if order.number_kelurahan_id else ""
    return f"{OCID_PREFIX}-{order.number_year}-{kelurahan.replace('.', '')}-{order.sequence:03d}"


def _when(value) -> str | None:
    if value is None:
        return None
    if hasattr(value, "tzinfo"):
        return timezone.localtime(value).isoformat(timespec="seconds")
    # A date: midnight in Jambi.
    return f"{value.isoformat()}T00:00:00+07:00"


def _value(amount) -> dict:
    return {"amount": int(amount), "currency": CURRENCY}


def _buyer(order) -> dict:
    kelurahan = order.proposal.kelurahan
    return {
        "id": f"kelurahan-{kelurahan.code}",
        "name": f"Kelurahan {kelurahan.name}, Kecamatan {kelurahan.kecamatan.name}, Kota Jambi",
        "identifier": {
            "id": kelurahan.code,
            "legalName": f"Kelurahan {kelurahan.name}",
        },
        "address": {
            "locality": kelurahan.kecamatan.name,
            "region": "Kota Jambi",
            "countryName": "Indonesia",
        },
        "roles": ["buyer", "payer"],
    }


def _supplier(order) -> dict:
    supplier = order.supplier
    return {
        "id": f"toko-{supplier.pk}",
        "name": supplier.name,
        "address": {
            "streetAddress": supplier.address,
            "locality": f"{supplier.kelurahan.name}, {supplier.kelurahan.kecamatan.name}",
            "region": "Kota Jambi",
            "countryName": "Indonesia",
        },
        "roles": ["supplier", "payee"],
    }


def _item(line) -> dict:
    item = {
        "id": str(line.pk),
        "description": line.description,
        "quantity": _number(line.quantity),
        "unit": {
            "name": line.unit,
            "value": _value(line.unit_price),
        },
    }
    code = UNIT_CODES.get(line.unit)
    if code:
        item["unit"].update({"scheme": "UNCEFACT", "id": code})
    category = line.material.category if line.material else "lain"
    unspsc, label = CATEGORY_UNSPSC[category]
    item["classification"] = {
        "scheme": "UNSPSC",
        "id": unspsc,
        "description": label,
    }
    return item


def order_release(order: PurchaseOrder) -> dict:
    ocid = ocid_for(order)
    buyer, supplier = _buyer(order), _supplier(order)
    items = [_item(line) for line in order.lines.all()]
    payments = list(order.payments.all())
    cancelled = order.state == PurchaseOrder.State.CANCELLED
    dates = [order.issued_at] + [order.cancelled_at] if cancelled else [order.issued_at]
    latest = max(d for d in dates if d is not None)
    release_date = _when(latest)
    if payments:
        last_paid = _when(max(p.paid_on for p in payments))
        release_date = max(release_date, last_paid)
    tags = ["award", "contract"]
    if payments:
        tags.append("implementation")
    if cancelled:
        tags.append("contractTermination")
    award_id = f"{ocid}-award"
    proposal = order.proposal
    title = f"Material untuk {proposal.title} ({proposal.code})"
    contract = {
        "id": order.number,
        "awardID": award_id,
        "title": title,
        "description": (
            f"Surat pesanan {order.number} dari Kelurahan {proposal.kelurahan.name} kepada "
            f"{order.supplier.name}, untuk {proposal.rt}."
        ),
        "status": "cancelled" if cancelled else "active",
        "value": _value(order.total),
        "dateSigned": _when(order.issued_at),
        "items": items,
        "implementation": {
            "transactions": [
                {
                    "id": f"{order.number}-bayar-{p.pk}",
                    "date": _when(p.paid_on),
                    "value": _value(p.amount),
                    "payer": {"id": buyer["id"], "name": buyer["name"]},
                    "payee": {"id": supplier["id"], "name": supplier["name"]},
                }
                for p in payments
            ]
        },
    }
    return {
        "ocid": ocid,
        "id": f"{ocid}-{release_date[:19].replace(':', '').replace('-', '')}",
        "date": release_date,
        "tag": tags,
        "initiationType": "tender",
        "language": "id",
        "parties": [buyer, supplier],
        "buyer": {"id": buyer["id"], "name": buyer["name"]},
        "awards": [
            {
                "id": award_id,
                "title": title,
                "status": "cancelled" if cancelled else "active",
                "date": _when(order.issued_at),
                "value": _value(order.total),
                "suppliers": [{"id": supplier["id"], "name": supplier["name"]}],
                "items": items,
            }
        ],
        "contracts": [contract],
    }


def ocds_package(year: int, *, uri: str) -> dict:
    """An OCDS 1.1 release package of the year's purchases: one release per order."""
    releases = [order_release(order) for order in published_orders(year) if order.lines.all()]
    published = max((r["date"] for r in releases), default=None) or _when(timezone.now())
    return {
        "uri": uri,
        "version": OCDS_VERSION,
        "publishedDate": published,
        "publisher": {"name": PUBLISHER},
        "license": LICENSE,
        "releases": releases,
    }


def ocds_uri(year: int, request=None) -> str:
    """The package's own address: on SITE_URL when set (so that a package built ahead by
    build_exports is the one requests find), else the address the request used."""
    return public_address(reverse("procurement_public:ocds", args=[year]), request)


def ocds_text(year: int, uri: str) -> str:
    # Compact JSON: with an indent, json falls back from its C encoder to pure Python.
    return json.dumps(ocds_package(year, uri=uri), ensure_ascii=False)


def kept_ocds(year: int, request=None, *, rebuild: bool = False) -> bytes | str:
    uri = ocds_uri(year, request)
    return kept_export("ocds", year, lambda: ocds_text(year, uri), extra=uri, rebuild=rebuild)


def kept_csv(year: int, *, rebuild: bool = False) -> bytes | str:
    return kept_export("csv", year, lambda: purchases_csv(year), rebuild=rebuild)


def kept_xlsx(year: int, *, rebuild: bool = False) -> bytes:
    return kept_export("xlsx", year, lambda: purchases_xlsx(year), rebuild=rebuild)


def build_closed_year(year: int) -> dict[str, int]:
    """Build and keep a closed year's OCDS package, CSV and XLSX ahead of the first request
    (run at the year's close: `manage.py build_exports`). {kind: bytes}."""
    return {
        "ocds": len(kept_ocds(year, rebuild=True)),
        "csv": len(kept_csv(year, rebuild=True)),
        "xlsx": len(kept_xlsx(year, rebuild=True)),
    }
