"""Background tasks of proposals (Django's tasks API, `manage.py db_worker` runs them): the
EXIF-free copies of an uploaded image, made after its upload committed."""

from django_tasks import task


@task()
def make_attachment_copies(attachment_id: int) -> bool:
    """The display copy and thumbnail of one image attachment; nothing when they exist already
    or the attachment was removed meanwhile."""
    from proposals import services  # services enqueue this task
    from proposals.models import Attachment

    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is None:
        return False
    return services.attachment_make_copies(attachment=attachment)
