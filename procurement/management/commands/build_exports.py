"""Build and keep the closed years' purchase exports (OCDS package, CSV, XLSX) ahead of the
first request: run it when a budget year closes (and after correcting a closed year's
purchases), so that the public download of a closed year is read, never built on a request."""

from django.core.management.base import BaseCommand, CommandError

from bangkit.models import FiscalYear
from procurement import exports


class Command(BaseCommand):
    help = "Bangun dan simpan ekspor pembelian (OCDS, CSV, XLSX) tahun anggaran yang ditutup."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="hanya tahun ini (harus sudah ditutup)")

    def handle(self, *args, **options):
        closed = FiscalYear.objects.filter(status=FiscalYear.Status.CLOSED)
        years = list(closed.order_by("year").values_list("year", flat=True))
        if options["year"] is not None:
            if options["year"] not in years:
                raise CommandError(
                    f"Tahun {options['year']} tidak ada atau belum ditutup: "
                    "hanya tahun yang ditutup disimpan."
                )
            years = [options["year"]]
        for year in years:
            sizes = exports.build_closed_year(year)
            self.stdout.write(
                f"{year}: OCDS {sizes['ocds'] // 1024} KB, CSV {sizes['csv'] // 1024} KB, "
                f"XLSX {sizes['xlsx'] // 1024} KB disimpan."
            )
