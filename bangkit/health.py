"""What /healthz checks: the database, media storage, the shared cache and the task queue.

Each check answers "ok" or a short word for what failed, and only the class of an error,
never its message (a driver's message names hosts and users). Any failure makes the whole
answer a 503, so a load balancer or monitor takes the server out or raises an alarm.
"""

import contextlib
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.utils import DatabaseError
from django.utils import timezone

PROBE_DIR = "healthz"
PROBE_BYTES = b"bangkit-healthz"
DB_TASKS_BACKEND = "django_tasks_db.DatabaseBackend"


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return {"database": "unreachable", "detail": exc.__class__.__name__}
    return {"database": "ok", "vendor": connection.vendor}


def check_storage() -> dict:
    """Write, read back and delete a tiny object (each app server has its own name)."""
    name = f"{PROBE_DIR}/probe-{uuid.uuid4().hex}.txt"
    stored = None
    try:
        stored = default_storage.save(name, ContentFile(PROBE_BYTES))
        with default_storage.open(stored, "rb") as probe:
            if probe.read() != PROBE_BYTES:
                return {"storage": "corrupt"}
    except Exception as exc:  # OSError on a disk, botocore's errors on S3
        return {"storage": "unreachable", "storage_detail": exc.__class__.__name__}
    finally:
        if stored is not None:
            # A failed delete shows at the next probe's write anyway.
            with contextlib.suppress(Exception):
                default_storage.delete(stored)
    return {"storage": "ok"}


def check_cache() -> dict:
    key = f"healthz:{uuid.uuid4().hex}"
    # A cache that degrades on errors (bangkit.cache.RedisCache) raises them here.
    strict = getattr(cache, "strict", contextlib.nullcontext)
    try:
        with strict():
            cache.set(key, "ok", timeout=30)
            value = cache.get(key)
            cache.delete(key)
    except Exception as exc:  # a database error, a Redis connection error
        return {"cache": "unreachable", "cache_detail": exc.__class__.__name__}
    return {"cache": "ok" if value == "ok" else "not_shared"}


def task_counts() -> dict[str, int] | None:
    """Waiting, stale (waiting longer than TASKS_STALE_MINUTES: no worker takes them) and
    failed (in the last day) tasks of the database queue; None for another backend."""
    if settings.TASKS["default"]["BACKEND"] != DB_TASKS_BACKEND:
        return None
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    stale_before = now - timedelta(minutes=settings.TASKS_STALE_MINUTES)
    ready = DBTaskResult.objects.ready()
    return {
        "waiting": ready.count(),
        "stale": ready.filter(enqueued_at__lt=stale_before).count(),
        "failed": DBTaskResult.objects.filter(
            status=TaskResultStatus.FAILED, finished_at__gte=now - timedelta(days=1)
        ).count(),
    }


def check_tasks() -> dict:
    try:
        counts = task_counts()
    except DatabaseError as exc:
        return {"tasks": "unreachable", "tasks_detail": exc.__class__.__name__}
    if counts is None:
        return {"tasks": "ok"}
    state = "stale" if counts["stale"] else "ok"
    return {"tasks": state, **{f"tasks_{key}": value for key, value in counts.items()}}


COMPONENTS = ("database", "storage", "cache", "tasks")


def report() -> tuple[dict, int]:
    """The whole answer and its status code."""
    body = check_database()
    if body["database"] != "ok":
        # Storage and cache may not need the database, but the queue and a database cache do:
        # say what is known and stop (each further check would wait for the same timeout).
        return {"status": "error", **body}, 503
    for check in (check_storage, check_cache, check_tasks):
        body.update(check())
    healthy = all(body[name] == "ok" for name in COMPONENTS)
    return {"status": "ok" if healthy else "error", **body}, 200 if healthy else 503
