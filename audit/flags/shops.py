"""Shops: one shop taking most of a kecamatan's spending, and shops sharing an identity."""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum

from audit.flags.common import capped, money, number, percent, supplier_link
from audit.flags.registry import Raised, Threshold, rule
from procurement.models import PurchaseOrder, Supplier

MAX_SHARE = Threshold(
    "shop.max_share_percent", "Bagian belanja satu toko di satu kecamatan (%)", Decimal(50), "%"
)
MAX_HHI = Threshold(
    "shop.max_hhi", "Indeks Herfindahl-Hirschman belanja kecamatan (0–10.000)", Decimal(5000)
)
MIN_SPENDING = Threshold(
    "shop.min_spending",
    "Belanja kecamatan terkecil yang diperiksa per tahun",
    Decimal(100_000_000),
    "Rp",
)


@rule(
    "shop_dominance",
    "Satu toko menguasai belanja kecamatan",
    thresholds=[MAX_SHARE, MAX_HHI, MIN_SPENDING],
)
def shop_dominance(ctx):
    """One shop with most of a kecamatan's spending in a year.

    The spending is the sum of issued Surat Pesanan per shop, kecamatan (of the site) and year.
    Raised when the largest shop's share is above the year's share threshold, or the
    Herfindahl-Hirschman index (the sum of every shop's squared percentage share, 10,000 for a
    single shop) is above its threshold; kecamatan spending less than the minimum that year
    are left out (a handful of orders says little about concentration).
    """
    rows = (
        ctx.in_years(
            PurchaseOrder.objects.filter(state=PurchaseOrder.State.ISSUED),
            "proposal__fiscal_year__year",
        )
        .values(
            "proposal__kelurahan__kecamatan_id",
            "proposal__kelurahan__kecamatan__name",
            "proposal__fiscal_year__year",
            "supplier_id",
            "supplier__name",
        )
        .annotate(amount=Sum("total"))
        .order_by()
    )
    markets = defaultdict(list)
    for row in rows:
        key = (
            row["proposal__kelurahan__kecamatan_id"],
            row["proposal__kelurahan__kecamatan__name"],
            row["proposal__fiscal_year__year"],
        )
        markets[key].append((row["amount"] or 0, row["supplier_id"], row["supplier__name"]))
    for (kecamatan_id, kecamatan_name, year), shops in sorted(markets.items()):
        total = sum(amount for amount, *_ in shops)
        if total <= 0 or total < ctx.value(MIN_SPENDING.key, year):
            continue
        shops.sort(key=lambda s: (-s[0], s[1]))
        shares = [Decimal(100) * amount / total for amount, *_ in shops]
        hhi = sum(share * share for share in shares)
        top_amount, top_id, top_name = shops[0]
        if shares[0] <= ctx.value(MAX_SHARE.key, year) and hhi <= ctx.value(MAX_HHI.key, year):
            continue
        yield Raised(
            subject=f"kecamatan:{kecamatan_id}:{year}",
            year=year,
            kecamatan_id=kecamatan_id,
            title=(
                f"{top_name}: {percent(shares[0])} belanja Kecamatan {kecamatan_name} {year} "
                f"(HHI {number(round(hhi))})"
            ),
            figures=[
                ("Belanja kecamatan", money(total)),
                ("Jumlah toko", number(len(shops))),
                ("Toko terbesar", f"{top_name}: {money(top_amount)} ({percent(shares[0])})"),
                ("Indeks Herfindahl-Hirschman", number(round(hhi))),
            ]
            + [
                (name, f"{money(amount)} ({percent(share)})")
                for (amount, _, name), share in list(zip(shops, shares, strict=True))[1:6]
            ],
            links=capped([supplier_link(sid, name) for _, sid, name in shops]),
            facts={"shops": [[sid, amount] for amount, sid, _ in shops]},
        )


# --- shared identity --------------------------------------------------------------------------

_ADDRESS_WORDS = {
    "jl": "jalan",
    "jln": "jalan",
    "gg": "gang",
    "no": "",
    "nomor": "",
    "rt": "rt",
    "kel": "",
    "kec": "",
}


def normal_phone(text: str) -> str:
    """'+62 812-3456 789' and '0812 3456789' are one number: digits, with 62 read as 0."""
    digits = re.sub(r"\D", "", text or "")
    if digits.startswith("62"):
        digits = "0" + digits[2:]
    return digits if len(digits) >= 7 else ""


def normal_digits(text: str) -> str:
    """A bank account or NPWP: its digits only (dots, dashes and spaces are how it is written)."""
    digits = re.sub(r"\D", "", text or "")
    return digits if len(digits) >= 6 and len(set(digits)) > 1 else ""


def normal_address(text: str) -> str:
    """Lower case, no punctuation, abbreviations spelt out: 'Jl. Sudirman No.5' = 'jalan
    sudirman 5'."""
    words = re.findall(r"[a-z0-9]+", (text or "").lower())
    spelt = [_ADDRESS_WORDS.get(w, w) for w in words]
    out = " ".join(w for w in spelt if w)
    return out if len(out) >= 8 else ""


IDENTITIES = [
    ("phone", "nomor telepon", lambda s: normal_phone(s["phone"])),
    ("address", "alamat", lambda s: normal_address(s["address"])),
    ("bank", "nomor rekening", lambda s: normal_digits(s["bank_account_number"])),
    ("npwp", "NPWP", lambda s: normal_digits(s["npwp"])),
]


@rule("shops_sharing_identity", "Toko berbagi telepon, alamat, rekening atau NPWP")
def shops_sharing_identity(ctx):
    """Two or more shops with the same phone number, address, bank account or NPWP.

    Each is compared after normalising how it is written: the phone's digits with +62 read as
    0, the address in lower case without punctuation and with Jl./Gg. spelt out, the account
    and the NPWP as digits only. Shops sharing one of these may be one owner quoting against
    themselves. One flag per kind and group of shops; inactive shops count too.
    """
    shops = list(
        Supplier.objects.values(
            "id",
            "name",
            "phone",
            "address",
            "bank_account_number",
            "npwp",
            "kelurahan__kecamatan_id",
        ).order_by("id")
    )
    for kind, label, normalise in IDENTITIES:
        groups = defaultdict(list)
        for shop in shops:
            value = normalise(shop)
            if value:
                groups[value].append(shop)
        for value, members in sorted(groups.items(), key=lambda g: g[1][0]["id"]):
            if len(members) < 2:
                continue
            ids = [m["id"] for m in members]
            names = ", ".join(m["name"] for m in members)
            shown = value if kind in {"phone", "address"} else f"…{value[-4:]}"
            yield Raised(
                subject=f"shops:{kind}:{'-'.join(map(str, ids))}",
                year=None,
                kecamatan_id=members[0]["kelurahan__kecamatan_id"],
                title=f"{len(members)} toko dengan {label} yang sama: {names}",
                figures=[("Jumlah toko", number(len(members))), (label.capitalize(), shown)],
                links=capped([supplier_link(m["id"], m["name"]) for m in members]),
                facts={"ids": ids, "value": value},
            )
