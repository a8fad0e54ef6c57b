"""`manage.py restore DIR`: a backup into an empty database and media storage, checked twice."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from bangkit.backup import BackupError, restore_backup
from bangkit.money import group_thousands


class Command(BaseCommand):
    help = (
        "Pulihkan cadangan dari `manage.py backup` ke basis data dan penyimpanan media yang "
        "kosong. Setiap checksum diperiksa sebelum dan sesudah pemulihan."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="Folder cadangan (berisi manifest.json).")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Alias basis data.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Timpa basis data dan berkas media yang sudah ada (semua tabel dihapus dulu).",
        )

    def handle(self, *args, directory, database, force, **options):
        try:
            summary = restore_backup(directory, using=database, force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Pemulihan selesai dari {summary.directory}: {summary.tables} tabel, "
            f"{group_thousands(summary.rows)} baris, {group_thousands(summary.files)} berkas "
            "media; semua checksum cocok."
        )
