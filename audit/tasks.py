"""Background refresh of the red flags (Django's tasks API, the django-tasks backport).

``refresh_flags`` recomputes every rule and stores the flags; ``enqueue_refresh`` asks for it
once the current transaction commits (a change that rolls back asks for nothing). The demo
seed and the ``refresh_flags`` command run it too; a deployment schedules the command (e.g.
nightly) or enqueues the task after imports."""

from django.db import transaction
from django_tasks import task

from audit import services


@task()
def refresh_flags() -> int:
    """Recompute and store every flag; returns how many flags there are."""
    return services.flags_refresh().flags


def enqueue_refresh() -> None:
    transaction.on_commit(refresh_flags.enqueue, robust=True)
