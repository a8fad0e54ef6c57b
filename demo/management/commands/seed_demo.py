"""Create the demo: RTs, the demo year's rules, one account per role and area, proposals.

With ``--years N``, N closed budget years before the demo year instead, written in bulk
(demo/seeders/decade.py); ``--scale`` shrinks them (0.02 for a test).
"""

import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from audit import services as audit_services
from bangkit.models import Kelurahan
from demo.seeders import (
    core,
    dates,
    decade,
    procurement,
    proposals,
    reporting,
    usulan,
    verification,
)

# Each stage seeds on top of the one before it, through the real services.
SEEDERS = [
    ("proposals", proposals.seed),
    ("verification", verification.seed),
    ("procurement", procurement.seed),
    ("reporting", reporting.seed),
    ("usulan warga", usulan.seed),
]


class Command(BaseCommand):
    help = "Seed demo data (idempotent). Always refused when DEBUG is false."

    def add_arguments(self, parser):
        # Accepted only so that an old script calling it hears the refusal below, not an
        # "unrecognized arguments" error: it overrides nothing.
        parser.add_argument(
            "--force", action="store_true", help="no effect: DEBUG=False is always refused"
        )
        parser.add_argument(
            "--years",
            type=int,
            default=0,
            help="write N closed years before the demo year in bulk (~6,000 entries, 600 sites "
            "a year) instead of the walked demo",
        )
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="with --years: share of the full yearly volume (e.g. 0.02)",
        )

    def handle(self, *args, force=False, years=0, scale=1.0, **options):
        if not settings.DEBUG:
            # Demo accounts (admin included) share one known password: never on a server
            # with DEBUG=False, whatever the flags.
            raise CommandError(
                "seed_demo ditolak: DEBUG=False (server produksi). Akun demo, termasuk admin, "
                "memakai satu kata sandi yang diketahui umum; --force tidak mengubah ini. "
                "Jalankan hanya di mesin pengembangan dengan DEBUG=True."
            )
        if not Kelurahan.objects.exists():
            call_command("load_regions", stdout=self.stdout)
        with transaction.atomic():
            result = core.seed_core()
        self.stdout.write(
            f"Demo inti: {result['rt_baru']} RT baru, {result['akun_baru']} akun baru, "
            f"tahun anggaran {result['tahun']}."
        )
        if years:
            self._decade(years, scale)
            return
        started = timezone.now()
        for label, seeder in SEEDERS:
            with transaction.atomic():
                self.stdout.write(f"{label}: {seeder()}")
        # The services stamp every step with the minute it ran: spread them over the year.
        with transaction.atomic():
            moved = dates.spread_transition_dates(started, core.demo_year())
            signed = dates.date_decrees(started)
        self.stdout.write(
            f"tanggal: {moved} langkah diberi tanggal masing-masing, "
            f"{signed} SK Camat pada tanggal penetapannya"
        )
        self._refresh_flags()
        self.stdout.write(
            self.style.SUCCESS(f"Selesai. Kata sandi semua akun demo: {settings.DEMO_PASSWORD}")
        )

    def _decade(self, years: int, scale: float) -> None:
        if not 1 <= years <= 30:
            raise CommandError("--years harus antara 1 dan 30.")
        if not 0 < scale <= 1:
            raise CommandError("--scale harus lebih dari 0 dan paling besar 1.")
        started = time.perf_counter()
        try:
            result = decade.seed_years(years, scale=scale, log=self.stdout.write)
        except decade.AlreadySeeded as exc:
            raise CommandError(str(exc)) from exc
        if result["skipped"]:
            self.stdout.write(
                "Sudah ada, dilewati: " + ", ".join(str(y) for y in result["skipped"]) + "."
            )
        if not result["written"]:
            self.stdout.write("Tidak ada tahun baru yang ditulis.")
        else:
            self._refresh_flags()
            # The dashboard reads closed years from their summary rows (dashboards.summary).
            call_command("build_dashboard_summary", stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                f"Selesai: {len(result['written'])} tahun ditulis dalam "
                f"{time.perf_counter() - started:.1f} detik."
            )
        )

    def _refresh_flags(self) -> None:
        """The Inspektorat's red flags, computed from what was just seeded."""
        run = audit_services.flags_refresh()
        self.stdout.write(f"tanda peringatan: {run.flags} dihitung dalam {run.duration_ms} ms")
