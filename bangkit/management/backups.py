"""What `manage.py backup` and `manage.py restore` share: the folder and database arguments, a
backup error said as the command's error, and the counts of what was copied."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from bangkit.backup import BackupError
from bangkit.money import group_thousands


class BackupCommand(BaseCommand):
    directory_help = "Folder cadangan."

    def add_arguments(self, parser):
        parser.add_argument("directory", help=self.directory_help)
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Alias basis data.")

    def run_job(self, job, *args, **kwargs):
        """``job(*args, **kwargs)``'s summary; a BackupError ends the command with its text."""
        try:
            return job(*args, **kwargs)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc


def counts(summary) -> str:
    """'12 tabel, 3.456 baris, 78 berkas media' of a backup or restore summary."""
    return (
        f"{summary.tables} tabel, {group_thousands(summary.rows)} baris, "
        f"{group_thousands(summary.files)} berkas media"
    )
