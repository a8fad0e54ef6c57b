"""Demo proposals: Musrenbang entries, then proposals walked through the real services."""

import io
import math
import random
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image, ImageDraw, ImageFont
from simple_history.utils import bulk_create_with_history

from bangkit.models import RT, FiscalYear, Kelurahan, Role, User, WorkType
from demo.seeders.core import demo_year, site_point
from proposals import services
from proposals.forms import line_total
from proposals.importing import musrenbang_import
from proposals.models import MusrenbangEntry, Proposal
from proposals.services import RABInput

SAMPLE_FILE = Path(settings.BASE_DIR) / "fixtures" / "musrenbang_sample.csv"
FOCUS_PREFIX = "DEMO"

# --- Materials at Kota Jambi prices (names as in fixtures/reference_prices_2026.csv) -----------

SEMEN = ("Semen Portland 50 kg", "sak", 75_000)
PASIR_COR = ("Pasir cor", "m³", 250_000)
PASIR_PASANG = ("Pasir pasang", "m³", 230_000)
SPLIT = ("Batu split 1/2", "m³", 350_000)
BATU_KALI = ("Batu kali", "m³", 285_000)
BESI_10 = ("Besi beton 10 mm", "batang", 95_000)
BESI_8 = ("Besi beton 8 mm", "batang", 62_000)
KAWAT = ("Kawat bendrat", "kg", 28_000)
PAPAN_COR = ("Papan cor 2x20x400 cm", "lembar", 45_000)
KASO = ("Kayu kaso 5x7x400 cm", "batang", 52_000)
PAKU = ("Paku 7 cm", "kg", 25_000)
BUIS_60 = ("Buis beton 60 cm", "buah", 175_000)
BATA = ("Bata merah", "buah", 950)
PIPA_3 = ("Pipa PVC 3 inci", "batang", 148_000)
PIPA_4 = ("Pipa PVC 4 inci", "batang", 215_000)
LEM_PVC = ("Lem PVC 400 g", "buah", 32_000)
KLOSET = ("Kloset jongkok", "buah", 190_000)
PINTU = ("Pintu PVC kamar mandi", "set", 365_000)
SENG = ("Seng gelombang BJLS 0,20", "lembar", 62_000)
CAT = ("Cat kayu dan besi 1 kg", "buah", 68_000)
POMPA = ("Pompa air sumur dalam 250 W", "unit", 1_450_000)
TANDON = ("Tandon air 1.000 liter", "unit", 1_350_000)
KABEL = ("Kabel NYM 2x1,5 mm", "m", 7_500)


def _up(x: float) -> Decimal:
    """Whole units, rounded up (nobody buys 0.3 sak)."""
    return Decimal(max(1, math.ceil(x - 1e-9)))


def _m3(x: float) -> Decimal:
    """Bulk material in half cubic metres, at least half a cubic metre."""
    return max(Decimal("0.5"), (Decimal(str(x)) * 2).quantize(Decimal("1"), ROUND_HALF_UP) / 2)


def _lines(*items) -> list[RABInput]:
    return [RABInput(m, unit, qty, price) for (m, unit, price), qty in items]


def rab_rabat_beton(length: float, width: float) -> list[RABInput]:
    concrete = length * width * 0.1  # 10 cm slab, 1:2:3 mix
    boards = _up(length / 2)  # both edges, 4 m boards
    return _lines(
        (SEMEN, _up(concrete * 7)),
        (PASIR_COR, _m3(concrete * 0.5)),
        (SPLIT, _m3(concrete * 0.8)),
        (PAPAN_COR, boards),
        (PAKU, _up(float(boards) / 10)),
    )


def rab_drainase(length: float, width: float) -> list[RABInput]:
    return _lines(
        (BATA, _up(length * 70)),
        (SEMEN, _up(length * 0.9)),
        (PASIR_PASANG, _m3(length * 0.12)),
    )


def rab_gorong_gorong(units: float, width: float) -> list[RABInput]:
    return _lines(
        (BUIS_60, _up(units * 6)),
        (SEMEN, _up(units * 8)),
        (PASIR_COR, _m3(units * 0.8)),
        (SPLIT, _m3(units * 0.6)),
        (BESI_10, _up(units * 6)),
        (KAWAT, _up(units)),
    )


