"""Import a year's reference prices (CSV or XLSX); all rows or none by default."""

from bangkit.tabular import ImportCommand
from procurement.importing import reference_price_import


class Command(ImportCommand):
    help = (
        "Impor harga acuan material untuk satu tahun anggaran dari berkas CSV/XLSX. Tanpa "
        "--skip-invalid, satu baris tidak sah membatalkan seluruh impor. Kode keluar: 0 berhasil, "
        "1 ditolak, 2 sebagian diimpor."
    )
    title = "Impor harga acuan"

    def run_import(self, *, file, year, actor, dry_run, skip_invalid, **options):
        return reference_price_import(
            file_or_rows=file, year=year, actor=actor, dry_run=dry_run, skip_invalid=skip_invalid
        )
