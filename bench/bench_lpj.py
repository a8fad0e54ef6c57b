"""Time the LPJ PDF of a site with 12 photos (target: under 5 s): python bench/bench_lpj.py

Builds one completed site in a throw-away test database (SQLite in memory unless DATABASE_URL
says otherwise), every step through the services with the test suite's factories: its SK
Camat, an order delivered, paid and handed over, 8 work days, contributions and 12 progress
photos of 12 megapixels (the upload time per photo is printed too). Renders the LPJ three
times and prints the best wall and CPU times; `--out FILE` also writes the PDF to look at.
"""

import argparse
import os
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bangkit.test_settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

PHOTO_SIZE = (4000, 3000)  # a 12-megapixel phone camera
STAGES = [0, 0, 25, 25, 50, 50, 50, 75, 75, 100, 100, 100]


def build():
    from bangkit.models import (
        RT,
        ChecklistItem,
        FiscalYear,
        Kecamatan,
        Kelurahan,
        Role,
        User,
        WorkType,
    )
    from demo.seeders import reporting as demo
    from procurement.models import Supplier
    from reporting import services
    from tests import factories

    today = timezone.localdate()
    work_type = WorkType.objects.create(code="rabat", name="Rabat beton", unit="m", has_width=True)
    fy = factories.FiscalYearFactory(
        year=today.year, status=FiscalYear.Status.EXECUTION, daily_wage=120_000
    )
    fy.checklist_items.create(stage=ChecklistItem.Stage.REPORT, text="Volume sesuai foto", order=1)
    kec = Kecamatan.objects.create(
        code="15.71.07", name="Telanaipura", slug="telanaipura", abbreviation="TLP"
    )
    kel = Kelurahan.objects.create(
        code="15.71.07.1001",
        kecamatan=kec,
        name="Simpang IV Sipin",
        slug="simpang-iv-sipin",
        valid_from_year=2014,
    )
    rt = RT.objects.create(kelurahan=kel, number=5, head_name="Ahmad Hidayat", households=80)
    rt_user = User.objects.create(username="rt", role=Role.RT, rt=rt, first_name="Ahmad")
    lurah = User.objects.create(username="lurah", role=Role.KELURAHAN, kelurahan=kel)
    camat = User.objects.create(username="camat", role=Role.KECAMATAN, kecamatan=kec)
    shop = Supplier.objects.create(
        name="TB Sinar Jaya", owner_name="Hendra", address="Jl. Sultan Thaha", kelurahan=kel
    )
    materials = [
        ("Semen Portland 50 kg", "sak", Decimal("180"), 75_000),
        ("Pasir cor", "m³", Decimal("30"), 250_000),
        ("Batu split 2/3", "m³", Decimal("20"), 320_000),
        ("Besi beton 10 mm", "batang", Decimal("40"), 85_000),
        ("Papan cor 2x20x400 cm", "lembar", Decimal("60"), 45_000),
    ]
    # Proposed, verified, designated in an SK of 90 days ago, ordered, delivered, paid and
    # handed over (BAST), all through the services, as the test suite's factories walk it.
    site = factories.ProposalFactory(
        rt=rt,
        fiscal_year=fy,
        work_type=work_type,
        title="Rabat beton gang Kenanga RT 05",
        location_description="Gang Kenanga, dari masjid sampai ujung",
        latitude=Decimal("-1.610000"),
        longitude=Decimal("103.613000"),
        planned_volume=Decimal("120"),
        planned_width=Decimal("1.5"),
        rab=materials,
        state="materials_received",
        decree_date=today - timedelta(days=90),
        supplier=shop,
        paid=True,
    )
    for i in range(8):
        services.work_day_add(
            proposal=site,
            actor=rt_user,
            date=today - timedelta(days=30 - i * 3),
            men=12 + i,
            women=5,
            activity="Mengecor jalan, memasang bekisting dan merapikan bahu jalan",
        )
    for kind, value in [("food", 900_000), ("cash", 750_000), ("equipment", 400_000)]:
        services.contribution_add(
            proposal=site,
            actor=rt_user,
            kind=kind,
            description=kind,
            value=value,
            contributor="Warga RT 05",
            date=today,
        )
    upload_times = []
    for i, stage in enumerate(STAGES):
        data = demo.site_photo(
            "rumah-bench",
            stage,
            size=PHOTO_SIZE,
            quality=88,
            shift=i,
            taken_at=timezone.now() - timedelta(days=30 - i * 2),
            gps=(site.latitude, site.longitude),
        )
        started = time.perf_counter()
        services.photo_add(
            proposal=site,
            actor=rt_user,
            stage=stage,
            upload=SimpleUploadedFile(f"IMG_{i:04d}.jpg", data, content_type="image/jpeg"),
        )
        upload_times.append(time.perf_counter() - started)
    services.report_save(
        proposal=site,
        actor=rt_user,
        realised_volume=Decimal("118"),
        problems="Hujan pada hari kedua.",
        usage={
            (n, u): services.UsageInput(used=q - 1, leftover=Decimal("1"))
            for n, u, q, _ in materials
        },
    )
    services.report_submit(proposal=site, actor=rt_user)
    items = {str(pk): True for pk in fy.checklist_items.values_list("pk", flat=True)}
    services.report_accept(proposal=site, actor=lurah, checklist=items)
    services.report_countersign(proposal=site, actor=camat)
    site.refresh_from_db()
    return site, upload_times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="write the PDF here")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="bench-lpj-")
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from reporting.pdf import lpj_pdf

        site, upload_times = build()
        walls, cpus, data = [], [], b""
        for _ in range(args.runs):
            wall, cpu = time.perf_counter(), time.process_time()
            data = lpj_pdf(site)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        if args.out:
            Path(args.out).write_bytes(data)
        print(
            f"LPJ with {len(STAGES)} photos: best {min(walls):.2f} s wall, {min(cpus):.2f} s CPU "
            f"(of {args.runs}); {len(data) / 1_048_576:.1f} MB. Target: under 5 s."
        )
        print(
            f"Photo upload ({PHOTO_SIZE[0]}×{PHOTO_SIZE[1]} JPEG, checks and copies): "
            f"median {sorted(upload_times)[len(upload_times) // 2]:.2f} s, "
            f"max {max(upload_times):.2f} s."
        )
        return 0 if min(walls) < 5 else 1
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