def rab_talud(length: float, width: float) -> list[RABInput]:
    return _lines(
        (BATU_KALI, _m3(length * 0.7)),
        (SEMEN, _up(length * 1.8)),
        (PASIR_PASANG, _m3(length * 0.25)),
        (PIPA_3, _up(length / 8)),  # weep holes
    )


def rab_mck(units: float, width: float) -> list[RABInput]:
    return _lines(
        (BATA, _up(units * 2500)),
        (SEMEN, _up(units * 35)),
        (PASIR_PASANG, _m3(units * 3)),
        (SPLIT, _m3(units * 1.5)),
        (BESI_10, _up(units * 16)),
        (KLOSET, _up(units * 2)),
        (PINTU, _up(units * 2)),
        (PIPA_4, _up(units * 4)),
        (BUIS_60, _up(units * 3)),  # septic tank rings
        (SENG, _up(units * 10)),
        (KASO, _up(units * 14)),
        (PAKU, _up(units * 3)),
    )


def rab_jembatan(length: float, width: float) -> list[RABInput]:
    slab = length * width * 0.15
    return _lines(
        (BATU_KALI, _m3(4)),  # two abutments
        (SEMEN, _up(slab * 7 + 12)),
        (PASIR_COR, _m3(slab * 0.5 + 1)),
        (SPLIT, _m3(slab * 0.8)),
        (BESI_10, _up(length * width * 6)),
        (BESI_8, _up(length * 4)),  # railing
        (KAWAT, _up(length / 3)),
        (PAPAN_COR, _up(length * width * 2)),
        (CAT, _up(length / 3)),
    )


def rab_pos_ronda(units: float, width: float) -> list[RABInput]:
    return _lines(
        (KASO, _up(units * 24)),
        (PAPAN_COR, _up(units * 30)),
        (SENG, _up(units * 12)),
        (SEMEN, _up(units * 8)),
        (PASIR_COR, _m3(units * 0.5)),
        (BATA, _up(units * 400)),
        (PAKU, _up(units * 5)),
        (CAT, _up(units * 4)),
    )


def rab_sumur_bor(units: float, width: float) -> list[RABInput]:
    return _lines(
        (PIPA_3, _up(units * 10)),  # 40 m of casing
        (LEM_PVC, _up(units * 2)),
        (POMPA, _up(units)),
        (TANDON, _up(units)),
        (KABEL, _up(units * 50)),
        (BESI_8, _up(units * 12)),  # tank stand
        (SEMEN, _up(units * 6)),
        (PASIR_COR, _m3(units * 0.5)),
    )


RAB_BUILDERS = {
    "rabat-beton": rab_rabat_beton,
    "drainase": rab_drainase,
    "gorong-gorong": rab_gorong_gorong,
    "talud": rab_talud,
    "mck": rab_mck,
    "jembatan-kecil": rab_jembatan,
    "pos-ronda": rab_pos_ronda,
    "sumur-bor": rab_sumur_bor,
}


def _total(lines: list[RABInput]) -> int:
    return sum(line_total(line.quantity, line.unit_price) for line in lines)


def plan_rab(work_type: WorkType, volume: Decimal, width: Decimal | None, ceiling: int | None):
    """The RAB for this volume; shorter works if the RT's ceiling would be exceeded."""
    build = RAB_BUILDERS.get(work_type.code, rab_rabat_beton)
    width_m = float(width or 1)
    step = Decimal("1") if work_type.unit == "unit" else Decimal("0.5")
    volume = max(Decimal("1"), volume)
    lines = build(float(volume), width_m)
    limit = int((ceiling or 50_000_000) * 0.9)
    # Costs are not proportional to the volume (a bridge has two abutments whatever its
    # length), so scaling by limit/total may round back to the same volume: every pass takes
    # at least one step off, and the loop ends at volume 1 at the latest.
    while _total(lines) > limit and volume > 1:
        factor = Decimal(limit) / Decimal(_total(lines))
        scaled = (volume * factor / step).to_integral_value(ROUND_FLOOR) * step
        volume = max(Decimal("1"), min(scaled, volume - step))
        lines = build(float(volume), width_m)
    return volume, lines


# --- Generated documents ------------------------------------------------------------------------


