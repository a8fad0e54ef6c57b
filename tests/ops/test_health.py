"""/healthz checks the database, storage, cache and task queue; /metrics is not public."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def queued(*, minutes_ago: int, status=TaskResultStatus.READY, finished=None):
    task = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="portal.tasks.send_notification",
        backend_name="default",
        queue_name="default",
        run_after=get_date_max(),
        status=status,
        finished_at=finished,
    )
    # enqueued_at is auto_now_add: move it back by hand.
    DBTaskResult.objects.filter(pk=task.pk).update(
        enqueued_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return task


def test_healthz_reports_every_component_ok(client, db, media_files):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("status", "database", "storage", "cache", "tasks")} == {
        "status": "ok",
        "database": "ok",
        "storage": "ok",
        "cache": "ok",
        "tasks": "ok",
    }
    # The probe object is gone again.
    assert not any(name.startswith("healthz/") for name in media_files())


def test_healthz_answers_503_when_storage_refuses_the_probe(client, db, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied: /srv/bangkit/media/healthz")

    monkeypatch.setattr(default_storage, "save", refuse)
    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error" and body["database"] == "ok"
    assert body["storage"] == "unreachable" and body["storage_detail"] == "PermissionError"
    assert "/srv/bangkit" not in response.content.decode()


def test_healthz_answers_503_when_the_cache_is_down(client, db, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 10.0.0.5:6379")

    monkeypatch.setattr(cache, "set", down)
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["cache"] == "unreachable"
    assert "10.0.0.5" not in response.content.decode()


def test_healthz_counts_the_queue_and_fails_on_stale_tasks(client, db, settings):
    settings.TASKS = DB_TASKS
    settings.TASKS_STALE_MINUTES = 15
    queued(minutes_ago=1)
    queued(minutes_ago=2, status=TaskResultStatus.FAILED, finished=timezone.now())

    fresh = client.get("/healthz")
    assert fresh.status_code == 200
    assert fresh.json()["tasks"] == "ok"
    assert (fresh.json()["tasks_waiting"], fresh.json()["tasks_failed"]) == (1, 1)

    queued(minutes_ago=40)
    stale = client.get("/healthz")
    assert stale.status_code == 503
    assert stale.json()["tasks"] == "stale" and stale.json()["tasks_stale"] == 1


def test_metrics_are_not_public_by_default(client, db):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"authorization": "Bearer "}).status_code == 404


@pytest.mark.parametrize("allow", ["token", "address"])
def test_metrics_show_latency_and_the_task_queue_to_the_scraper(client, db, settings, allow):
    settings.TASKS = DB_TASKS
    queued(minutes_ago=1)
    queued(minutes_ago=1)
    headers = {}
    if allow == "token":
        settings.METRICS_TOKEN = "s3cret-scrape-token"
        headers = {"authorization": "Bearer s3cret-scrape-token"}
    else:
        settings.METRICS_ALLOWED_IPS = ["127.0.0.1"]
    client.get("/healthz")

    response = client.get("/metrics", headers=headers)

    assert response.status_code == 200
    text = response.content.decode()
    assert "django_http_requests_latency_seconds_by_view_method" in text
    assert "bangkit_tasks_waiting 2.0" in text
    assert "bangkit_tasks_failed_last_day 0.0" in text


def test_metrics_refuse_a_wrong_token(client, db, settings):
    settings.METRICS_TOKEN = "s3cret-scrape-token"
    response = client.get("/metrics", headers={"authorization": "Bearer guess"})
    assert response.status_code == 404
