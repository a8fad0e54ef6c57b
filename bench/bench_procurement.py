"""Time procurement at a year's scale: issue orders, record deliveries and payments, export.

    .venv/bin/python bench/bench_procurement.py [--orders 600]

Kota Jambi funds a few hundred sites a year (~10% of 5,720 proposals); each gets one or two
orders. Runs on a temporary SQLite database, or on a throwaway PostgreSQL database next to the
one in DATABASE_URL (which is never touched), dropped afterwards.
"""

import argparse
import contextlib
import io
import shutil
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_import import configure  # noqa: E402

YEAR = 2026
RAB = [
    ("Semen Portland 50 kg", "sak", Decimal("120"), 75_000),
    ("Pasir cor", "m³", Decimal("8"), 260_000),
    ("Batu split 2/3", "m³", Decimal("6"), 325_000),
    ("Besi beton 10 mm", "batang", Decimal("40"), 96_000),
    ("Papan cor 2x20x400 cm", "lembar", Decimal("30"), 48_000),
]


class Clock:
    def __init__(self, label):
        self.label = label

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        wall, cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu
        print(f"{self.label:<42} {wall:7.2f} s wall {cpu:7.2f} s cpu")


def build(count: int):
    """A year with envelopes, a shop per kelurahan and `count` designated sites, walked there
    through the services by the test suite's factories (tests.factories): each proposal is
    made by its Ketua RT, verified by kelurahan and kecamatan, and designated in one SK Camat
    per kecamatan. Returns (proposal, its lurah) pairs."""
    from bangkit.models import RT, FiscalYear, Kecamatan, Kelurahan, Role
    from budgets.models import BudgetEnvelope
    from procurement.importing import reference_price_import
    from procurement.models import Supplier
    from proposals.models import WorkType
    from tests import factories

    fiscal_year = factories.FiscalYearFactory(year=YEAR, status=FiscalYear.Status.EXECUTION)
    work_type = WorkType.objects.order_by("pk").first()
    reference_price_import(
        file_or_rows=Path(__file__).resolve().parent.parent / "fixtures/reference_prices_2026.csv",
        year=YEAR,
    )
    for kec in Kecamatan.objects.all():
        BudgetEnvelope.objects.create(fiscal_year=fiscal_year, kecamatan=kec, amount=10**12)
    places = list(Kelurahan.objects.existing_in(YEAR).order_by("code"))
    rts, lurahs = {}, {}
    for kel in places:
        lurahs[kel.pk] = factories.actor_for(Role.KELURAHAN, kel)
        rts[kel.pk] = RT.objects.create(kelurahan=kel, number=1, households=80)
        Supplier.objects.create(
            name=f"TB {kel.name}", owner_name="Pemilik", address="Jl. Uji", kelurahan=kel
        )
    verified = {}
    for n in range(count):
        kel = places[n % len(places)]
        proposal = factories.ProposalFactory(
            rt=rts[kel.pk],
            fiscal_year=fiscal_year,
            work_type=work_type,
            title=f"Rabat beton {n}",
            location_description="Gang uji",
            planned_volume=Decimal("50"),
            planned_width=Decimal("1.5"),
            rab=RAB,
            state="kecamatan_verified",
        )
        verified.setdefault(kel.kecamatan_id, []).append(proposal)
    for proposals in verified.values():
        factories.designate(proposals)
    return [(p, lurahs[p.kelurahan_id]) for ps in verified.values() for p in ps]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=600)
    options = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bangkit-bench-"))
    cleanup = configure(tmp)
    try:
        from django.conf import settings
        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.core.management import call_command
        from django.db import connection
        from django.test.utils import CaptureQueriesContext
        from django.utils import timezone

        from budgets.figures import figures_for
        from budgets.models import BudgetEnvelope
        from procurement import exports, selectors, services
        from procurement.models import Supplier

        settings.MEDIA_ROOT = str(tmp / "media")  # the SKs, documents and photos of the run
        call_command("migrate", verbosity=0)
        with contextlib.redirect_stdout(io.StringIO()):
            call_command("load_regions", verbosity=0)
        from django.db import transaction

        # One transaction: the walk's hundreds of small commits would wait on the disk.
        with Clock(f"build {options.orders} designated sites (not a target)"), transaction.atomic():
            proposals = build(options.orders)
        print(
            f"Procurement benchmark: {options.orders} orders, {connection.vendor} "
            f"({connection.settings_dict['NAME']})"
        )
        orders = []
        with Clock(f"create from RAB and issue {options.orders} orders"):
            for proposal, lurah in proposals:
                shop = Supplier.objects.get(kelurahan=proposal.kelurahan)
                draft = services.order_create_from_rab(
                    proposal=proposal, actor=lurah, supplier=shop
                )
                orders.append((services.order_issue(order=draft, actor=lurah), lurah))
        from PIL import Image

        buffer = io.BytesIO()
        Image.new("RGB", (320, 240), (180, 120, 60)).save(buffer, "JPEG")
        photo = buffer.getvalue()
        today = timezone.localdate()
        with Clock(f"record {len(orders)} full deliveries with photos"):
            for order, lurah in orders:
                quantities = {
                    line.pk: (line.shortfall, Decimal(0))
                    for line in selectors.order_lines_with_progress(order)
                }
                services.delivery_record(
                    order=order,
                    actor=lurah,
                    delivered_on=today,
                    received_by_name="Ketua RT",
                    quantities=quantities,
                    photo=SimpleUploadedFile("f.jpg", photo, content_type="image/jpeg"),
                )
        with Clock(f"record {len(orders)} payments"):
            for order, lurah in orders:
                services.payment_record(
                    order=order,
                    actor=lurah,
                    invoice_number="INV-1",
                    amount=order.total,
                    paid_on=today,
                    reference="SP2D",
                )
        with Clock("OCDS release package of the year"):
            package = exports.ocds_package(YEAR, uri="https://example.invalid/ocds.json")
        print(f"{'':<42} {len(package['releases'])} releases")
        with Clock("CSV and XLSX of the year"):
            exports.purchases_csv(YEAR)
            exports.purchases_xlsx(YEAR)
        envelopes = list(BudgetEnvelope.objects.all())
        with CaptureQueriesContext(connection) as ctx, Clock("envelope figures (all envelopes)"):
            figures = figures_for(envelopes)
        ordered = sum(f.ordered for f in figures)
        print(f"{'':<42} {len(ctx.captured_queries)} queries; ordered Rp {ordered:,}")
    finally:
        from django.db import connections

        connections.close_all()
        cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
