"""Demo data for procurement: the catalogue and its prices, ~62 shops in every kecamatan, and
orders, deliveries, a BAST and payments for the designated proposals of the demo year.

Runs after the decrees' demo (verification), which designates the proposals; the same data on
every run, and nothing new on a second run.
"""

from __future__ import annotations

import io
import random
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from bangkit.errors import ActionRefused, NotInScope
from bangkit.models import FiscalYear, Kecamatan, Kelurahan, Role, User, WorkType
from demo.seeders.core import demo_year
from procurement import selectors, services
from procurement.importing import reference_price_import
from procurement.models import (
    Handover,
    Material,
    ProcurementSettings,
    PurchaseOrder,
    RABTemplate,
    Supplier,
    SupplierAccount,
)
from procurement.npwp import luhn_check_digit
from proposals.models import Proposal, State

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "reference_prices_2026.csv"
SHOPS_TOTAL = 62  # the programme's ~62 local toko bangunan
SHOP_NAMES = [
    "Sinar Jaya",
    "Maju Bersama",
    "Sumber Rezeki",
    "Jaya Abadi",
    "Karya Mandiri",
    "Berkah Bangunan",
    "Mitra Usaha",
    "Cahaya Baru",
    "Harapan Kita",
    "Sentosa",
    "Makmur Jaya",
    "Rezeki Utama",
    "Bintang Terang",
    "Angso Duo",
    "Batanghari Jaya",
    "Pinang Masak",
    "Sepucuk Jambi",
    "Tanjung Jabung",
    "Sumber Makmur",
    "Anugerah",
    "Cemerlang",
    "Mandiri Sejahtera",
]
PREFIXES = ["TB", "Toko Bangunan", "UD", "TB"]
STREETS = [
    "Jl. Kapten Pattimura",
    "Jl. Sultan Thaha",
    "Jl. Gatot Subroto",
    "Jl. Hayam Wuruk",
    "Jl. Sumantri Brojonegoro",
    "Jl. Lingkar Barat",
    "Jl. Kol. Abunjani",
    "Jl. Prof. Sri Soedewi",
    "Jl. Marsda Surya Darma",
    "Jl. Orang Kayo Hitam",
    "Jl. Yos Sudarso",
    "Jl. Jend. Sudirman",
]
OWNERS = [
    "H. Syamsul Bahri",
    "Hendra Wijaya",
    "Rusli Effendi",
    "Hj. Maimunah",
    "Junaidi Saputra",
    "Irwan Siregar",
    "Liem Kok Seng",
    "Darmawan Lubis",
    "Yusuf Harahap",
    "Fauzi Rambe",
    "Tan Ah Kiat",
    "Mulyadi",
    "Ratna Sari",
    "Agus Setiawan",
]
BANKS = ["Bank Jambi", "BRI", "BNI", "Mandiri", "BSI"]


