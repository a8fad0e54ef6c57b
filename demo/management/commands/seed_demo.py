"""Create the demo: RTs, the demo year's rules, one account per role and area, proposals."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from bangkit.models import Kelurahan
from demo.seeders import core, procurement, proposals, reporting, verification

# Each stage seeds on top of the one before it, through the real services.
SEEDERS = [
    ("proposals", proposals.seed),
    ("verification", verification.seed),
    ("procurement", procurement.seed),
    ("reporting", reporting.seed),
]


class Command(BaseCommand):
    help = "Seed demo data (idempotent). Always refused when DEBUG is false."

    def add_arguments(self, parser):
        # Accepted only so that an old script calling it hears the refusal below, not an
        # "unrecognized arguments" error: it overrides nothing.
        parser.add_argument(
            "--force", action="store_true", help="no effect: DEBUG=False is always refused"
        )

    def handle(self, *args, force=False, **options):
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
        for label, seeder in SEEDERS:
            with transaction.atomic():
                self.stdout.write(f"{label}: {seeder()}")
        self.stdout.write(
            self.style.SUCCESS(f"Selesai. Kata sandi semua akun demo: {settings.DEMO_PASSWORD}")
        )
