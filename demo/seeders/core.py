"""Demo data for the core domain: RTs for every kelurahan, the demo year's rules, accounts."""

import random
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from bangkit import geo
from bangkit.models import (
    RT,
    ChecklistItem,
    FiscalYear,
    Kecamatan,
    Kelurahan,
    RequiredDocument,
    Role,
    SlumArea,
    User,
    WorkType,
)

FIRST_NAMES = [
    "Ahmad",
    "Budi",
    "Syamsul",
    "Hendra",
    "Rahmat",
    "Zulkifli",
    "Junaidi",
    "Sri",
    "Nurhayati",
    "Siti",
    "Darmawan",
    "Effendi",
    "Yusuf",
    "Rusli",
    "Hasan",
    "Maimunah",
    "Fauzi",
    "Irwan",
    "Mulyadi",
    "Ratna",
    "Agus",
    "Suparman",
    "Ismail",
    "Rohani",
    "Firdaus",
    "Kartini",
]
LAST_NAMES = [
    "Hidayat",
    "Saputra",
    "Siregar",
    "Harahap",
    "Nasution",
    "Lubis",
    "Pohan",
    "Rangkuti",
    "Hasibuan",
    "Syahputra",
    "Wijaya",
    "Kurniawan",
    "Setiawan",
    "Gultom",
    "Marpaung",
    "Rambe",
]

KEC_ABBREVIATIONS = {
    "Telanaipura": "TLP",
    "Jambi Selatan": "JS",
    "Jambi Timur": "JT",
    "Pasar Jambi": "PSR",
    "Pelayangan": "PLY",
    "Danau Teluk": "DT",
    "Kota Baru": "KB",
    "Jelutung": "JLT",
    "Alam Barajo": "AB",
    "Danau Sipin": "DS",
    "Paal Merah": "PM",
}

# SK Walikota 166/2016 named 43 of 62 kelurahan; the demo marks a plausible share of them.
SLUM_DECREE = ("166 Tahun 2016", 2016)


def demo_year() -> int:
    return timezone.localdate().year


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def seed_rts() -> int:
    """15–40 RTs per kelurahan, the same numbers every run (seeded by the kelurahan code)."""
    existing = set(RT.objects.values_list("kelurahan_id", "number"))
    new = []
    for kel in Kelurahan.objects.all():
        rng = random.Random(kel.code)
        for number in range(1, rng.randint(15, 40) + 1):
            if (kel.pk, number) in existing:
                continue
            new.append(
                RT(
                    kelurahan=kel,
                    number=number,
                    head_name=_name(rng),
                    head_phone=f"08{rng.randint(11, 13)}{rng.randint(10_000_000, 99_999_999)}",
                    households=rng.choice(
                        [rng.randint(35, 59), rng.randint(60, 99), rng.randint(100, 160)]
                    ),
                )
            )
    RT.objects.bulk_create(new, batch_size=500)
    return len(new)


def seed_slum_areas() -> None:
    for kel in Kelurahan.objects.filter(valid_from_year__lte=2016):
        rng = random.Random("slum" + kel.code)
        if rng.random() < 0.69 and not kel.slum_areas.exists():
            SlumArea.objects.create(
                kelurahan=kel,
                hectares=round(rng.uniform(5, 45), 2),
                decree_number=SLUM_DECREE[0],
                decree_year=SLUM_DECREE[1],
            )


def seed_fiscal_year(year: int) -> FiscalYear:
    fy, _ = FiscalYear.objects.get_or_create(
        year=year,
        defaults={
            "status": FiscalYear.Status.OPEN,
            "regulation": "Peraturan Wali Kota Jambi Nomor 18 Tahun 2025",
            "total_budget": 10_000_000_000,
            "daily_wage": 120_000,
        },
    )
    fy.work_types.add(*WorkType.objects.filter(active=True))
    if not fy.ceiling_tiers.exists() and not fy.ceiling_amount:
        fy.ceiling_tiers.create(min_households=100, max_households=None, amount=100_000_000)
        fy.ceiling_tiers.create(min_households=60, max_households=99, amount=70_000_000)
        fy.ceiling_tiers.create(min_households=0, max_households=59, amount=50_000_000)
    docs = [
        (RequiredDocument.Kind.PROPOSAL_LETTER, "Surat usulan bermeterai dari Ketua RT", 1),
        (RequiredDocument.Kind.SITE_PHOTO, "Foto lokasi sebelum pekerjaan (0%)", 2),
        (RequiredDocument.Kind.ATTENDANCE, "Daftar hadir musyawarah RT", 1),
    ]
    for kind, label, count in docs:
        RequiredDocument.objects.get_or_create(
            fiscal_year=fy, kind=kind, defaults={"label": label, "min_count": count}
        )
    if not fy.checklist_items.exists():
        items = {
            ChecklistItem.Stage.KELURAHAN: [
                "Lokasi sesuai dengan usulan Musrenbang dan berada di RT pengusul",
                "Lahan bebas sengketa / ada surat hibah atau izin pemilik",
                "Surat usulan dan daftar hadir musyawarah RT lengkap dan sah",
                "Foto lokasi 0% menunjukkan kondisi sebenarnya",
                "Volume dan harga satuan RAB wajar",
            ],
            ChecklistItem.Stage.KECAMATAN: [
                "Hasil verifikasi kelurahan lengkap",
                "Kegiatan termasuk jenis yang didanai tahun ini",
                "Total RAB tidak melebihi pagu lokasi",
                "Tidak tumpang tindih dengan kegiatan lain (APBD/APBN/CSR)",
            ],
            ChecklistItem.Stage.REPORT: [
                "Volume terealisasi sesuai foto 100%",
                "Pemakaian material sesuai dengan yang diterima",
                "Daftar hadir gotong-royong lengkap",
            ],
        }
        for stage, texts in items.items():
            for order, text in enumerate(texts, start=1):
                fy.checklist_items.create(stage=stage, text=text, order=order)
    return fy