def site_photo(seed: str, caption: str) -> bytes:
    """A 640×480 JPEG drawing of a gang before the works: houses, a muddy path, a ditch."""
    rng = random.Random(seed)
    img = Image.new("RGB", (640, 480), (150 + rng.randint(0, 40), 190, 225))
    draw = ImageDraw.Draw(img)
    horizon = 200 + rng.randint(-20, 20)
    draw.rectangle([0, horizon, 640, 480], fill=(96, 122, 70))  # grass and weeds
    x = -20
    while x < 640:  # a row of houses on each side
        w = rng.randint(70, 120)
        h = rng.randint(60, 110)
        wall = rng.choice([(222, 205, 170), (190, 210, 200), (235, 225, 205), (200, 170, 150)])
        draw.rectangle([x, horizon - h, x + w, horizon + 10], fill=wall, outline=(90, 80, 70))
        roof = rng.choice([(150, 60, 40), (110, 110, 120), (170, 90, 50)])
        draw.polygon(
            [(x - 8, horizon - h), (x + w // 2, horizon - h - 35), (x + w + 8, horizon - h)],
            fill=roof,
        )
        draw.rectangle([x + w // 3, horizon - 40, x + w // 3 + 18, horizon + 10], fill=(90, 60, 40))
        x += w + rng.randint(10, 30)
    # The gang: a dirt path narrowing towards the horizon, with puddles.
    top_left, top_right = 300 + rng.randint(-15, 0), 340 + rng.randint(0, 15)
    draw.polygon(
        [(120, 480), (520, 480), (top_right, horizon + 12), (top_left, horizon + 12)],
        fill=(139, 110, 75),
    )
    for _ in range(rng.randint(3, 6)):
        py = rng.randint(horizon + 60, 460)
        spread = (py - horizon) / (480 - horizon)
        px = 320 + int(rng.uniform(-150, 150) * spread)
        pw, ph = int(rng.randint(30, 70) * spread) + 6, int(rng.randint(8, 18) * spread) + 3
        draw.ellipse([px - pw, py - ph, px + pw, py + ph], fill=(110, 120, 125))
    # A ditch along the right edge of the path, choked with rubbish.
    draw.line([(540, 480), (top_right + 12, horizon + 12)], fill=(55, 60, 50), width=10)
    for _ in range(8):
        ry = rng.randint(horizon + 40, 470)
        draw.rectangle(
            [540 - (480 - ry) // 2, ry, 548 - (480 - ry) // 2, ry + 4], fill=(200, 60, 60)
        )
    draw.rectangle([0, 448, 640, 480], fill=(20, 20, 20))
    draw.text((10, 456), caption, fill=(255, 255, 255), font=ImageFont.load_default())
    buffer = io.BytesIO()
    img.save(buffer, format="JPEG", quality=70, optimize=True)
    return buffer.getvalue()


def _pdf_text(text: str) -> str:
    safe = text.encode("latin-1", "replace").decode("latin-1")
    return safe.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def simple_pdf(title: str, lines: list[str]) -> bytes:
    """A one-page A4 PDF with a title and lines of text (a letter or an attendance list)."""
    content = ["BT", "/F1 14 Tf", "56 780 Td", f"({_pdf_text(title)}) Tj", "/F1 11 Tf"]
    for line in lines:
        content += ["0 -18 Td", f"({_pdf_text(line)}) Tj"]
    content.append("ET")
    stream = "\n".join(content).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


# --- Musrenbang entries --------------------------------------------------------------------------

# fmt: off
GANGS = [
    "Mawar", "Melati", "Kenanga", "Anggrek", "Dahlia", "Cempaka", "Teratai", "Seroja",
    "Kamboja", "Bougenville", "Ikhlas", "Sepakat", "Rukun", "Bersama", "Karya", "Swadaya",
    "Mesjid", "Damai", "Sejahtera", "Bahagia", "Langgar", "Pinang", "Kelapa",
]
# fmt: on
NAMES = ["Rahmat", "Budi", "Ahmad", "Junaidi", "Darmawan", "Hasan", "Syamsul", "Yusuf", "Rusli"]
ENTRY_TEMPLATES = {
    "rabat-beton": (
        ["Pembangunan rabat beton gang {g} RT {rt}", "Semenisasi jalan setapak lorong {g}"],
        [
            "Jalan gang masih tanah, becek dan licin saat hujan",
            "Jalan setapak berlubang, anak sekolah sering jatuh",
            "Akses warga ke jalan utama hanya jalan tanah sepanjang {v} meter",
        ],
        (50, 220),
        260_000,
    ),
    "drainase": (
        ["Pembangunan drainase gang {g} RT {rt}", "Normalisasi parit lingkungan gang {g}"],
        [
            "Parit tersumbat, rumah warga tergenang saat hujan deras",
            "Genangan air menjadi sarang nyamuk, warga terkena DBD",
        ],
        (60, 190),
        300_000,
    ),
    "gorong-gorong": (
        [
            "Penggantian gorong-gorong yang runtuh di gang {g}",
            "Pembuatan gorong-gorong simpang gang {g}",
        ],
        [
            "Gorong-gorong lama runtuh, air meluap ke jalan",
            "Air parit tidak bisa mengalir ke saluran utama",
        ],
        (1, 3),
        3_500_000,
    ),
    "talud": (
        ["Pembangunan talud penahan tanah di tepi parit gang {g}"],
        ["Tebing longsor mengancam rumah warga", "Tanah di tepi parit terus tergerus saat banjir"],
        (15, 60),
        650_000,
    ),
    "mck": (
        ["Pembangunan MCK umum RT {rt}"],
        ["Sebagian warga belum memiliki jamban sehat dan masih BAB di sungai"],
        (1, 1),
        16_000_000,
    ),
    "jembatan-kecil": (
        ["Pembangunan jembatan titian gang {g}"],
        ["Titian kayu lapuk, warga dan anak sekolah menyeberang parit dengan berbahaya"],
        (6, 14),
        1_900_000,
    ),
    "pos-ronda": (
        ["Pembangunan pos ronda RT {rt}"],
        ["Belum ada pos ronda, keamanan lingkungan kurang terjaga"],
        (1, 1),
        7_000_000,
    ),
    "sumur-bor": (
        ["Pembuatan sumur bor air bersih RT {rt}"],
        ["Air sumur warga keruh dan berbau pada musim kemarau"],
        (1, 1),
        6_500_000,
    ),
}
WORK_TYPE_WEIGHTS = {
    "rabat-beton": 34,
    "drainase": 26,
    "gorong-gorong": 10,
    "talud": 10,
    "mck": 6,
    "jembatan-kecil": 5,
    "pos-ronda": 5,
    "sumur-bor": 4,
}
LOCATIONS = [
    "Gang {g} RT {rt}",
    "Lorong {g}, dari masjid sampai ujung gang",
    "Jl. {g} samping rumah Pak {n}",
    "Belakang SD gang {g}",
]


def _city_user(role: str) -> User | None:
    return User.objects.filter(role=role, is_active=True).order_by("username").first()


def seed_entries(year: int) -> tuple[int, str]:
    """The year's Musrenbang wish-list: the sample file through the real importer if there is
    one, otherwise ~150 entries written directly. Nothing happens once the year has entries."""
    if (
        MusrenbangEntry.objects.filter(year=year)
        .exclude(source_id__startswith=FOCUS_PREFIX)
        .exists()
    ):
        return 0, "sudah ada"
    if SAMPLE_FILE.exists():
        report = musrenbang_import(
            file_or_rows=SAMPLE_FILE, year=year, actor=_city_user(Role.BAPPEDA), skip_invalid=True
        )
        if report.saved:
            return report.new, f"impor {SAMPLE_FILE.name}"
    return create_entries(year), "dibuat langsung"


def create_entries(year: int) -> int:
    """About 150 entries spread over every kelurahan of the year, the same on every run."""
    work_types = {w.code: w for w in WorkType.objects.filter(code__in=WORK_TYPE_WEIGHTS)}
    codes = [c for c in WORK_TYPE_WEIGHTS if c in work_types]
    weights = [WORK_TYPE_WEIGHTS[c] for c in codes]
    rts_by_kelurahan: dict[int, list[RT]] = {}
    for rt in RT.objects.filter(households__gt=0, active=True).order_by("number"):
        rts_by_kelurahan.setdefault(rt.kelurahan_id, []).append(rt)
    entries = []
    kelurahan_list = Kelurahan.objects.existing_in(year).order_by("code")
    for kel in kelurahan_list:
        rng = random.Random(f"musrenbang-{year}-{kel.code}")
        rts = rts_by_kelurahan.get(kel.pk)
        if not rts or not codes:
            continue
        for _ in range(rng.choice([1, 2, 2, 3, 3])):
            rt = rng.choice(rts)
            code = rng.choices(codes, weights)[0]
            titles, problems, (low, high), unit_cost = ENTRY_TEMPLATES[code]
            volume = Decimal(rng.randint(low, high))
            fields = {"g": rng.choice(GANGS), "rt": f"{rt.number:02d}", "n": rng.choice(NAMES)}
            point = site_point(kel, rng)
            entries.append(
                MusrenbangEntry(
                    year=year,
                    source_id=f"MR-{year}-{len(entries) + 1:04d}",
                    kelurahan=kel,
                    rt=rt,
                    title=rng.choice(titles).format(**fields),
                    problem=rng.choice(problems).format(v=volume, **fields),
                    work_type=work_types[code],
                    work_type_text=work_types[code].name,
                    location_text=rng.choice(LOCATIONS).format(**fields),
                    volume=volume,
                    unit=work_types[code].unit,
                    estimated_cost=int(volume * unit_cost) // 50_000 * 50_000,
                    priority=rng.randint(1, 5),
                    proposer=rng.choice(
                        [f"Ketua RT {fields['rt']}", "Karang Taruna", "PKK", "Majelis Taklim"]
                    ),
                    latitude=point[0],
                    longitude=point[1],
                )
            )
    bulk_create_with_history(entries, MusrenbangEntry, default_user=_city_user(Role.BAPPEDA))
    return len(entries)


# --- Which proposals the demo shows, and how far each goes ---------------------------------------


@dataclass(frozen=True)
class Focus:
    """An entry made for the demo accounts, so each of them finds work on signing in."""

    kelurahan: str
    rt: int
    work_type: str
    title: str
    problem: str
    location: str
    volume: int
    path: str


# fmt: off
FOCUS = [
    # rt.simpang-iv-sipin.01: a complete draft to submit, and one returned for revision.
    Focus("simpang-iv-sipin", 1, "rabat-beton", "Rabat beton gang Mawar RT 01",
          "Jalan gang tanah, becek dan licin saat hujan; motor warga sering terjatuh",
          "Gang Mawar, dari Jl. Sunan Gunung Jati sampai ujung gang", 120, "draft"),
    Focus("simpang-iv-sipin", 1, "drainase", "Perbaikan drainase lorong Sepakat RT 01",
          "Parit dangkal dan tersumbat, air masuk ke rumah warga saat hujan deras",
          "Lorong Sepakat RT 01", 90, "returned"),
    Focus("simpang-iv-sipin", 1, "pos-ronda", "Pembangunan pos ronda RT 01",
          "Belum ada pos ronda; ronda malam berkumpul di teras rumah warga",
          "Simpang gang Mawar RT 01", 1, "submitted"),
    # lurah.simpang-iv-sipin: submitted proposals waiting for verification.
    Focus("simpang-iv-sipin", 2, "rabat-beton", "Semenisasi lorong Kenanga RT 02",
          "Jalan setapak berlubang, anak sekolah sering jatuh",
          "Lorong Kenanga, dari masjid sampai ujung gang", 150, "submitted"),
    Focus("simpang-iv-sipin", 3, "gorong-gorong", "Penggantian gorong-gorong gang Dahlia RT 03",
          "Gorong-gorong lama runtuh, air meluap ke jalan",
          "Simpang gang Dahlia RT 03", 2, "submitted"),
    Focus("simpang-iv-sipin", 4, "drainase", "Pembangunan drainase gang Anggrek RT 04",
          "Genangan air menjadi sarang nyamuk, warga terkena DBD",
          "Gang Anggrek RT 04", 110, "submitted"),
    Focus("simpang-iv-sipin", 6, "talud", "Talud penahan tanah tepi parit gang Rukun RT 06",
          "Tebing parit longsor mengancam dua rumah warga",
          "Gang Rukun RT 06, belakang langgar", 30, "rejected"),
    # camat.telanaipura: verified by the kelurahan, waiting for the kecamatan.
    Focus("simpang-iv-sipin", 7, "rabat-beton", "Rabat beton gang Teratai RT 07",
          "Akses warga ke jalan utama hanya jalan tanah sepanjang 95 meter",
          "Gang Teratai RT 07", 95, "kelurahan_verified"),
    Focus("pematang-sulur", 2, "rabat-beton", "Semenisasi jalan setapak lorong Seroja RT 02",
          "Jalan gang masih tanah, becek dan licin saat hujan",
          "Lorong Seroja RT 02", 140, "kelurahan_verified"),
    Focus("teluk-kenali", 3, "drainase", "Normalisasi parit gang Bersama RT 03",
          "Parit tersumbat, rumah warga tergenang saat hujan deras",
          "Gang Bersama RT 03", 120, "kelurahan_verified"),
    Focus("telanaipura", 4, "jembatan-kecil", "Pembangunan jembatan titian gang Pinang RT 04",
          "Titian kayu lapuk di atas parit besar, dilalui anak sekolah setiap hari",
          "Ujung gang Pinang RT 04", 8, "kelurahan_verified"),
    Focus("buluran-kenali", 5, "sumur-bor", "Sumur bor air bersih RT 05",
          "Air sumur warga keruh dan berbau pada musim kemarau",
          "Halaman langgar Al-Ikhlas RT 05", 1, "kecamatan_verified"),
    Focus("penyengat-rendah", 2, "talud", "Talud tepi Sungai Batanghari gang Langgar RT 02",
          "Tanah di tepi sungai terus tergerus saat air pasang",
          "Gang Langgar RT 02", 40, "deferred"),
    Focus("aur-kenali", 3, "rabat-beton", "Rabat beton gang Swadaya RT 03",
          "Jalan setapak becek, warga lansia sulit lewat",
          "Gang Swadaya RT 03", 80, "cancelled_by_kelurahan"),
]
# fmt: on

# Proposals over the rest of the city, outside Telanaipura: every path twice, plus a few.
SPREAD = [
    "draft",
    "draft_incomplete",
    "submitted",
    "kelurahan_verified",
    "kecamatan_verified",
    "rejected",
    "rejected_by_kecamatan",
    "deferred",
    "cancelled",
    "cancelled_by_kelurahan",
] * 2 + ["kelurahan_verified", "kecamatan_verified", "deferred"]

VERIFY_NOTES = [
    "Sudah ditinjau ke lokasi bersama Ketua RT; kondisi sesuai foto dan usulan.",
    "Lokasi dicek, lahan milik bersama warga, volume wajar.",
    "Berkas lengkap, harga satuan sesuai harga toko bangunan setempat.",
]
RETURN_NOTES = [
    "Foto lokasi 0% belum memperlihatkan titik awal dan akhir pekerjaan; mohon difoto ulang "
    "dan volume RAB disesuaikan dengan panjang sebenarnya.",
    "Daftar hadir musyawarah RT belum ditandatangani Ketua RT; mohon dilengkapi.",
]
REJECT_NOTES = [
    "Lokasi berada di atas lahan pribadi tanpa surat hibah dari pemilik.",
    "Lokasi yang sama sudah dibangun lewat program KOTAKU tahun lalu.",
    "Jalan tersebut jalan kota; akan ditangani Dinas PUPR, bukan swadaya RT.",
]
DEFER_NOTES = [
    "Pagu kecamatan tahun ini sudah habis; diprioritaskan tahun anggaran berikutnya.",
    "Menunggu selesainya pemasangan pipa PDAM di lokasi yang sama.",
]
CANCEL_NOTES = [
    "Warga sepakat membatalkan: lokasi akan dibangun pengembang perumahan.",
    "Lokasi sudah diperbaiki warga secara swadaya penuh setelah banjir.",
]

# How far each path goes: (action, who, kind of note). Drafts stop before any transition.
PATHS = {
    "draft": [],
    "draft_incomplete": [],
    "returned": [("submit", Role.RT, None), ("return_for_revision", Role.KELURAHAN, RETURN_NOTES)],
    "submitted": [("submit", Role.RT, None)],
    "kelurahan_verified": [
        ("submit", Role.RT, None),
        ("verify_kelurahan", Role.KELURAHAN, VERIFY_NOTES),
    ],
    "kecamatan_verified": [
        ("submit", Role.RT, None),
        ("verify_kelurahan", Role.KELURAHAN, VERIFY_NOTES),
        ("verify_kecamatan", Role.KECAMATAN, VERIFY_NOTES),
    ],
    "rejected": [("submit", Role.RT, None), ("reject", Role.KELURAHAN, REJECT_NOTES)],
    "rejected_by_kecamatan": [
        ("submit", Role.RT, None),
        ("verify_kelurahan", Role.KELURAHAN, VERIFY_NOTES),
        ("reject", Role.KECAMATAN, REJECT_NOTES),
    ],
    "deferred": [
        ("submit", Role.RT, None),
        ("verify_kelurahan", Role.KELURAHAN, VERIFY_NOTES),
        ("verify_kecamatan", Role.KECAMATAN, VERIFY_NOTES),
        ("defer", Role.KECAMATAN, DEFER_NOTES),
    ],
    "cancelled": [("cancel", Role.RT, CANCEL_NOTES)],
    "cancelled_by_kelurahan": [("submit", Role.RT, None), ("cancel", Role.KELURAHAN, CANCEL_NOTES)],
}


def demo_entry(year, source_id, rt, work_type, *, title, problem, location, volume, priority):
    """A Musrenbang entry of the walked demo (the RT's own), made once: (entry, created)."""
    return MusrenbangEntry.objects.get_or_create(
        year=year,
        source_id=source_id,
        defaults={
            "kelurahan": rt.kelurahan,
            "rt": rt,
            "title": title,
            "problem": problem,
            "work_type": work_type,
            "work_type_text": work_type.name,
            "location_text": location,
            "volume": Decimal(volume),
            "unit": work_type.unit,
            "priority": priority,
            "proposer": f"Ketua RT {rt.number:02d}",
        },
    )


def _focus_entries(year: int) -> tuple[list[tuple[MusrenbangEntry, str]], int]:
    work_types = {w.code: w for w in WorkType.objects.all()}
    planned, created = [], 0
    for number, focus in enumerate(FOCUS, start=1):
        rt = (
            RT.objects.filter(kelurahan__slug=focus.kelurahan, number=focus.rt, rw="")
            .select_related("kelurahan")
            .first()
        )
        work_type = work_types.get(focus.work_type)
        if rt is None or work_type is None:
            continue
        entry, is_new = demo_entry(
            year,
            f"{FOCUS_PREFIX}-{year}-{number:03d}",
            rt,
            work_type,
            title=focus.title,
            problem=focus.problem,
            location=focus.location,
            volume=focus.volume,
            priority=1,
        )
        planned.append((entry, focus.path))
        created += is_new
    return planned, created


def _spread_entries(year: int) -> list[tuple[MusrenbangEntry, str]]:
    """Entries of RTs with accounts outside Telanaipura, chosen the same way on every run."""
    candidates = list(
        MusrenbangEntry.objects.filter(
            year=year, rt__isnull=False, rt__households__gt=0, work_type__isnull=False
        )
        .exclude(source_id__startswith=FOCUS_PREFIX)
        .exclude(kelurahan__kecamatan__slug="telanaipura")
        .order_by("source_id")
    )
    random.Random(f"proposals-{year}").shuffle(candidates)
    return list(zip(candidates, SPREAD, strict=False))


class _People:
    """The demo account of each role for a proposal's area (cached: few areas, many steps)."""

    def __init__(self):
        self.cache: dict = {}

    def get(self, role: str, entry: MusrenbangEntry) -> User | None:
        area = {
            Role.RT: ("rt", entry.rt_id),
            Role.KELURAHAN: ("kelurahan", entry.kelurahan_id),
            Role.KECAMATAN: ("kecamatan", entry.kelurahan.kecamatan_id),
        }[role]
        key = (role, area)
        if key not in self.cache:
            self.cache[key] = (
                User.objects.filter(role=role, is_active=True, **{f"{area[0]}_id": area[1]})
                .order_by("username")
                .first()
            )
        return self.cache[key]


def _upload(name: str, content: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def walk(entry: MusrenbangEntry, path: str, people: _People) -> Proposal | None:
    """Create the proposal from its entry and move it along `path`, as the users would."""
    rng = random.Random(f"{entry.year}-{entry.source_id}")
    actors = {role: people.get(role, entry) for role in (Role.RT, Role.KELURAHAN, Role.KECAMATAN)}
    if any(user is None for user in actors.values()):
        return None
    rt_user = actors[Role.RT]
    work_type = entry.work_type
    width = Decimal(rng.choice(["1.00", "1.20", "1.50"])) if work_type.has_width else None
    proposal = services.proposal_create_from_entry(entry=entry, actor=rt_user, planned_width=width)
    volume, lines = plan_rab(work_type, entry.volume or Decimal("1"), width, proposal.ceiling)
    households = min(entry.rt.households, rng.randint(15, 60))
    # The entry's point when it lies in the kelurahan (an imported one may not), else the
    # Ketua RT pins the site inside it: the public map shows a site only there.
    lat, lon = site_point(
        entry.kelurahan, random.Random(f"point-{entry.source_id}"), entry.latitude, entry.longitude
    )
    services.proposal_update(
        proposal=proposal,
        actor=rt_user,
        data={
            "latitude": lat,
            "longitude": lon,
            "planned_volume": volume,
            "households_benefiting": households,
            "people_benefiting": households * rng.randint(3, 5),
            "contribution_labour_people": rng.randint(15, 45),
            "contribution_cash": rng.choice([0, 500_000, 1_000_000, 1_500_000, 2_500_000]),
            "contribution_materials": rng.choice(
                [
                    "Pasir urug dan konsumsi gotong-royong",
                    "Konsumsi gotong-royong dan sewa molen",
                    "Kayu bekisting bekas dan air minum pekerja",
                ]
            ),
            "contribution_materials_value": rng.randrange(1_000_000, 4_000_000, 250_000),
        },
        rab_lines=lines,
    )
    _attach_documents(proposal, entry, rt_user, complete=path != "draft_incomplete")
    for action, role, notes in PATHS[path]:
        stage = services.CHECKLIST_STAGE.get(action)
        checklist = None
        if stage:
            items = proposal.fiscal_year.checklist_items.filter(stage=stage)
            checklist = {str(pk): True for pk in items.values_list("pk", flat=True)}
        proposal = services.proposal_transition(
            proposal=proposal,
            actor=actors[role],
            action=action,
            note=rng.choice(notes) if notes else "",
            checklist=checklist,
        )
    return proposal


def _attach_documents(proposal, entry, rt_user, *, complete: bool) -> None:
    rt_label = f"RT {entry.rt.number:02d} Kel. {entry.kelurahan.name}"
    letter = simple_pdf(
        "Surat Usulan Kegiatan Bangkit Berdaya",
        [
            f"Kepada Yth. Lurah {entry.kelurahan.name}",
            f"Dengan hormat, kami warga {rt_label} mengusulkan kegiatan:",
            f"{proposal.title}",
            f"Lokasi: {proposal.location_description}",
            "Pekerjaan dilaksanakan secara gotong-royong oleh warga.",
            f"Ketua RT {entry.rt.number:02d}: {entry.rt.head_name or rt_user.get_full_name()}",
        ],
    )
    add = services.attachment_add
    add(
        proposal=proposal,
        actor=rt_user,
        kind="proposal_letter",
        upload=_upload("surat-usulan.pdf", letter, "application/pdf"),
    )
    photos = 2 if complete else 1
    for number in range(1, photos + 1):
        caption = f"Foto 0% ({number}) - {proposal.location_description[:60]}"
        photo = site_photo(f"{proposal.code}-{number}", caption)
        add(
            proposal=proposal,
            actor=rt_user,
            kind="site_photo",
            upload=_upload(f"foto-lokasi-{number}.jpg", photo, "image/jpeg"),
        )
    if complete:
        attendance = simple_pdf(
            f"Daftar Hadir Musyawarah {rt_label}",
            [f"{i}. Warga {rt_label} ........ (tanda tangan)" for i in range(1, 21)],
        )
        add(
            proposal=proposal,
            actor=rt_user,
            kind="attendance",
            upload=_upload("daftar-hadir.pdf", attendance, "application/pdf"),
        )


@transaction.atomic
def seed() -> str:
    """Entries and proposals of the demo year; run again, it creates nothing new."""
    year = demo_year()
    fiscal_year = FiscalYear.objects.filter(year=year).first()
    if fiscal_year is None:
        return f"dilewati: tahun anggaran {year} belum ada (jalankan data inti demo dulu)"
    new_entries, source = seed_entries(year)
    focus, new_focus = _focus_entries(year)
    new_entries += new_focus
    planned = focus + _spread_entries(year)
    if fiscal_year.status != FiscalYear.Status.OPEN:
        return (
            f"{new_entries} usulan Musrenbang baru; "
            f"usulan kegiatan dilewati (tahun {year} tidak dibuka)"
        )
    people = _People()
    made: dict[str, int] = {}
    for entry, path in planned:
        if entry.proposals.exists():
            continue
        proposal = walk(entry, path, people)
        if proposal is not None:
            made[proposal.state] = made.get(proposal.state, 0) + 1
    states = ", ".join(f"{state} {count}" for state, count in sorted(made.items()))
    return (
        f"{new_entries} usulan Musrenbang baru ({source}), "
        f"{sum(made.values())} usulan kegiatan baru" + (f" ({states})" if states else "")
    )
