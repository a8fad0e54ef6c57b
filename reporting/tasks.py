"""Background tasks of reporting (Django's tasks API, `manage.py db_worker` runs them): the
EXIF-free copies of an uploaded progress photo, made after its upload committed."""

from django_tasks import task


@task()
def make_photo_copies(photo_id: int) -> bool:
    """The display copy and thumbnail of one progress photo; nothing when they exist already
    or the photo is gone."""
    from reporting import services  # services enqueue this task
    from reporting.models import ProgressPhoto

    photo = ProgressPhoto.objects.filter(pk=photo_id).first()
    if photo is None:
        return False
    return services.photo_make_copies(photo=photo)
