"""`manage.py backup DIR`: the database (one snapshot) and every media file, with a manifest."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from bangkit.backup import BackupError, create_backup
from bangkit.money import group_thousands


class Command(BaseCommand):
    help = (
        "Cadangkan basis data (satu snapshot yang konsisten) dan semua berkas media ke folder "
        "DIR yang baru atau kosong, dengan manifest berisi checksum sha256 setiap berkas."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="Folder cadangan (baru atau kosong).")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Alias basis data.")

    def handle(self, *args, directory, database, **options):
        try:
            summary = create_backup(directory, using=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Cadangan selesai di {summary.directory}: {summary.tables} tabel, "
            f"{group_thousands(summary.rows)} baris, {group_thousands(summary.files)} berkas "
            f"media, {group_thousands(summary.bytes)} bita."
        )