def left_unordered(count: int) -> int:
    """A fifth of the designated sites stay untouched: the order screens start from them."""
    return max(1, count // 5)


def _npwp(rng: random.Random) -> str:
    head = rng.choice(["01", "02", "07", "08", "09"]) + f"{rng.randint(1, 999_999):06d}"
    return head + luhn_check_digit(head) + rng.choice(["331", "332", "333"]) + "000"


def seed_catalogue(year: int) -> str:
    report = reference_price_import(file_or_rows=FIXTURE, year=year)
    if report.rejected:
        return "katalog ditolak: " + "; ".join(str(e) for e in report.errors[:3])
    ProcurementSettings.objects.get_or_create(fiscal_year_id=FiscalYear.objects.get(year=year).pk)
    return f"katalog: {report.summary}"


# The year's RAB templates, as Bappeda would keep them: (work type, name, base volume, base
# width, [(material, quantity for the base, scales with the width)]).
RAB_TEMPLATES = [
    (
        "rabat-beton",
        "Rabat beton tebal 10 cm, campuran 1:2:3",
        Decimal("100"),
        Decimal("1.5"),
        [
            ("Semen Portland 50 kg", Decimal("98"), True),
            ("Pasir cor", Decimal("8.1"), True),
            ("Batu split 2/3", Decimal("11.4"), True),
            ("Papan cor 2x20x400 cm", Decimal("25"), False),
            ("Kayu kaso 5x7x400 cm", Decimal("10"), False),
            ("Paku 7 cm", Decimal("3"), False),
        ],
    ),
    (
        "drainase",
        "Drainase U-ditch 30 cm",
        Decimal("100"),
        None,
        [
            ("U-ditch 30x30x120 cm", Decimal("84"), True),
            ("Semen Portland 50 kg", Decimal("10"), True),
            ("Pasir pasang", Decimal("2"), True),
        ],
    ),
]


def seed_rab_templates(year: int) -> int:
    """The templates of the year, through the service as Bappeda; none twice."""
    fiscal_year = FiscalYear.objects.get(year=year)
    bappeda = User.objects.filter(role=Role.BAPPEDA, is_active=True).order_by("username").first()
    if bappeda is None:
        return 0
    materials = {m.name: m for m in Material.objects.all()}
    made = 0
    for code, name, base_volume, base_width, lines in RAB_TEMPLATES:
        work_type = WorkType.objects.filter(code=code).first()
        if (
            work_type is None
            or RABTemplate.objects.filter(
                fiscal_year=fiscal_year, work_type=work_type, name=name
            ).exists()
        ):
            continue
        services.rab_template_create(
            fiscal_year=fiscal_year,
            work_type=work_type,
            name=name,
            base_volume=base_volume,
            base_width=base_width,
            lines=[
                services.TemplateLineInput(materials[material], quantity, scales)
                for material, quantity, scales in lines
                if material in materials
            ],
            actor=bappeda,
        )
        made += 1
    return made


def seed_suppliers() -> int:
    """About 62 shops over the 11 kecamatan, in proportion to their kelurahan."""
    kecamatan = list(Kecamatan.objects.order_by("code"))
    kelurahan = {
        k.pk: list(Kelurahan.objects.filter(kecamatan=k).order_by("code")) for k in kecamatan
    }
    total_kel = sum(len(v) for v in kelurahan.values()) or 1
    created = 0
    used_npwp = set(Supplier.objects.exclude(npwp="").values_list("npwp", flat=True))
    for kec in kecamatan:
        places = kelurahan[kec.pk]
        if not places:
            continue
        rng = random.Random(f"toko-{kec.code}")
        count = max(3, round(SHOPS_TOTAL * len(places) / total_kel))
        names = rng.sample(SHOP_NAMES, k=min(count, len(SHOP_NAMES)))
        for i, base in enumerate(names):
            kel = places[i % len(places)]
            name = f"{rng.choice(PREFIXES)} {base}"
            owner = rng.choice(OWNERS)
            values = {
                "owner_name": owner,
                "npwp": _npwp(rng),
                "address": (
                    f"{rng.choice(STREETS)} No. {rng.randint(1, 250)}, RT {rng.randint(1, 30):02d}"
                ),
                "phone": f"08{rng.randint(11, 13)}{rng.randint(10_000_000, 99_999_999)}",
                "bank_name": rng.choice(BANKS),
                "bank_account_number": str(rng.randint(10**9, 10**10 - 1)),
                "bank_account_holder": owner,
            }
            # Every value is drawn before deciding, so a second run draws the same ones.
            if Supplier.objects.filter(kelurahan=kel, name=name).exists():
                continue
            if values["npwp"] in used_npwp:
                values["npwp"] = ""
            used_npwp.add(values["npwp"])
            Supplier.objects.create(name=name, kelurahan=kel, **values)
            created += 1
    return created


def seed_shop_accounts() -> int:
    """One toko account per shop."""
    password = make_password(settings.DEMO_PASSWORD)
    made = 0
    for supplier in Supplier.objects.select_related("kelurahan"):
        username = f"toko.{supplier.pk:03d}"
        if User.objects.filter(username=username).exists():
            continue
        user = User.objects.create(
            username=username,
            password=password,
            role=Role.TOKO,
            first_name=supplier.owner_name[:150],
        )
        SupplierAccount.objects.create(user=user, supplier=supplier)
        made += 1
    return made


def _photo(label: str) -> SimpleUploadedFile:
    image = Image.new("RGB", (640, 480), (196, 170, 130))
    draw = ImageDraw.Draw(image)
    for i in range(0, 640, 40):
        draw.rectangle([i, 300, i + 30, 330 + (i % 80)], fill=(150, 150, 150))
    draw.text((20, 20), label, fill=(30, 30, 30))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70)
    return SimpleUploadedFile("foto.jpg", buffer.getvalue(), content_type="image/jpeg")


