"""Import a year's reference prices (CSV or XLSX); all rows or none by default."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from procurement.importing import reference_price_import

EXIT_REJECTED = 1  # nothing imported
EXIT_PARTIAL = 2  # --skip-invalid: valid rows imported, invalid rows not


class Command(BaseCommand):
    help = (
        "Impor harga acuan material untuk satu tahun anggaran dari berkas CSV/XLSX. Tanpa "
        "--skip-invalid, satu baris tidak sah membatalkan seluruh impor. Kode keluar: 0 berhasil, "
        "1 ditolak, 2 sebagian diimpor."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="berkas .csv atau .xlsx")
        parser.add_argument("--year", type=int, required=True, help="tahun anggaran, mis. 2026")
        parser.add_argument("--dry-run", action="store_true", help="periksa saja, tanpa menyimpan")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="impor baris yang sah saja (kode keluar 2)"
        )
        parser.add_argument("--user", help="nama pengguna yang dicatat sebagai pelaku impor")

    def handle(self, *args, file, year, dry_run, skip_invalid, user=None, **options):
        actor = None
        if user:
            try:
                actor = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist as exc:
                raise CommandError(f"Pengguna '{user}' tidak ada.") from exc
        report = reference_price_import(
            file_or_rows=file, year=year, actor=actor, dry_run=dry_run, skip_invalid=skip_invalid
        )
        mode = " (uji coba, tidak disimpan)" if dry_run else ""
        self.stdout.write(f"Impor harga acuan {year} dari {report.filename}{mode}")
        self.stdout.write(f"  {report.summary}")
        if report.ignored_columns:
            self.stdout.write(f"Kolom diabaikan: {', '.join(report.ignored_columns)}")
        for error in report.errors:
            self.stderr.write(str(error))
        if report.rejected:
            raise CommandError(
                f"Berkas {report.filename} ditolak: tidak ada yang diimpor "
                f"({report.invalid} baris tidak sah dari {report.total}).",
                returncode=EXIT_REJECTED,
            )
        if report.invalid:
            raise CommandError(
                f"{report.invalid} baris tidak sah dilewati.", returncode=EXIT_PARTIAL
            )
        self.stdout.write(self.style.SUCCESS("Selesai."))
