"""Import a Musrenbang file (CSV or XLSX) for a budget year; all rows or none by default."""

from bangkit.tabular import ImportCommand
from proposals.importing import musrenbang_import


class Command(ImportCommand):
    help = (
        "Impor usulan Musrenbang dari berkas CSV/XLSX. Tanpa --skip-invalid, satu baris tidak "
        "sah membatalkan seluruh impor. Kode keluar: 0 berhasil, 1 ditolak (tidak ada yang "
        "diimpor), 2 sebagian diimpor (--skip-invalid dengan baris tidak sah)."
    )
    title = "Impor Musrenbang"

    def add_import_arguments(self, parser):
        parser.add_argument(
            "--create-rts",
            action="store_true",
            help="daftarkan RT yang belum ada di kelurahannya (tanpa jumlah KK); tanpa ini RT "
            "yang tidak dikenal menjadi kesalahan baris",
        )

    def run_import(self, *, file, year, actor, dry_run, skip_invalid, **options):
        return musrenbang_import(
            file_or_rows=file,
            year=year,
            actor=actor,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            create_rts=options.get("create_rts", False),
        )

    def write_counts(self, report):
        self.stdout.write(f"  baru:       {report.new}")
        self.stdout.write(f"  diperbarui: {report.updated}")
        self.stdout.write(f"  tetap:      {report.unchanged}")
        self.stdout.write(f"  tidak sah:  {report.invalid}")
        self.stdout.write(f"  RT baru:    {report.new_rts}")

    def write_details(self, report):
        if report.new_rts:
            self.stdout.write(
                f"{report.new_rts} RT baru didaftarkan tanpa jumlah KK: isi jumlah KK-nya agar "
                "pagu per jumlah KK berlaku."
            )
        if report.absent:
            self.stdout.write(
                f"{report.absent} usulan tahun {report.year} di database tidak ada di berkas "
                "(dibiarkan)."
            )
        for outcome in report.updated_rows:
            self.stdout.write(
                f"Baris {outcome.row} (ID {outcome.source_id}) diperbarui: "
                f"{', '.join(outcome.changed)}"
            )