def _lurah(proposal) -> User | None:
    return (
        User.objects.filter(role=Role.KELURAHAN, kelurahan=proposal.kelurahan, is_active=True)
        .order_by("pk")
        .first()
    )


def _rt_user(proposal) -> User | None:
    return User.objects.filter(role=Role.RT, rt=proposal.rt, is_active=True).order_by("pk").first()


def _inputs(order) -> list[services.OrderLineInput]:
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


def _order(proposal, lurah, rng, *, pricey: bool) -> PurchaseOrder | None:
    shops = list(selectors.suppliers_for(proposal.kelurahan)[:3])
    if not shops:
        return None
    shop = shops[0] if shops[0].nearness < 2 or len(shops) == 1 else rng.choice(shops)
    order = services.order_create_from_rab(proposal=proposal, actor=lurah, supplier=shop)
    inputs = _inputs(order)
    changed = False
    if pricey and inputs and inputs[0].material is not None:
        # Only the dear material in this order: the rest would no longer fit the budget.
        inputs = inputs[:1]
        inputs[0].unit_price = int(inputs[0].unit_price * Decimal("1.18"))
        inputs[0].justification = (
            "Stok di toko lain kosong setelah banjir Batanghari; harga pasar naik, "
            "dibandingkan dengan tiga toko (nota survei terlampir)."
        )
        changed = True
    for item in inputs:
        if item.material is None and not item.justification:
            item.justification = "Tidak ada di katalog; spesifikasi sesuai RAB, harga survei toko."
            changed = True
    reason = ""
    if order.is_outside_kecamatan:
        reason = "Toko di kecamatan sendiri tidak menyediakan material ini."
        changed = True
    if changed:
        order = services.order_update(
            order=order, actor=lurah, supplier=shop, lines=inputs, supplier_reason=reason
        )
    # Prices above the margin that the RAB already carried need a reason too.
    problems = services.issue_problems(order)
    if problems:
        inputs = _inputs(order)
        for item, line in zip(inputs, order.lines.all(), strict=True):
            if line.flagged and not item.justification:
                item.justification = "Harga sesuai RAB yang ditetapkan SK Camat; survei tiga toko."
        order = services.order_update(
            order=order, actor=lurah, supplier=shop, lines=inputs, supplier_reason=reason
        )
    return services.order_issue(order=order, actor=lurah)


def _deliver(order, lurah, rt_name, *, fraction: Decimal) -> None:
    quantities = {}
    for line in selectors.order_lines_with_progress(order):
        amount = (line.shortfall * fraction).quantize(Decimal("1"))
        if fraction == 1:
            amount = line.shortfall
        if amount > 0:
            quantities[line.pk] = (amount, Decimal("0"))
    if quantities:
        services.delivery_record(
            order=order,
            actor=lurah,
            delivered_on=timezone.localdate(),
            received_by_name=rt_name,
            quantities=quantities,
            photo=_photo(f"{order.number} diterima"),
            note="Diturunkan di mulut gang, dihitung bersama Ketua RT.",
        )


def pay_due(order, lurah, *, invoice_number: str, reference: str) -> None:
    """Pay the shop, through the real service, what it delivered and was not paid yet."""
    due = selectors.delivered_value(order)
    paid = sum(p.amount for p in order.payments.all())
    if due > paid:
        services.payment_record(
            order=order,
            actor=lurah,
            invoice_number=invoice_number,
            amount=due - paid,
            paid_on=timezone.localdate(),
            reference=reference,
        )


