"""Build the summary rows of the closed budget years, which the dashboard reads instead of
their records (dashboards.summary): after seeding ten years, after a restore, or to repair a
year by hand. The close service and any change of a closed year's record rebuild on their own
(dashboards.tasks)."""

import time

from django.core.management.base import BaseCommand, CommandError

from bangkit.models import FiscalYear
from dashboards import summary, tasks


class Command(BaseCommand):
    help = "Bangun ringkasan dasbor untuk tahun anggaran yang sudah ditutup."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="hanya tahun ini (harus sudah ditutup)")

    def handle(self, *args, **options):
        closed = FiscalYear.objects.filter(status=FiscalYear.Status.CLOSED).order_by("year")
        if options["year"] is not None:
            closed = closed.filter(year=options["year"])
            if not closed.exists():
                raise CommandError(
                    f"Tahun {options['year']} tidak ada atau belum ditutup: ringkasan hanya "
                    "dibangun untuk tahun yang ditutup."
                )
        else:
            # Years no longer closed lose their rows.
            for year in FiscalYear.objects.exclude(status=FiscalYear.Status.CLOSED):
                summary.build_year(year)
        for year in closed:
            start = time.monotonic()
            built = summary.build_year(year)
            self.stdout.write(
                f"{year.year}: {built.proposals} usulan, {built.entries} baris usulan "
                f"Musrenbang ({time.monotonic() - start:.1f} detik)."
            )
        if not closed:
            self.stdout.write("Belum ada tahun anggaran yang ditutup.")
            return
        start = time.monotonic()
        warmed = tasks.warm_dashboards()
        if warmed:
            self.stdout.write(
                f"{warmed} tampilan dasbor disiapkan di cache "
                f"({time.monotonic() - start:.1f} detik)."
            )
