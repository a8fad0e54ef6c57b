"""Put background tasks whose worker died mid-task back in the queue.

django-tasks-db marks a task RUNNING when a worker claims it and never looks at it again: a
worker killed by the OOM killer, a reboot or `kill -9` leaves it RUNNING for ever, and its
e-mails are never sent. This command sets such rows (started longer ago than --older-than-
minutes, by default an hour: no task of ours runs that long) back to READY, so the next worker
runs them again. Our tasks are safe to run twice: each recipient's `Notification` row is marked
sent in the transaction that sends to it, so a rerun mails only whom the dead worker had not.

Run it before each worker starts (the systemd unit's ExecStartPre; docs/FAULTS.md), and from
a timer when several workers share the queue.
"""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone


class Command(BaseCommand):
    help = (
        "Kembalikan ke antrean tugas latar yang berstatus RUNNING terlalu lama (pekerjanya mati "
        "di tengah tugas), agar dijalankan ulang oleh worker berikutnya."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-minutes",
            type=int,
            default=60,
            help="Hanya tugas yang mulai berjalan lebih lama dari ini (bawaan 60 menit).",
        )

    def handle(self, *args, older_than_minutes=60, **options):
        backend = settings.TASKS.get("default", {}).get("BACKEND", "")
        if backend != "django_tasks_db.DatabaseBackend":
            self.stdout.write(f"Antrean tugas bukan basis data ({backend}): tidak ada yang diubah.")
            return
        from django_tasks.base import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        cutoff = timezone.now() - timedelta(minutes=max(0, older_than_minutes))
        stale = DBTaskResult.objects.filter(
            status=TaskResultStatus.RUNNING, started_at__lt=cutoff
        ).update(status=TaskResultStatus.READY, started_at=None)
        self.stdout.write(f"Tugas yang dikembalikan ke antrean: {stale}.")
