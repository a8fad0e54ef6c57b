"""Make the display copies and thumbnails of image attachments uploaded before pages stopped
sending originals: python manage.py attachment_copies [--dry-run]. Run once after the
migration that added them; running it again does nothing."""

from django.core.management.base import BaseCommand
from django.db.models import Q

from proposals import services
from proposals.models import Attachment


class Command(BaseCommand):
    help = "Buat salinan tampil dan gambar kecil untuk lampiran foto yang belum memilikinya."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="hanya hitung, tanpa menulis")

    def handle(self, *args, dry_run=False, **options):
        waiting = Attachment.objects.filter(content_type__startswith="image/").filter(
            Q(display="") | Q(thumbnail="")
        )
        if dry_run:
            self.stdout.write(f"{waiting.count()} lampiran foto belum memiliki salinan.")
            return
        made = failed = 0
        for attachment in waiting.iterator(chunk_size=100):
            if services.attachment_make_copies(attachment=attachment):
                made += 1
            else:
                failed += 1
                self.stderr.write(
                    f"Lampiran {attachment.pk} ({attachment.file.name}) tidak terbaca."
                )
        self.stdout.write(f"{made} lampiran foto diberi salinan; {failed} tidak terbaca.")
