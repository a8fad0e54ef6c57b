"""`manage.py backup DIR`: the database (one snapshot) and every media file, with a manifest."""

from bangkit.backup import create_backup
from bangkit.management.backups import BackupCommand, counts
from bangkit.money import group_thousands


class Command(BackupCommand):
    help = (
        "Cadangkan basis data (satu snapshot yang konsisten) dan semua berkas media ke folder "
        "DIR yang baru atau kosong, dengan manifest berisi checksum sha256 setiap berkas."
    )
    directory_help = "Folder cadangan (baru atau kosong)."

    def handle(self, *args, directory, database, **options):
        summary = self.run_job(create_backup, directory, using=database)
        self.stdout.write(
            f"Cadangan selesai di {summary.directory}: {counts(summary)}, "
            f"{group_thousands(summary.bytes)} bita."
        )
