"""Import a Musrenbang file (CSV or XLSX) for a budget year; all rows or none by default."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from proposals.importing import musrenbang_import

# Exit codes (documented in docs/musrenbang-import.md).
EXIT_REJECTED = 1  # nothing imported: unreadable file, missing columns, or invalid rows
EXIT_PARTIAL = 2  # --skip-invalid: the valid rows were imported, the invalid ones were not


class Command(BaseCommand):
    help = (
        "Impor usulan Musrenbang dari berkas CSV/XLSX. Tanpa --skip-invalid, satu baris tidak "
        "sah membatalkan seluruh impor. Kode keluar: 0 berhasil, 1 ditolak (tidak ada yang "
        "diimpor), 2 sebagian diimpor (--skip-invalid dengan baris tidak sah)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="berkas .csv atau .xlsx")
        parser.add_argument("--year", type=int, required=True, help="tahun anggaran, mis. 2026")
        parser.add_argument(
            "--dry-run", action="store_true", help="periksa dan tampilkan hasil, tanpa menyimpan"
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="impor baris yang sah dan lewati yang tidak sah (kode keluar 2 bila ada)",
        )
        parser.add_argument(
            "--user", help="nama pengguna yang dicatat sebagai pelaku impor di catatan audit"
        )

    def handle(self, *args, file, year, dry_run, skip_invalid, user=None, **options):
        actor = None
        if user:
            try:
                actor = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist as exc:
                raise CommandError(f"Pengguna '{user}' tidak ada.") from exc

        report = musrenbang_import(
            file_or_rows=file,
            year=year,
            actor=actor,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
        )

        mode = " (uji coba, tidak disimpan)" if dry_run else ""
        self.stdout.write(f"Impor Musrenbang {year} dari {report.filename}{mode}")
        self.stdout.write(f"  baru:       {report.new}")
        self.stdout.write(f"  diperbarui: {report.updated}")
        self.stdout.write(f"  tetap:      {report.unchanged}")
        self.stdout.write(f"  tidak sah:  {report.invalid}")
        self.stdout.write(f"  RT baru:    {report.new_rts}")
        if report.ignored_columns:
            self.stdout.write(f"Kolom diabaikan: {', '.join(report.ignored_columns)}")
        if report.absent:
            self.stdout.write(
                f"{report.absent} usulan tahun {year} di database tidak ada di berkas (dibiarkan)."
            )
        for outcome in report.updated_rows:
            self.stdout.write(
                f"Baris {outcome.row} (ID {outcome.source_id}) diperbarui: "
                f"{', '.join(outcome.changed)}"
            )
        for error in report.errors:
            self.stderr.write(str(error))

        if report.rejected:
            raise CommandError(
                f"Berkas {report.filename} ditolak: tidak ada yang diimpor "
                f"({report.invalid} baris tidak sah dari {report.total}).",
                returncode=EXIT_REJECTED,
            )
        if report.invalid:
            verb = "akan diimpor" if dry_run else "diimpor"
            raise CommandError(
                f"{report.invalid} baris tidak sah dilewati; baris yang sah {verb}.",
                returncode=EXIT_PARTIAL,
            )
        if dry_run:
            self.stdout.write(self.style.SUCCESS("Uji coba selesai: semua baris sah."))
        else:
            self.stdout.write(self.style.SUCCESS(f"Selesai: {report.summary}."))