def seed_accounts() -> int:
    """One account per role and area; all share DEMO_PASSWORD (hashed once: ~1,900 accounts)."""
    password = make_password(settings.DEMO_PASSWORD)
    existing = set(User.objects.values_list("username", flat=True))
    users = []

    def add(username, **fields):
        if username not in existing:
            users.append(User(username=username, password=password, **fields))

    add("bappeda", role=Role.BAPPEDA, is_staff=True, first_name="Staf", last_name="Bappeda")
    add(
        "inspektorat",
        role=Role.INSPEKTORAT,
        is_staff=True,
        first_name="Auditor",
        last_name="Inspektorat",
    )
    add(
        "walikota",
        role=Role.WALIKOTA,
        first_name="Staf",
        last_name="Kantor Walikota",
    )
    add(
        "admin",
        role=Role.ADMIN,
        is_staff=True,
        is_superuser=True,
        first_name="Admin",
        last_name="Sistem",
    )
    # The camat and the lurah of every area, named by a random sequence of their own.
    heads = [(kec, "camat", Role.KECAMATAN, "kecamatan") for kec in Kecamatan.objects.all()]
    heads += [(kel, "lurah", Role.KELURAHAN, "kelurahan") for kel in Kelurahan.objects.all()]
    for area, title, role, field in heads:
        rng = random.Random(title + area.code)
        first, last = _name(rng).split(" ", 1)
        if role == Role.KECAMATAN:
            extra = {"nip": f"19{rng.randint(70, 85)}{rng.randint(10**13, 10**14 - 1)}"}
        else:
            extra = {}
        add(
            f"{title}.{area.slug}",
            role=role,
            first_name=first,
            last_name=last,
            position=f"{title.capitalize()} {area.name}",
            **{field: area},
            **extra,
        )
    for rt in RT.objects.select_related("kelurahan"):
        first, _, last = rt.head_name.partition(" ")
        add(
            f"rt.{rt.kelurahan.slug}.{rt.number:02d}",
            role=Role.RT,
            rt=rt,
            first_name=first,
            last_name=last,
            position=f"Ketua RT {rt.number:02d}",
        )
    User.objects.bulk_create(users, batch_size=500)
    return len(users)


def seed_core() -> dict:
    for kec in Kecamatan.objects.filter(abbreviation=""):
        kec.abbreviation = KEC_ABBREVIATIONS.get(kec.name, kec.slug[:3].upper())
        kec.address = f"Kantor Camat {kec.name}, Kota Jambi"
        kec.save(update_fields=["abbreviation", "address"])
    rts = seed_rts()
    seed_slum_areas()
    fy = seed_fiscal_year(demo_year())
    accounts = seed_accounts()
    return {"rt_baru": rts, "akun_baru": accounts, "tahun": fy.year}


# --- Where a demo site lies -------------------------------------------------------------------


def inside(kelurahan, lat, lon) -> bool:
    """The point lies in the kelurahan's boundary (anywhere, for a kelurahan without one)."""
    return not kelurahan.boundary or geo.contains(kelurahan.boundary, lat, lon)


def point_in(kelurahan, rng: random.Random) -> tuple:
    """A point drawn inside the kelurahan's boundary; its centre without one; none without
    either (the public map places a site only inside its kelurahan)."""
    if kelurahan.boundary:
        return geo.random_point(kelurahan.boundary, rng)
    if kelurahan.centroid_lat is not None:
        return (kelurahan.centroid_lat, kelurahan.centroid_lon)
    return (None, None)


def coord(value) -> Decimal | None:
    """A latitude or longitude as the models keep it (six decimals)."""
    return None if value is None else Decimal(f"{value:.6f}")


def site_point(kelurahan, rng: random.Random, lat=None, lon=None) -> tuple:
    """(lat, lon) of a site in the kelurahan: the given point when it lies inside, else one
    drawn inside (as the kelurahan would pin a site whose point fell outside)."""
    if lat is not None and lon is not None and inside(kelurahan, lat, lon):
        return lat, lon
    lat, lon = point_in(kelurahan, rng)
    if lat is None:  # a kelurahan without boundary or centre: somewhere in the city's middle
        lat, lon = rng.uniform(-1.64, -1.58), rng.uniform(103.58, 103.66)
    return coord(lat), coord(lon)
