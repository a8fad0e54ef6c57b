"""`manage.py restore DIR`: a backup into an empty database and media storage, checked twice."""

from bangkit.backup import restore_backup
from bangkit.management.backups import BackupCommand, counts


class Command(BackupCommand):
    help = (
        "Pulihkan cadangan dari `manage.py backup` ke basis data dan penyimpanan media yang "
        "kosong. Setiap checksum diperiksa sebelum dan sesudah pemulihan."
    )
    directory_help = "Folder cadangan (berisi manifest.json)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--force",
            action="store_true",
            help="Timpa basis data dan berkas media yang sudah ada (semua tabel dihapus dulu).",
        )

    def handle(self, *args, directory, database, force, **options):
        summary = self.run_job(restore_backup, directory, using=database, force=force)
        self.stdout.write(
            f"Pemulihan selesai dari {summary.directory}: {counts(summary)}; semua checksum cocok."
        )
