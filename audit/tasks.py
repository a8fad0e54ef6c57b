"""Background refresh of the red flags (Django's tasks API, the django-tasks backport).

``refresh_flags`` recomputes every rule and stores the flags. It runs:
- after the programme's records change: every change a service makes writes an ``AuditEvent``
  row, and a ``post_save`` receiver on it (connected in ``AuditConfig.ready``) asks, once the
  transaction commits, for one refresh a few minutes later; more changes meanwhile join that
  one (a cache key), so a busy afternoon costs a refresh every few minutes, not one per change;
- from ``manage.py refresh_flags`` (a deployment may also schedule it nightly) and at the end
  of ``seed_demo``.
The list page says when the flags were computed. Tests run without the receiver (its setting
``AUDIT_FLAGS_REFRESH_ON_CHANGE`` is off while testing) and call the refresh themselves.
"""

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_save
from django.utils import timezone
from django_tasks import task

from audit import services
from bangkit.models import AuditEvent

QUEUED_KEY = "audit:flags:refresh-queued"
# Changes within this time share one refresh, which runs once it has passed.
REFRESH_DELAY = timedelta(minutes=5)
# Actions of the workspace itself that change no input of a rule.
OWN_ACTIONS = {"flag_review"}


@task()
def refresh_flags() -> int:
    """Recompute and store every flag; returns how many flags there are."""
    cache.delete(QUEUED_KEY)
    return services.flags_refresh().flags


def enqueue_refresh() -> None:
    """Ask for one refresh after REFRESH_DELAY, unless one is already waiting."""
    if not cache.add(QUEUED_KEY, 1, timeout=int(REFRESH_DELAY.total_seconds()) * 2):
        return
    job = refresh_flags
    if job.get_backend().supports_defer:
        job = job.using(run_after=timezone.now() + REFRESH_DELAY)
    job.enqueue()


def refresh_on_change() -> bool:
    return getattr(settings, "AUDIT_FLAGS_REFRESH_ON_CHANGE", not settings.TESTING)


def on_change_recorded(sender, instance, created, raw=False, **kwargs):
    """post_save of AuditEvent: a record changed; refresh the flags after the commit."""
    if not created or raw or instance.action in OWN_ACTIONS or not refresh_on_change():
        return
    transaction.on_commit(enqueue_refresh, robust=True)


def connect_signals() -> None:
    post_save.connect(on_change_recorded, sender=AuditEvent, dispatch_uid="audit-flags-refresh")
