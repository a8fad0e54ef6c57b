"""The Prometheus metrics page: django-prometheus's request figures plus the task queue.

Not public: `/metrics` answers 404 unless the request carries `Authorization: Bearer
<METRICS_TOKEN>` or comes from an address in METRICS_ALLOWED_IPS (both empty by default).
The addresses are REMOTE_ADDR, the proxy's own when nginx forwards: scrape the app server
directly (docs/DEPLOY.md) or use the token.

Under gunicorn each worker process counts for itself; with PROMETHEUS_MULTIPROC_DIR set (the
systemd unit does) the figures of every worker are read from that directory and added up.
The task-queue gauges are read from the database at scrape time, so any worker gives the
same figures.
"""

import hmac
import os

import prometheus_client
from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import multiprocess
from prometheus_client.core import GaugeMetricFamily

from bangkit.health import task_counts


class TaskQueueCollector:
    """bangkit_tasks_waiting / _stale / _failed_last_day, from the database queue."""

    def collect(self):
        counts = task_counts()
        if counts is None:
            return
        yield GaugeMetricFamily(
            "bangkit_tasks_waiting", "Background tasks waiting for a worker.", counts["waiting"]
        )
        yield GaugeMetricFamily(
            "bangkit_tasks_stale",
            "Background tasks waiting longer than TASKS_STALE_MINUTES.",
            counts["stale"],
        )
        yield GaugeMetricFamily(
            "bangkit_tasks_failed_last_day",
            "Background tasks that failed in the last 24 hours.",
            counts["failed"],
        )


def allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    sent = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return True
    return request.META.get("REMOTE_ADDR", "") in settings.METRICS_ALLOWED_IPS


def exposition() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = prometheus_client.REGISTRY
    tasks = prometheus_client.CollectorRegistry()
    tasks.register(TaskQueueCollector())
    return prometheus_client.generate_latest(registry) + prometheus_client.generate_latest(tasks)


@never_cache
@require_GET
def metrics(request):
    if not allowed(request):
        raise Http404
    return HttpResponse(exposition(), content_type=prometheus_client.CONTENT_TYPE_LATEST)
