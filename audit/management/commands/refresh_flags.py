"""manage.py refresh_flags: recompute and store every red flag now (or --enqueue it)."""

from django.core.management.base import BaseCommand

from audit import services, tasks


class Command(BaseCommand):
    help = "Menghitung ulang semua tanda peringatan (red flags) dan menyimpannya."

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue", action="store_true", help="antrekan ke pekerja latar (db_worker)"
        )

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            tasks.refresh_flags.enqueue()
            self.stdout.write("Penghitungan tanda peringatan diantrekan.")
            return
        run = services.flags_refresh()
        slowest = sorted(run.timings.items(), key=lambda kv: -kv[1])[:3]
        self.stdout.write(
            self.style.SUCCESS(
                f"{run.flags} tanda peringatan ({run.raised} baru, {run.changed} berubah, "
                f"{run.retired} hilang) dalam {run.duration_ms} ms; terlama: "
                + ", ".join(f"{code} {ms} ms" for code, ms in slowest)
            )
        )
