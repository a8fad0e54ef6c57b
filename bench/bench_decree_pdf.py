"""Time the SK Camat PDF with 100 locations (target: under 3 s): python bench/bench_decree_pdf.py

Builds the decree in memory (no database), renders it three times and prints the best wall
and CPU times (CPU time is the steadier figure on a busy machine);
`--out FILE` also writes the PDF to look at.
"""

import argparse
import os
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bangkit.settings")
os.environ.setdefault("DEBUG", "True")

import django  # noqa: E402

django.setup()

from bangkit.models import RT, FiscalYear, Kecamatan, Kelurahan, WorkType  # noqa: E402
from proposals.models import Proposal  # noqa: E402
from verification.decrees.pdf import fill_placeholders, lines, render_decree_pdf  # noqa: E402
from verification.decrees.wording import (  # noqa: E402
    DEFAULT_CLAUSES,
    DEFAULT_MENGINGAT,
    DEFAULT_MENIMBANG,
    DEFAULT_TEMBUSAN,
)
from verification.models import Decree, DecreeLocation  # noqa: E402

KELURAHAN = ["Simpang IV Sipin", "Telanaipura", "Teluk Kenali", "Buluran Kenali", "Pematang Sulur"]
WORK = [
    ("Jalan setapak / rabat beton", "m", Decimal("1.50")),
    ("Drainase / saluran lingkungan", "m", None),
    ("MCK", "unit", None),
    ("Gorong-gorong", "unit", None),
]


def build(count: int, paper: str = "F4"):
    kec = Kecamatan(
        code="15.71.07",
        name="Telanaipura",
        slug="telanaipura",
        abbreviation="TLP",
        address="Jalan Arif Rahman Hakim No. 1, Telanaipura, Kota Jambi 36122",
    )
    fy = FiscalYear(year=2026)
    values = {"year": 2026, "kecamatan": kec.name}
    decree = Decree(
        kecamatan=kec,
        fiscal_year=fy,
        number="7/SK/BB/KEC.TLP/2026",
        title="Penetapan Lokasi Kegiatan Bangkit Berdaya Tahun 2026",
        menimbang=fill_placeholders(DEFAULT_MENIMBANG, values),
        mengingat=fill_placeholders(DEFAULT_MENGINGAT, values),
        clauses=[fill_placeholders(c, values) for c in lines(DEFAULT_CLAUSES)],
        tembusan=fill_placeholders(DEFAULT_TEMBUSAN, values),
        decree_date=date(2026, 3, 12),
        signatory_name="Hasan Rambe, S.STP., M.Si.",
        signatory_rank="Pembina Tingkat I (IV/b)",
        signatory_nip="197805122000121003",
        paper=paper,
    )
    locations = []
    for i in range(count):
        kel = Kelurahan(name=KELURAHAN[i % len(KELURAHAN)], kecamatan=kec)
        name, unit, width = WORK[i % len(WORK)]
        proposal = Proposal(
            code=f"BB26-{i:05d}",
            rt=RT(kelurahan=kel, number=i % 30 + 1),
            kelurahan=kel,
            work_type=WorkType(name=name, unit=unit),
            location_description=f"Gang Kenanga {i + 1}, dari masjid sampai ujung",
            planned_volume=Decimal(60 + i % 90) if unit == "m" else Decimal(1),
            planned_width=width,
        )
        locations.append(
            DecreeLocation(decree=decree, proposal=proposal, budget=35_000_000 + i * 97_531)
        )
    return decree, locations


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--locations", type=int, default=100)
    parser.add_argument("--paper", default="F4", choices=["F4", "A4"])
    parser.add_argument("--draft", action="store_true")
    parser.add_argument("--out")
    args = parser.parse_args()
    decree, locations = build(args.locations, args.paper)
    best = best_cpu = None
    for _ in range(3):
        start, start_cpu = time.perf_counter(), time.process_time()
        pdf = render_decree_pdf(decree, locations=locations, draft=args.draft)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
        best = elapsed if best is None else min(best, elapsed)
        best_cpu = cpu if best_cpu is None else min(best_cpu, cpu)
    if args.out:
        Path(args.out).write_bytes(pdf)
    print(
        f"decree PDF, {args.locations} locations, {args.paper}: {best:.2f} s wall, "
        f"{best_cpu:.2f} s CPU (best of 3), {len(pdf) / 1024:.0f} KiB"
    )


if __name__ == "__main__":
    main()