def seed_orders(year: int) -> dict:
    counts = {"pesanan": 0, "sebagian": 0, "lengkap": 0, "bast": 0, "bayar": 0, "dilewati": 0}
    # The set of sites ever designated this year does not change from run to run, so the ones
    # left untouched (the last fifth) are the same on every run.
    sites = list(
        Proposal.objects.filter(fiscal_year__year=year, state__in=selectors.PROCUREMENT_STATES)
        .select_related("kelurahan__kecamatan", "rt", "fiscal_year")
        .order_by("kelurahan__code", "code")
    )
    if len(sites) <= 1:
        return counts
    keep_free = {p.pk for p in sites[-left_unordered(len(sites)) :]}
    ordered = set(
        PurchaseOrder.objects.filter(proposal__in=sites).values_list("proposal_id", flat=True)
    )
    designated = [
        p
        for p in sites
        if p.state == State.DESIGNATED and p.pk not in ordered and p.pk not in keep_free
    ]
    pricey_done = PurchaseOrder.objects.filter(
        proposal__fiscal_year__year=year, lines__justification__contains="banjir"
    ).exists()
    bast_done = Handover.objects.filter(proposal__fiscal_year__year=year).exists()
    for i, proposal in enumerate(designated):
        rng = random.Random(f"pesanan-{proposal.code}")
        lurah = _lurah(proposal)
        pricey, pricey_done = not pricey_done, True
        if lurah is None:
            counts["dilewati"] += 1
            continue
        try:
            order = _order(proposal, lurah, rng, pricey=pricey)
            if order is None:
                counts["dilewati"] += 1
                continue
            counts["pesanan"] += 1
            step = i % 4  # 0: issued only, 1: partly delivered, 2-3: all delivered and paid
            if step == 0:
                continue
            rt_name = proposal.rt.head_name or "Ketua RT"
            if step == 1:
                _deliver(order, lurah, rt_name, fraction=Decimal("0.6"))
                counts["sebagian"] += 1
                continue
            _deliver(order, lurah, rt_name, fraction=Decimal("0.5"))
            _deliver(order, lurah, rt_name, fraction=Decimal("1"))
            counts["lengkap"] += 1
            pay_due(
                order,
                lurah,
                invoice_number=f"INV/{order.supplier.pk:03d}/{order.sequence:03d}",
                reference=f"SP2D {counts['pesanan']:04d}/BB/{order.number_year}",
            )
            counts["bayar"] += 1
            rt_user = _rt_user(proposal)
            if not bast_done and rt_user is not None:
                handover = services.handover_record(
                    proposal=proposal,
                    actor=lurah,
                    handover_date=timezone.localdate(),
                    place=f"Lokasi kegiatan, {proposal.location_description}",
                    first_party_name=lurah.get_full_name() or lurah.username,
                    first_party_position=lurah.position or f"Lurah {proposal.kelurahan.name}",
                    first_party_nip=lurah.nip,
                    second_party_name=proposal.rt.head_name or rt_user.get_full_name(),
                    second_party_position=(
                        f"Ketua RT {proposal.rt.number:02d} Kelurahan {proposal.kelurahan.name}"
                    ),
                    condition_note="Semua material dalam keadaan baik dan lengkap.",
                )
                services.handover_confirm_by_rt(handover=handover, actor=rt_user)
                bast_done = True
                counts["bast"] += 1
        except (ActionRefused, NotInScope):
            counts["dilewati"] += 1
    return counts


def seed() -> str:
    year = demo_year()
    if not FiscalYear.objects.filter(year=year).exists():
        return f"dilewati: tahun anggaran {year} belum ada"
    catalogue = seed_catalogue(year)
    templates = seed_rab_templates(year)
    shops = seed_suppliers()
    accounts = seed_shop_accounts()
    counts = seed_orders(year)
    orders = ", ".join(f"{k} {v}" for k, v in counts.items())
    return (
        f"{catalogue}; {templates} templat RAB baru; {shops} toko baru, "
        f"{accounts} akun toko baru; {orders}"
    )
